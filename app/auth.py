"""Accounts, sessions, CSRF and login throttling. Every write is authorised here, on the server.

Sessions live in the database (the cookie holds a random token; the table its SHA-256), so app processes
stay stateless. A new session id is issued at every login (no fixation) and logout deletes it. CSRF uses a
per-session token handed out as the readable cookie `csrf_token`; state-changing requests must send it back
in the `X-CSRF-Token` header (or the `csrf_token` form field).
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.errors import BadInput, Conflict, Forbidden, NotAuthenticated, NotFound, TooManyAttempts, require_storable

SESSION_COOKIE = "frontline_session"
CSRF_COOKIE = "csrf_token"
SESSION_DAYS = 7
# Failed sign-ins in the window before sign-in is refused: per (user name, address) and per address, never per
# user name alone (a stranger's failures must not lock the real editor out of their own address).
MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a real password")


def _h(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_username(username: str) -> None:
    require_storable(username, "username")
    if not username or len(username) > 64 or not username.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise BadInput("user names are 1-64 letters, digits, '.', '-' or '_'")


def _check_password(password: str) -> None:
    require_storable(password, "password")  # the position only, never the password
    if len(password) < 8:
        raise BadInput("passwords need at least 8 characters")
    if len(password) > 1000:
        raise BadInput("passwords have at most 1000 characters")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise BadInput("role must be editor or admin")


ROLES = ("editor", "admin")


def end_sessions(session: Session, user_id: int) -> int:
    """Sign the user out everywhere, at once (password changed or reset, account disabled, role changed)."""
    return session.execute(text("DELETE FROM user_sessions WHERE user_id = :id"), {"id": user_id}).rowcount


def add_user(session: Session, username: str, password: str, role: str) -> int:
    """Add a user, or (the CLI's `user add` on an existing name) set their password and role and enable them.
    An existing user's sessions end: a new password or role takes effect at once."""
    _check_username(username)
    _check_password(password)
    _check_role(role)
    uid = session.execute(text("""
        INSERT INTO users (username, password_hash, role, active) VALUES (:u, :p, :r, true)
        ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role, active = true
        RETURNING id"""), {"u": username, "p": _hasher.hash(password), "r": role}).scalar_one()
    end_sessions(session, uid)
    return uid


def create_user(session: Session, username: str, password: str, role: str) -> int:
    """A new account (the admin page); an existing user name is refused, never overwritten."""
    _check_username(username)
    _check_password(password)
    _check_role(role)
    uid = session.execute(text("""INSERT INTO users (username, password_hash, role, active) VALUES (:u, :p, :r, true)
                                   ON CONFLICT (username) DO NOTHING RETURNING id"""),
                          {"u": username, "p": _hasher.hash(password), "r": role}).scalar_one_or_none()
    if uid is None:
        raise Conflict(f"the user name {username!r} is taken; choose another or reset that account's password")
    return uid


def _user_id(session: Session, username: str) -> int:
    uid = session.execute(text("SELECT id FROM users WHERE username = :u"), {"u": username}).scalar_one_or_none()
    if uid is None:
        raise NotFound(f"no user named {username[:64]!r}")
    return uid


def set_password(session: Session, user_id: int, password: str) -> None:
    _check_password(password)
    n = session.execute(text("UPDATE users SET password_hash = :p WHERE id = :id"),
                        {"p": _hasher.hash(password), "id": user_id}).rowcount
    if not n:
        raise NotFound(f"user {user_id} does not exist")
    end_sessions(session, user_id)


def set_role(session: Session, user_id: int, role: str) -> None:
    _check_role(role)
    n = session.execute(text("UPDATE users SET role = :r WHERE id = :id AND role <> :r"), {"r": role, "id": user_id}).rowcount
    if n:
        end_sessions(session, user_id)


def set_active(session: Session, user_id: int, active: bool) -> None:
    n = session.execute(text("UPDATE users SET active = :a WHERE id = :id"), {"a": active, "id": user_id}).rowcount
    if not n:
        raise NotFound(f"user {user_id} does not exist")
    if not active:
        end_sessions(session, user_id)


def disable_user(session: Session, username: str) -> None:
    set_active(session, _user_id(session, username), False)


def generate_password() -> str:
    """A password to hand over once: 20 URL-safe characters (about 120 bits)."""
    return secrets.token_urlsafe(15)


def list_users(session: Session) -> list[dict]:
    rows = session.execute(text("""
        SELECT u.id, u.username, u.role, u.active, u.created_at,
               (SELECT count(*) FROM user_sessions s WHERE s.user_id = u.id AND s.expires_at > now()) AS sessions,
               (SELECT max(at) FROM login_attempts a WHERE a.username = u.username AND a.success) AS last_sign_in
        FROM users u ORDER BY u.username""")).mappings().all()
    return [{**dict(r), "created_at": r["created_at"].isoformat(),
             "last_sign_in": r["last_sign_in"].isoformat() if r["last_sign_in"] else None} for r in rows]


# One address may fail more often than one (user name, address) pair (several editors behind one NAT), but
# not without bound.
MAX_FAILURES_PER_IP = 20


def _locked(session: Session, username: str, ip: str) -> bool:
    # A success for the pair clears the pair's count (the real editor mistyping then getting it right).
    by_pair, by_ip = session.execute(text("""
        SELECT count(*) FILTER (WHERE username = :u AND ip = :ip
                                  AND at > coalesce((SELECT max(at) FROM login_attempts
                                                     WHERE success AND username = :u AND ip = :ip), '-infinity')),
               count(*) FILTER (WHERE ip = :ip)
        FROM login_attempts WHERE NOT success AND at > now() - CAST(:w AS interval)
    """), {"u": username[:200], "ip": ip[:64], "w": f"{int(WINDOW.total_seconds())} seconds"}).one()
    return by_pair >= MAX_FAILURES or by_ip >= MAX_FAILURES_PER_IP


def parse_proxies(value: str) -> list:
    """FRONTLINE_TRUSTED_PROXIES: comma-separated addresses or networks ("127.0.0.1, 10.0.0.0/8")."""
    out = []
    for part in (value or "").replace(";", ",").split(","):
        part = part.strip()
        if part:
            out.append(ipaddress.ip_network(part, strict=False))
    return out


def _in(addr: str, nets: list) -> bool:
    try:
        a = ipaddress.ip_address(addr)
    except ValueError:
        return False
    return any(a in n for n in nets)


def _forwarded_for(headers) -> list[str]:
    """Addresses a proxy chain reports, leftmost (the original client) first: RFC 7239 Forwarded, else X-Forwarded-For."""
    fwd = headers.get("forwarded")
    if fwd:
        out = []
        for element in fwd.split(","):
            for pair in element.split(";"):
                k, _, v = pair.strip().partition("=")
                if k.strip().lower() == "for":
                    v = v.strip().strip('"')
                    if v.startswith("["):  # [2001:db8::1]:port
                        v = v[1:v.find("]")]
                    elif v.count(":") == 1:  # 192.0.2.1:port
                        v = v.split(":")[0]
                    out.append(v)
        return out
    xff = headers.get("x-forwarded-for")
    return [p.strip() for p in xff.split(",") if p.strip()] if xff else []


def client_address(peer: str | None, headers, trusted: list) -> str:
    """The address sign-in throttling counts. Forwarding headers are believed only when the peer is a trusted
    proxy (anyone else could write any address there and dodge the limit); walking the chain from the right,
    the first address that is not a trusted proxy is the client."""
    peer = peer or "?"
    if not trusted or not _in(peer, trusted):
        return peer
    chain = _forwarded_for(headers)
    for addr in reversed(chain):
        if not _in(addr, trusted):
            try:
                return str(ipaddress.ip_address(addr))
            except ValueError:
                return peer  # a garbled header: count the proxy itself rather than a made-up name
    return chain[0] if chain else peer


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
                    {"u": username, "ip": ip[:64], "ok": ok})
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
