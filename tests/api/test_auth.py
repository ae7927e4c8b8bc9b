"""Sign-in, sessions and accounts over real HTTP: cookies, fixation, logout, throttling, hashes, the CLI."""
from __future__ import annotations

import os
import subprocess
import sys
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psycopg

from app import PROJECT_ROOT
from tests.conftest import ADMIN, EDITOR, login


def pg_url(server) -> str:
    return server.settings.database_url.replace("postgresql+psycopg://", "postgresql://")


def set_cookies(response) -> dict[str, SimpleCookie]:
    out = {}
    for raw in response.headers.get_list("set-cookie"):
        c = SimpleCookie()
        c.load(raw)
        for name, morsel in c.items():
            out[name] = morsel
    return out


def test_login_sets_httponly_samesite_session_cookie(mini_server):
    with mini_server.client() as c:
        r = c.post("/login", data={"username": EDITOR[0], "password": EDITOR[1]})
        assert r.status_code == 200 and r.json() == {"user": EDITOR[0], "role": "editor"}
        cookies = set_cookies(r)
        session = cookies["frontline_session"]
        assert session["httponly"] is True
        assert session["samesite"].lower() in ("strict", "lax")
        assert session["path"] == "/"
        assert len(session.value) >= 32
        csrf = cookies["csrf_token"]
        assert not csrf["httponly"]  # the editor's script reads it and sends it back in X-CSRF-Token
        assert csrf["samesite"].lower() in ("strict", "lax")
        assert c.get("/api/me").json() == {"user": EDITOR[0], "role": "editor"}


def test_html_form_login_redirects(mini_server):
    with mini_server.client() as c:
        html = {"Accept": "text/html"}
        r = c.post("/login", data={"username": EDITOR[0], "password": "wrong-password", "next": "/editor"}, headers=html)
        assert r.status_code == 303
        loc = urlsplit(r.headers["location"])
        assert loc.path == "/login"
        assert parse_qs(loc.query) == {"error": ["credentials"], "next": ["/editor"]}
        assert "frontline_session" not in c.cookies
        page = c.get(r.headers["location"])
        assert page.status_code == 200 and "Wrong user name or password" in page.text
        # A crafted error cannot put its own words on the page.
        page = c.get("/login", params={"error": "Call +1 555 to unlock your account"})
        assert "Call +1 555" not in page.text
        # An address on another site is never a redirect target.
        for evil in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
            r = c.post("/login", data={"username": EDITOR[0], "password": EDITOR[1], "next": evil}, headers=html)
            assert r.status_code == 303 and r.headers["location"] == "/editor", evil
        r = c.post("/login", data={"username": EDITOR[0], "password": EDITOR[1], "next": "/editor?x=1"}, headers=html)
        assert r.status_code == 303 and r.headers["location"] == "/editor?x=1"
        assert c.get("/editor").status_code == 200


def test_editor_page_redirects_to_login_when_signed_out(mini_server):
    with mini_server.client() as c:
        r = c.get("/editor")
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
        r = c.get("/login")
        assert r.status_code == 200
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        assert 'name="password"' in r.text


def test_login_from_another_site_is_refused(mini_server):
    with mini_server.client() as c:
        r = c.post("/login", data={"username": EDITOR[0], "password": EDITOR[1]}, headers={"Origin": "https://evil.example"})
        assert r.status_code == 403
        assert "frontline_session" not in c.cookies


def test_new_session_id_on_each_login_no_fixation(mini_server):
    planted = "attacker-chosen-session-id-0123456789abcdef"
    with mini_server.client() as c:
        c.cookies.set("frontline_session", planted, domain="127.0.0.1", path="/")
        r = c.post("/login", data={"username": EDITOR[0], "password": EDITOR[1]})
        first = set_cookies(r)["frontline_session"].value
        assert first != planted
        r = c.post("/login", data={"username": EDITOR[0], "password": EDITOR[1]})
        second = set_cookies(r)["frontline_session"].value
        assert second != first
    # The planted id never became a session, and the first one was dropped when the second was issued.
    for token, expected in ((planted, None), (first, None), (second, EDITOR[0])):
        with mini_server.client(cookies={"frontline_session": token}) as c:
            assert c.get("/api/me").json().get("user") == expected, token


def test_logout_invalidates_the_session_on_the_server(mini_server):
    with mini_server.client() as c:
        csrf = login(c)
        token = c.cookies["frontline_session"]
        assert c.post("/logout").status_code == 403  # a CSRF-protected write too: no forced sign-out
        r = c.post("/logout", headers={"X-CSRF-Token": csrf})
        assert r.status_code == 200
    # The old cookie, replayed, no longer works: the session is gone from the database.
    with mini_server.client(cookies={"frontline_session": token, "csrf_token": csrf}) as c:
        assert c.get("/api/me").json() == {"user": None}
        r = c.post("/api/reports", json={"title": "t", "publisher": "p", "published_at": "2024-01-02T09:00:00+03:00"},
                   headers={"X-CSRF-Token": csrf})
        assert r.status_code == 401
        assert c.get("/editor").status_code == 303


def test_repeated_failed_logins_are_throttled(mini_server):
    with mini_server.client() as c:
        for _ in range(5):
            r = c.post("/login", data={"username": ADMIN[0], "password": "guess"})
            assert r.status_code == 401
            assert r.json()["message"]
        # The sixth try is refused even with the right password, with a message and Retry-After.
        r = c.post("/login", data={"username": ADMIN[0], "password": ADMIN[1]})
        assert r.status_code == 429
        assert "too many" in r.json()["message"].lower()
        assert int(r.headers["retry-after"]) > 0
        r = c.post("/login", data={"username": ADMIN[0], "password": ADMIN[1]}, headers={"Accept": "text/html"})
        assert r.status_code == 303
        assert parse_qs(urlsplit(r.headers["location"]).query)["error"] == ["throttled"]
        assert "Too many failed sign-ins" in c.get(r.headers["location"]).text
        assert "frontline_session" not in c.cookies


def test_password_hashes_are_argon2(mini_server):
    with psycopg.connect(pg_url(mini_server)) as conn:
        rows = conn.execute("SELECT username, password_hash FROM users").fetchall()
    assert rows
    for name, h in rows:
        assert h.startswith("$argon2id$"), name
        assert EDITOR[1] not in h and ADMIN[1] not in h


def test_cli_user_add_reads_the_password_from_stdin(mini_server):
    exe = Path(sys.executable).with_name("frontline")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "app.cli"]
    env = {**os.environ, "DATABASE_URL": mini_server.settings.database_url}
    r = subprocess.run([*cmd, "user", "add", "newbie", "--role", "editor"], input="newbie-password-1\n",
                       capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    with psycopg.connect(pg_url(mini_server)) as conn:
        role, h = conn.execute("SELECT role, password_hash FROM users WHERE username = 'newbie'").fetchone()
    assert role == "editor" and h.startswith("$argon2")
    with mini_server.client() as c:
        r = c.post("/login", data={"username": "newbie", "password": "newbie-password-1"})
        assert r.status_code == 200 and r.json()["role"] == "editor"
    # Too short a password is refused with a message, and nothing is stored.
    r = subprocess.run([*cmd, "user", "add", "shorty", "--role", "editor"], input="short\n",
                       capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, timeout=120)
    assert r.returncode != 0
    assert "8 characters" in (r.stderr + r.stdout)
