"""Accounts, sessions, CSRF and login throttling. Every write is authorised here, on the server.

Sessions live in the database (the cookie holds a random token; the table its SHA-256), so app processes
stay stateless. A new session id is issued at every login (no fixation) and logout deletes it. CSRF uses a
per-session token handed out as the readable cookie `csrf_token`; state-changing requests must send it back
in the `X-CSRF-Token` header (or the `csrf_token` form field).

The use cases the admin page and the CLI call (add_user, create_user, update_user, set_password,
disable_user, login, logout) commit their own unit of work; the statements are app/store/accounts.py.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from app.domain.errors import BadInput, Conflict, Forbidden, NotAuthenticated, NotFound, TooManyAttempts, require_storable
from app.platform.proxies import client_address, parse_proxies  # noqa: F401  (the routes' names for them)
from app.store import accounts as store
from app.store import wars as war_store

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
    return store.end_sessions(session, user_id)


def add_user(session: Session, username: str, password: str, role: str, war_slugs: list[str] | None = None) -> int:
    """Add a user, or (the CLI's `user add` on an existing name) set their password and role and enable them.
    An editor edits the wars `war_slugs` (added to those they had; None: the default war, if there is one).
    An existing user's sessions end: a new password or role takes effect at once. Commits."""
    _check_username(username)
    _check_password(password)
    _check_role(role)
    targets = []
    for slug in war_slugs or []:
        try:
            targets.append(war_store.by_slug(session, slug)["id"])
        except war_store.UnknownWar:
            known = ", ".join(w["slug"] for w in war_store.all_wars(session)) or "none yet"
            raise NotFound(f"there is no war {slug!r} (wars: {known})") from None
    if war_slugs is None and (d := war_store.default(session)) is not None:
        targets.append(d["id"])
    uid = store.upsert_user(session, username, _hasher.hash(password), role)
    for war_id in targets if role == "editor" else []:
        war_store.grant(session, uid, war_id)
    end_sessions(session, uid)
    session.commit()
    return uid


def _default_war(session: Session, uid: int, role: str) -> None:
    """An editor without any war edits the default war (an admin then gives others: /admin, `user add --war`)."""
    if role == "editor" and not war_store.editor_wars(session).get(uid) and (d := war_store.default(session)) is not None:
        war_store.grant(session, uid, d["id"])


def create_user(session: Session, username: str, password: str, role: str) -> int:
    """A new account (the admin page); an existing user name is refused, never overwritten. Commits."""
    _check_username(username)
    _check_password(password)
    _check_role(role)
    uid = store.create_user(session, username, _hasher.hash(password), role)
    if uid is None:
        raise Conflict(f"the user name {username!r} is taken; choose another or reset that account's password")
    _default_war(session, uid, role)
    session.commit()
    return uid


def _user_id(session: Session, username: str) -> int:
    uid = store.user_id(session, username)
    if uid is None:
        raise NotFound(f"no user named {username[:64]!r}")
    return uid


def set_password(session: Session, user_id: int, password: str) -> None:
    """A new password (an admin's reset); the user's sessions end. Commits."""
    _check_password(password)
    if not store.set_password_hash(session, user_id, _hasher.hash(password)):
        raise NotFound(f"user {user_id} does not exist")
    end_sessions(session, user_id)
    session.commit()


def _set_role(session: Session, user_id: int, role: str) -> None:
    _check_role(role)
    if store.set_role(session, user_id, role):
        end_sessions(session, user_id)


def _set_active(session: Session, user_id: int, active: bool) -> None:
    if not store.set_active(session, user_id, active):
        raise NotFound(f"user {user_id} does not exist")
    if not active:
        end_sessions(session, user_id)


def update_user(session: Session, user_id: int, *, role: str | None = None, active: bool | None = None,
                wars: list[str] | None = None) -> None:
    """Change an account's role, the wars an editor edits (`wars`: slugs, replacing the list) and/or disable or
    enable it, in one commit. Losing a role, a war or being disabled ends the user's sessions at once."""
    if role is not None:
        _set_role(session, user_id, role)
        _default_war(session, user_id, role)
    if active is not None:
        _set_active(session, user_id, active)
    if wars is not None:
        known = {w["slug"]: w["id"] for w in war_store.all_wars(session)}
        unknown = sorted(set(wars) - set(known))
        if unknown:
            raise BadInput(f"no war {unknown[0]!r} here; the wars are: {', '.join(known) or 'none yet'}")
        had = set(war_store.editor_wars(session).get(user_id, []))
        for slug in had - set(wars):
            war_store.revoke(session, user_id, known[slug])
        for slug in set(wars) - had:
            war_store.grant(session, user_id, known[slug])
        if had - set(wars):
            end_sessions(session, user_id)
    session.commit()


def disable_user(session: Session, username: str) -> None:
    """Disable an account by name (the CLI); its sessions end. Commits."""
    _set_active(session, _user_id(session, username), False)
    session.commit()


def generate_password() -> str:
    """A password to hand over once: 20 URL-safe characters (about 120 bits)."""
    return secrets.token_urlsafe(15)


def list_users(session: Session) -> list[dict]:
    rows = store.users(session)
    edits = war_store.editor_wars(session)
    return [{**dict(r), "wars": edits.get(r["id"], []), "created_at": r["created_at"].isoformat(),
             "last_sign_in": r["last_sign_in"].isoformat() if r["last_sign_in"] else None} for r in rows]


# One address may fail more often than one (user name, address) pair (several editors behind one NAT), but
# not without bound.
MAX_FAILURES_PER_IP = 20


def _locked(session: Session, username: str, ip: str) -> bool:
    # A success for the pair clears the pair's count (the real editor mistyping then getting it right).
    by_pair, by_ip = store.recent_failures(session, username[:200], ip[:64], int(WINDOW.total_seconds()))
    return by_pair >= MAX_FAILURES or by_ip >= MAX_FAILURES_PER_IP


def login(session: Session, username: str, password: str, ip: str) -> tuple[str, str, dict]:
    """Check credentials; returns (session token, csrf token, user). Commits the attempt either way."""
    username = (username or "")[:200]
    if _locked(session, username, ip):
        raise TooManyAttempts(f"too many failed sign-ins; wait {int(WINDOW.total_seconds() // 60)} minutes and try again",
                              retry_after=int(WINDOW.total_seconds()))
    user = store.active_user(session, username)
    ok = False
    try:
        ok = _hasher.verify(user["password_hash"] if user and user["password_hash"] else _DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        ok = False
    ok = ok and user is not None
    store.note_attempt(session, username, ip[:64], ok)
    if not ok:
        session.commit()
        raise NotAuthenticated("wrong user name or password")
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    store.start_session(session, _h(token), user["id"], csrf, datetime.now(timezone.utc) + timedelta(days=SESSION_DAYS))
    session.commit()
    return token, csrf, {"id": user["id"], "username": user["username"], "role": user["role"]}


def logout(session: Session, token: str | None) -> None:
    if token:
        store.end_session(session, _h(token))
        session.commit()


def current_user(session: Session, token: str | None) -> dict | None:
    if not token or len(token) > 200:
        return None
    row = store.session_user(session, _h(token))
    return dict(row) if row else None


def require(user: dict | None, role: str = "editor") -> dict:
    if user is None:
        raise NotAuthenticated("sign in first (POST /login)")
    if role == "admin" and user["role"] != "admin":
        raise Forbidden("this needs an admin account")
    if user["role"] not in ("editor", "admin"):
        raise Forbidden("this needs an editor account")
    return user


def require_war(session: Session, user: dict, war_id: int | None, war_slug: str | None) -> None:
    """Admins edit every war; an editor only the wars they were given (`frontline user add --war`, /admin)."""
    if user["role"] == "admin" or war_id is None:
        return
    if not war_store.may_edit(session, user["id"], war_id):
        raise Forbidden(f"your account does not edit the war {war_slug!r}; an admin can add it to your wars")


def check_csrf(user: dict, sent: str | None) -> None:
    if not sent or not hmac.compare_digest(sent, user["csrf_token"]):
        raise Forbidden("missing or wrong CSRF token: send the csrf_token cookie's value in the X-CSRF-Token header")
