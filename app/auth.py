"""Accounts, sessions, CSRF and login throttling. Every write is authorised here, on the server.

Sessions live in the database (the cookie holds a random token; the table its SHA-256), so app processes
stay stateless. A new session id is issued at every login (no fixation) and logout deletes it. CSRF uses a
per-session token handed out as the readable cookie `csrf_token`; state-changing requests must send it back
in the `X-CSRF-Token` header (or the `csrf_token` form field).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.errors import BadInput, Forbidden, NotAuthenticated, TooManyAttempts

SESSION_COOKIE = "frontline_session"
CSRF_COOKIE = "csrf_token"
SESSION_DAYS = 7
# Failed logins for one user name (or from one address) in the window before sign-in is refused.
MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a real password")


def _h(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_user(session: Session, username: str, password: str, role: str) -> int:
    if not username or len(username) > 64 or not username.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise BadInput("user names are 1-64 letters, digits, '.', '-' or '_'")
    if len(password) < 8:
        raise BadInput("passwords need at least 8 characters")
    if role not in ("editor", "admin"):
        raise BadInput("role must be editor or admin")
    return session.execute(text("""
        INSERT INTO users (username, password_hash, role, active) VALUES (:u, :p, :r, true)
        ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role, active = true
        RETURNING id"""), {"u": username, "p": _hasher.hash(password), "r": role}).scalar_one()


# One address may fail more often (several editors behind one NAT), but not without bound.
MAX_FAILURES_PER_IP = 20


def _locked(session: Session, username: str, ip: str) -> bool:
    by_user, by_ip = session.execute(text("""
        SELECT count(*) FILTER (WHERE username = :u
                                  AND at > coalesce((SELECT max(at) FROM login_attempts WHERE success AND username = :u), '-infinity')),
               count(*) FILTER (WHERE ip = :ip)
        FROM login_attempts WHERE NOT success AND at > now() - CAST(:w AS interval)
    """), {"u": username[:200], "ip": ip, "w": f"{int(WINDOW.total_seconds())} seconds"}).one()
    return by_user >= MAX_FAILURES or by_ip >= MAX_FAILURES_PER_IP


def login(session: Session, username: str, password: str, ip: str) -> tuple[str, str, dict]:
    """Check credentials; returns (session token, csrf token, user). Commits the attempt either way."""
    username = (username or "")[:200]
    if _locked(session, username, ip):
        raise TooManyAttempts(f"too many failed sign-ins; wait {int(WINDOW.total_seconds() // 60)} minutes and try again",
                              retry_after=int(WINDOW.total_seconds()))
    user = session.execute(text("SELECT id, username, role, password_hash FROM users WHERE username = :u AND active"),
                           {"u": username}).mappings().one_or_none()
    ok = False
    try:
        ok = _hasher.verify(user["password_hash"] if user and user["password_hash"] else _DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        ok = False
    ok = ok and user is not None
    session.execute(text("INSERT INTO login_attempts (username, ip, success) VALUES (:u, :ip, :ok)"),
                    {"u": username, "ip": ip, "ok": ok})
    if not ok:
        session.commit()
        raise NotAuthenticated("wrong user name or password")
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.execute(text("""INSERT INTO user_sessions (token_hash, user_id, csrf_token, expires_at)
                            VALUES (:h, :uid, :csrf, :exp)"""),
                    {"h": _h(token), "uid": user["id"], "csrf": csrf,
                     "exp": datetime.now(timezone.utc) + timedelta(days=SESSION_DAYS)})
    session.commit()
    return token, csrf, {"id": user["id"], "username": user["username"], "role": user["role"]}


def logout(session: Session, token: str | None) -> None:
    if token:
        session.execute(text("DELETE FROM user_sessions WHERE token_hash = :h"), {"h": _h(token)})
        session.commit()


def current_user(session: Session, token: str | None) -> dict | None:
    if not token or len(token) > 200:
        return None
    row = session.execute(text("""
        SELECT u.id, u.username, u.role, s.csrf_token FROM user_sessions s JOIN users u ON u.id = s.user_id
        WHERE s.token_hash = :h AND s.expires_at > now() AND u.active"""), {"h": _h(token)}).mappings().one_or_none()
    return dict(row) if row else None


def require(user: dict | None, role: str = "editor") -> dict:
    if user is None:
        raise NotAuthenticated("sign in first (POST /login)")
    if role == "admin" and user["role"] != "admin":
        raise Forbidden("this needs an admin account")
    if user["role"] not in ("editor", "admin"):
        raise Forbidden("this needs an editor account")
    return user


def check_csrf(user: dict, sent: str | None) -> None:
    if not sent or not hmac.compare_digest(sent, user["csrf_token"]):
        raise Forbidden("missing or wrong CSRF token: send the csrf_token cookie's value in the X-CSRF-Token header")
