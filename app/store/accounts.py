"""Statements on accounts: users, their sessions and sign-in attempts. Bound parameters always.

Passwords arrive here already hashed and session tokens as their SHA-256 (app/usecases/accounts.py decides
both); nothing here checks a password or a role.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

END_SESSIONS = text("DELETE FROM user_sessions WHERE user_id = :id")
UPSERT_USER = text("""
    INSERT INTO users (username, password_hash, role, active) VALUES (:u, :p, :r, true)
    ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role, active = true
    RETURNING id""")
CREATE_USER = text("""INSERT INTO users (username, password_hash, role, active) VALUES (:u, :p, :r, true)
                      ON CONFLICT (username) DO NOTHING RETURNING id""")
USER_ID = text("SELECT id FROM users WHERE username = :u")
SET_PASSWORD = text("UPDATE users SET password_hash = :p WHERE id = :id")
SET_ROLE = text("UPDATE users SET role = :r WHERE id = :id AND role <> :r")
SET_ACTIVE = text("UPDATE users SET active = :a WHERE id = :id")
USERS = text("""
    SELECT u.id, u.username, u.role, u.active, u.created_at,
           (SELECT count(*) FROM user_sessions s WHERE s.user_id = u.id AND s.expires_at > now()) AS sessions,
           (SELECT max(at) FROM login_attempts a WHERE a.username = u.username AND a.success) AS last_sign_in
    FROM users u ORDER BY u.username""")
# Failures in the window: per (user name, address) since that pair's last success, and per address.
RECENT_FAILURES = text("""
    SELECT count(*) FILTER (WHERE username = :u AND ip = :ip
                              AND at > coalesce((SELECT max(at) FROM login_attempts
                                                 WHERE success AND username = :u AND ip = :ip), '-infinity')),
           count(*) FILTER (WHERE ip = :ip)
    FROM login_attempts WHERE NOT success AND at > now() - CAST(:w AS interval)
""")
ACTIVE_USER = text("SELECT id, username, role, password_hash FROM users WHERE username = :u AND active")
NOTE_ATTEMPT = text("INSERT INTO login_attempts (username, ip, success) VALUES (:u, :ip, :ok)")
START_SESSION = text("""INSERT INTO user_sessions (token_hash, user_id, csrf_token, expires_at)
                        VALUES (:h, :uid, :csrf, :exp)""")
END_SESSION = text("DELETE FROM user_sessions WHERE token_hash = :h")
SESSION_USER = text("""
    SELECT u.id, u.username, u.role, s.csrf_token FROM user_sessions s JOIN users u ON u.id = s.user_id
    WHERE s.token_hash = :h AND s.expires_at > now() AND u.active""")


def end_sessions(session: Session, user_id: int) -> int:
    return session.execute(END_SESSIONS, {"id": user_id}).rowcount


def upsert_user(session: Session, username: str, password_hash: str, role: str) -> int:
    """Add the user, or set an existing one's password and role and enable them."""
    return session.execute(UPSERT_USER, {"u": username, "p": password_hash, "r": role}).scalar_one()


def create_user(session: Session, username: str, password_hash: str, role: str) -> int | None:
    """A new user's id; None when the name is taken (nothing is changed then)."""
    return session.execute(CREATE_USER, {"u": username, "p": password_hash, "r": role}).scalar_one_or_none()


def user_id(session: Session, username: str) -> int | None:
    return session.execute(USER_ID, {"u": username}).scalar_one_or_none()


def set_password_hash(session: Session, user_id: int, password_hash: str) -> int:
    """How many users were changed (0: no such user)."""
    return session.execute(SET_PASSWORD, {"p": password_hash, "id": user_id}).rowcount


def set_role(session: Session, user_id: int, role: str) -> int:
    """How many users were changed (0: no such user, or the role was already that)."""
    return session.execute(SET_ROLE, {"r": role, "id": user_id}).rowcount


def set_active(session: Session, user_id: int, active: bool) -> int:
    return session.execute(SET_ACTIVE, {"a": active, "id": user_id}).rowcount


def users(session: Session) -> list[RowMapping]:
    """Every account with its live session count and last successful sign-in."""
    return list(session.execute(USERS).mappings())


def recent_failures(session: Session, username: str, ip: str, window_seconds: int) -> tuple[int, int]:
    """Failed sign-ins within the window: (for this user name and address, for this address)."""
    by_pair, by_ip = session.execute(RECENT_FAILURES, {"u": username, "ip": ip, "w": f"{window_seconds} seconds"}).one()
    return by_pair, by_ip


def active_user(session: Session, username: str) -> RowMapping | None:
    """An enabled user's id, username, role and password hash."""
    return session.execute(ACTIVE_USER, {"u": username}).mappings().one_or_none()


def note_attempt(session: Session, username: str, ip: str, ok: bool) -> None:
    session.execute(NOTE_ATTEMPT, {"u": username, "ip": ip, "ok": ok})


def start_session(session: Session, token_hash: str, user_id: int, csrf: str, expires_at: datetime) -> None:
    session.execute(START_SESSION, {"h": token_hash, "uid": user_id, "csrf": csrf, "exp": expires_at})


def end_session(session: Session, token_hash: str) -> None:
    session.execute(END_SESSION, {"h": token_hash})


def session_user(session: Session, token_hash: str) -> RowMapping | None:
    """The enabled user of a live session, with the session's CSRF token."""
    return session.execute(SESSION_USER, {"h": token_hash}).mappings().one_or_none()
