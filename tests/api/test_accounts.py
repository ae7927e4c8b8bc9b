"""Accounts over real HTTP: the admin API (add, role, disable, reset) and its effect on sessions, sign-in
throttling that a stranger cannot turn into a lock-out (clients bound to 127.0.0.2 / 127.0.0.3), trusted
proxies, and `frontline user disable`."""
from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
import pytest

from app import PROJECT_ROOT
from app.usecases import accounts as auth
from tests.conftest import ADMIN, EDITOR, login


def pg_url(server) -> str:
    return server.settings.database_url.replace("postgresql+psycopg://", "postgresql://")


def client_from(server, address: str) -> httpx.Client:
    """A client whose connections leave from `address` (any 127.x address reaches the server on loopback)."""
    return httpx.Client(base_url=server.url, timeout=60, transport=httpx.HTTPTransport(local_address=address))


@contextmanager
def signed_in(server, user=ADMIN):
    with server.client() as c:
        c.headers["X-CSRF-Token"] = login(c, user)
        yield c


def user_id(server, name: str) -> int:
    with psycopg.connect(pg_url(server)) as conn:
        return conn.execute("SELECT id FROM users WHERE username = %s", (name,)).fetchone()[0]


# --- throttling ------------------------------------------------------------------------------------------

def test_a_strangers_failures_do_not_lock_the_editor_out_of_their_own_address(mini_server):
    with client_from(mini_server, "127.0.0.2") as attacker, client_from(mini_server, "127.0.0.3") as editor:
        for _ in range(10):
            r = attacker.post("/login", data={"username": EDITOR[0], "password": "guess"})
            assert r.status_code in (401, 429)
        # The attacking address is throttled, even with the right password...
        r = attacker.post("/login", data={"username": EDITOR[0], "password": EDITOR[1]})
        assert r.status_code == 429, r.text
        assert "too many" in r.json()["message"].lower()
        # ...while the real editor signs in from their own address.
        r = editor.post("/login", data={"username": EDITOR[0], "password": EDITOR[1]})
        assert r.status_code == 200, r.text
        assert r.json()["user"] == EDITOR[0]
    with psycopg.connect(pg_url(mini_server)) as conn:
        ips = {ip for (ip,) in conn.execute("SELECT DISTINCT ip FROM login_attempts")}
    assert ips == {"127.0.0.2", "127.0.0.3"}


def test_one_address_is_throttled_across_user_names(mini_server):
    with client_from(mini_server, "127.0.0.4") as c:
        for i in range(auth.MAX_FAILURES_PER_IP):
            assert c.post("/login", data={"username": f"nobody{i}", "password": "guess"}).status_code == 401
        assert c.post("/login", data={"username": ADMIN[0], "password": ADMIN[1]}).status_code == 429
    with client_from(mini_server, "127.0.0.5") as c:
        assert c.post("/login", data={"username": ADMIN[0], "password": ADMIN[1]}).status_code == 200


def test_forwarded_addresses_count_only_behind_a_trusted_proxy(mini_server):
    # Untrusted peer: X-Forwarded-For is ignored, so rotating it does not dodge the limit.
    with client_from(mini_server, "127.0.0.6") as c:
        for i in range(auth.MAX_FAILURES):
            c.post("/login", data={"username": EDITOR[0], "password": "guess"}, headers={"X-Forwarded-For": f"10.0.0.{i}"})
        r = c.post("/login", data={"username": EDITOR[0], "password": EDITOR[1]}, headers={"X-Forwarded-For": "10.0.0.99"})
        assert r.status_code == 429


@pytest.mark.parametrize("headers, expected", [
    ({"x-forwarded-for": "203.0.113.7"}, "203.0.113.7"),
    ({"x-forwarded-for": "198.51.100.1, 203.0.113.7"}, "203.0.113.7"),      # the rightmost untrusted hop
    ({"x-forwarded-for": "203.0.113.7, 10.0.0.2"}, "203.0.113.7"),          # through a second trusted proxy
    ({"forwarded": 'for="[2001:db8::1]:4711";proto=https'}, "2001:db8::1"),
    ({"forwarded": "for=192.0.2.60:80, for=10.0.0.3"}, "192.0.2.60"),
    ({}, "10.0.0.1"),
    ({"x-forwarded-for": "not-an-address"}, "10.0.0.1"),
])
def test_client_address_behind_a_trusted_proxy(headers, expected):
    trusted = auth.parse_proxies("10.0.0.0/8")
    assert auth.client_address("10.0.0.1", headers, trusted) == expected


def test_client_address_ignores_headers_from_untrusted_peers():
    assert auth.client_address("198.51.100.9", {"x-forwarded-for": "203.0.113.7"}, auth.parse_proxies("10.0.0.0/8")) == "198.51.100.9"
    assert auth.client_address("10.0.0.1", {"x-forwarded-for": "203.0.113.7"}, []) == "10.0.0.1"


def test_trusted_proxies_setting_is_checked():
    from pydantic import ValidationError

    from app.platform.config import Settings

    assert Settings(secret_key="x" * 32, trusted_proxies="127.0.0.1, 10.0.0.0/8").trusted_proxies
    with pytest.raises(ValidationError, match="TRUSTED_PROXIES"):
        Settings(secret_key="x" * 32, trusted_proxies="127.0.0.1, nonsense")


# --- the admin API ---------------------------------------------------------------------------------------

def test_editors_and_strangers_cannot_manage_accounts(mini_server):
    with mini_server.client() as anon:
        assert anon.get("/api/admin/users").status_code == 401
        assert anon.get("/admin").status_code == 303
    with signed_in(mini_server, EDITOR) as ed:
        assert ed.get("/api/admin/users").status_code == 403
        r = ed.post("/api/admin/users", json={"username": "intruder", "role": "admin"})
        assert r.status_code == 403
        page = ed.get("/admin")
        assert page.status_code == 403 and "Only admins" in page.text
    with psycopg.connect(pg_url(mini_server)) as conn:
        assert conn.execute("SELECT count(*) FROM users WHERE username = 'intruder'").fetchone()[0] == 0


def test_admin_adds_an_account_with_a_generated_password_shown_once(mini_server):
    with signed_in(mini_server) as adm:
        r = adm.post("/api/admin/users", json={"username": "nadia", "role": "editor"})
        assert r.status_code == 201, r.text
        password = r.json()["password"]
        assert len(password) >= 16
        assert r.headers["cache-control"] == "no-store"
        listed = {u["username"]: u for u in adm.get("/api/admin/users").json()}
        assert listed["nadia"]["role"] == "editor" and listed["nadia"]["active"]
        assert "password" not in listed["nadia"] and "password_hash" not in listed["nadia"]
        # A taken name is refused, never overwritten.
        assert adm.post("/api/admin/users", json={"username": "nadia", "password": "another-password"}).status_code == 409
        assert adm.post("/api/admin/users", json={"username": "bad name!"}).status_code == 422
        assert adm.post("/api/admin/users", json={"username": "shorty", "password": "short"}).status_code == 422
        # Without the CSRF token nothing happens.
        r = adm.post("/api/admin/users", json={"username": "nocsrf"}, headers={"X-CSRF-Token": ""})
        assert r.status_code == 403
    with mini_server.client() as c:
        assert c.post("/login", data={"username": "nadia", "password": password}).json()["role"] == "editor"


def test_disabling_ends_the_users_sessions_at_once(mini_server):
    with signed_in(mini_server, EDITOR) as ed, signed_in(mini_server) as adm:
        assert ed.get("/api/me").json()["user"] == EDITOR[0]
        uid = user_id(mini_server, EDITOR[0])
        r = adm.patch(f"/api/admin/users/{uid}", json={"active": False})
        assert r.status_code == 200 and r.json()["active"] is False
        assert ed.get("/api/me").json() == {"user": None}
        with psycopg.connect(pg_url(mini_server)) as conn:
            assert conn.execute("SELECT count(*) FROM user_sessions WHERE user_id = %s", (uid,)).fetchone()[0] == 0
        assert mini_server.client().post("/login", data={"username": EDITOR[0], "password": EDITOR[1]}).status_code == 401
        # Enabled again, the old password works again.
        assert adm.patch(f"/api/admin/users/{uid}", json={"active": True}).status_code == 200
        assert mini_server.client().post("/login", data={"username": EDITOR[0], "password": EDITOR[1]}).status_code == 200


def test_changing_the_role_ends_the_users_sessions(mini_server):
    with signed_in(mini_server, EDITOR) as ed, signed_in(mini_server) as adm:
        uid = user_id(mini_server, EDITOR[0])
        assert adm.patch(f"/api/admin/users/{uid}", json={"role": "admin"}).json()["role"] == "admin"
        assert ed.get("/api/me").json() == {"user": None}
        # An admin cannot lock themselves out.
        me = user_id(mini_server, ADMIN[0])
        assert adm.patch(f"/api/admin/users/{me}", json={"active": False}).status_code == 422
        assert adm.patch(f"/api/admin/users/{me}", json={"role": "editor"}).status_code == 422
        assert adm.get("/api/me").json()["role"] == "admin"


def test_resetting_a_password_ends_sessions_and_the_old_password(mini_server):
    with signed_in(mini_server, EDITOR) as ed, signed_in(mini_server) as adm:
        uid = user_id(mini_server, EDITOR[0])
        r = adm.post(f"/api/admin/users/{uid}/password", json={})
        assert r.status_code == 200
        generated = r.json()["password"]
        assert ed.get("/api/me").json() == {"user": None}
        with mini_server.client() as c:
            assert c.post("/login", data={"username": EDITOR[0], "password": EDITOR[1]}).status_code == 401
            assert c.post("/login", data={"username": EDITOR[0], "password": generated}).status_code == 200
        # Set by the admin: not echoed back.
        r = adm.post(f"/api/admin/users/{uid}/password", json={"password": "chosen-by-admin-1"})
        assert r.status_code == 200 and "password" not in r.json()
        assert adm.post(f"/api/admin/users/{uid}/password", json={"password": "short"}).status_code == 422
        assert adm.post("/api/admin/users/999999/password", json={}).status_code == 404
    with mini_server.client() as c:
        assert c.post("/login", data={"username": EDITOR[0], "password": "chosen-by-admin-1"}).status_code == 200


def test_cli_user_disable_ends_sessions(mini_server):
    exe = Path(sys.executable).with_name("frontline")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "app.cli"]
    env = {**os.environ, "DATABASE_URL": mini_server.settings.database_url}
    with signed_in(mini_server, EDITOR) as ed:
        r = subprocess.run([*cmd, "user", "disable", EDITOR[0]], capture_output=True, text=True, env=env,
                           cwd=PROJECT_ROOT, timeout=120)
        assert r.returncode == 0, r.stderr
        assert ed.get("/api/me").json() == {"user": None}
    r = subprocess.run([*cmd, "user", "disable", "no-such-user"], capture_output=True, text=True, env=env,
                       cwd=PROJECT_ROOT, timeout=120)
    assert r.returncode == 1 and "no-such-user" in r.stderr
