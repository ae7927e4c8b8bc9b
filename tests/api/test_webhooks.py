"""Webhooks over real HTTP: a receiver on a loopback port gets a correctly signed POST soon after a save,
is retried after failing and served once it recovers; a save succeeds while it is down; private and
non-http(s) URLs are refused; endpoints only hear about the changes they follow."""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg
import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from app import cli

from app.usecases import webhooks
from app.platform.pgcluster import free_port
from tests.api.test_editor_api import change, pg_url, rect, revision

SECRET = "a-webhook-secret-of-some-length"


class Receiver:
    """A webhook receiver on 127.0.0.1: records each POST; answers `fail` times with 500 first."""

    def __init__(self, port: int | None = None, fail: int = 0):
        self.requests: list[dict] = []
        self.fail = fail
        self.got = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                status = 500 if len(outer.requests) <= outer.fail else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                if status == 200:
                    outer.got.set()

            def log_message(self, *a):
                pass

        self.port = port or free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.port}/hook?x=1"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(**kw):
        r = Receiver(**kw)
        made.append(r)
        return r
    yield make
    for r in made:
        r.close()


def add(server, url, **kw) -> int:
    engine = create_engine(server.settings.database_url)
    try:
        with Session(engine) as s:
            eid = webhooks.add_endpoint(s, url, SECRET, allow_private=True, **kw)
            s.commit()
            return eid
    finally:
        engine.dispose()


def deliveries(server) -> list[dict]:
    with psycopg.connect(pg_url(server)) as c:
        c.row_factory = psycopg.rows.dict_row
        return c.execute("SELECT * FROM webhook_deliveries ORDER BY id").fetchall()


def wait_for(pred, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    return pred()


@pytest.fixture
def fast_retries(mini_server):
    worker = mini_server.app.state.webhooks
    old = worker.base_delay
    worker.base_delay = 0.3
    yield worker
    worker.base_delay = old


def test_receiver_gets_a_signed_post_within_5_seconds_of_a_save(mini_server, editor_client, receiver):
    rx = receiver()
    add(mini_server, rx.url)
    with mini_server.client() as c:
        r = editor_client.post("/api/changes", json=change(revision(c), summary_en="Green enters the plain", note="private"))
    assert r.status_code in (200, 201), r.text
    saved_at = time.monotonic()
    assert rx.got.wait(5), "no webhook within 5 s of the save"
    assert time.monotonic() - saved_at < 5
    req = rx.requests[0]
    assert req["path"] == "/hook?x=1"
    expected = "sha256=" + hmac.new(SECRET.encode(), req["body"], hashlib.sha256).hexdigest()
    assert hmac.compare_digest(req["headers"]["X-Frontline-Signature"], expected)
    assert req["headers"]["Content-Type"] == "application/json"
    doc = json.loads(req["body"])
    assert doc["revision"]["id"] == r.json()["revision"] and doc["revision"]["kind"] == "change"
    assert [c["_frontline"]["change_id"] for c in doc["changes"]] == [r.json()["change_id"]]
    assert doc["changes"][0]["_frontline"]["summary_en"] == "Green enters the plain"
    assert doc["link"].startswith("http") and "/?t=" in doc["link"]
    assert b"private" not in req["body"] and b"editor1" not in req["body"]
    d = wait_for(lambda: [x for x in deliveries(mini_server) if x["status"] == "delivered"], 5)
    assert d and d[0]["attempts"] == 1 and d[0]["last_status"] == 200


def test_failed_delivery_is_retried_until_the_receiver_recovers(mini_server, editor_client, receiver, fast_retries):
    rx = receiver(fail=2)
    add(mini_server, rx.url)
    with mini_server.client() as c:
        r = editor_client.post("/api/changes", json=change(revision(c)))
    assert r.status_code in (200, 201), r.text
    assert rx.got.wait(20), f"never delivered; log: {deliveries(mini_server)}"
    assert len(rx.requests) == 3
    # Every attempt sends the same bytes with the same signature.
    assert len({x["body"] for x in rx.requests}) == 1
    assert len({x["headers"]["X-Frontline-Signature"] for x in rx.requests}) == 1
    # ... and the same delivery id, by which a receiver drops a delivery it has already handled.
    assert len({x["headers"]["X-Frontline-Delivery"] for x in rx.requests}) == 1
    d = wait_for(lambda: [x for x in deliveries(mini_server) if x["status"] == "delivered"], 5)
    assert d[0]["attempts"] == 3 and d[0]["last_error"] is None


def test_a_save_succeeds_with_the_receiver_down_and_is_delivered_later(mini_server, editor_client, receiver, fast_retries):
    port = free_port()
    add(mini_server, f"http://127.0.0.1:{port}/down")
    with mini_server.client() as c:
        r = editor_client.post("/api/changes", json=change(revision(c)))
        assert r.status_code in (200, 201), r.text
        assert revision(c) == r.json()["revision"]
    failed = wait_for(lambda: [x for x in deliveries(mini_server) if x["attempts"] >= 1], 10)
    assert failed and failed[0]["status"] == "pending" and "Connection refused" in failed[0]["last_error"]
    rx = receiver(port=port)
    assert rx.got.wait(20), f"not delivered after the receiver came back; log: {deliveries(mini_server)}"
    d = wait_for(lambda: [x for x in deliveries(mini_server) if x["status"] == "delivered"], 5)
    assert d and d[0]["attempts"] >= 2


def test_endpoints_hear_only_what_they_follow(mini_server, editor_client, receiver):
    reds, green_near_midville, westtown = receiver(), receiver(), receiver()
    add(mini_server, reds.url, factions=["red"])
    add(mini_server, green_near_midville.url, factions=["green"], place="midville", km=10)
    add(mini_server, westtown.url, place="westtown")
    with mini_server.client() as c:
        # A green change 5-10 km from Midville, far from Westtown.
        r = editor_client.post("/api/changes", json=change(revision(c), geometry=rect(36.95, 36.0, 37.0, 36.05)))
    assert r.status_code in (200, 201), r.text
    assert green_near_midville.got.wait(5)
    rows = deliveries(mini_server)
    assert len(rows) == 1  # queued in the save's transaction: nothing more will come for this revision
    assert not reds.requests and not westtown.requests


def test_a_revert_is_announced_with_the_retracted_change(mini_server, editor_client, receiver):
    rx = receiver()
    with mini_server.client() as c:
        r = editor_client.post("/api/changes", json=change(revision(c)))
    rev, cid = r.json()["revision"], r.json()["change_id"]
    add(mini_server, rx.url)
    r = editor_client.post(f"/api/revisions/{rev}/revert", json={"base_revision": rev})
    assert r.status_code in (200, 201), r.text
    assert rx.got.wait(5)
    doc = json.loads(rx.requests[0]["body"])
    assert doc["revision"]["kind"] == "revert" and doc["revision"]["reverts"] == rev
    assert doc["changes"][0]["_frontline"]["change_id"] == cid
    assert doc["changes"][0]["_frontline"]["retracted_in"] == r.json()["revision"]


@pytest.mark.parametrize("url, words", [
    ("http://127.0.0.1:9/hook", "private, loopback or reserved"),
    ("http://10.1.2.3/hook", "private, loopback or reserved"),
    ("http://192.168.0.10/hook", "private, loopback or reserved"),
    ("http://169.254.169.254/latest/meta-data", "private, loopback or reserved"),
    ("http://[::1]:8080/hook", "private, loopback or reserved"),
    ("http://localhost/hook", "private, loopback or reserved"),
    ("http://[::ffff:127.0.0.1]/hook", "private, loopback or reserved"),
    ("http://2130706433/hook", "private, loopback or reserved"),  # 127.0.0.1 written as one number
    ("http://0.0.0.0/hook", "private, loopback or reserved"),
    ("ftp://example.org/hook", "only http:// and https://"),
    ("file:///etc/passwd", "only http:// and https://"),
    ("http://user:pw@example.org/hook", "no user name or password"),
])
def test_private_and_non_http_urls_are_refused(mini_db, url, words):
    with pytest.raises(webhooks.Refused) as e:
        webhooks.add_endpoint(mini_db, url, SECRET)
    assert words in e.value.message
    # At sending time too (an address may change after it was added).
    status, error = webhooks.post(url, b"{}", {}, allow_private=False)
    assert status is None and words in error


def test_endpoint_validation(mini_db):
    with pytest.raises(webhooks.BadInput, match="16 to 200"):
        webhooks.add_endpoint(mini_db, "http://127.0.0.1/x", "short", allow_private=True)
    with pytest.raises(webhooks.BadInput, match="unknown faction"):
        webhooks.add_endpoint(mini_db, "http://127.0.0.1/x", SECRET, factions=["purple"], allow_private=True)
    with pytest.raises(webhooks.BadInput, match="unknown place"):
        webhooks.add_endpoint(mini_db, "http://127.0.0.1/x", SECRET, place="atlantis", allow_private=True)


def test_redirects_are_not_followed(receiver):
    class Redirect(BaseHTTPRequestHandler):
        def do_POST(self):
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *a):
            pass
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        status, error = webhooks.post(f"http://127.0.0.1:{srv.server_port}/", b"{}", {}, allow_private=True)
    finally:
        srv.shutdown()
        srv.server_close()
    assert status == 302 and "redirects are not followed" in error


def test_https_certificates_are_verified(tmp_path):
    import ssl
    import subprocess

    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")], check=True, capture_output=True)

    class Ok(BaseHTTPRequestHandler):
        def do_POST(self):
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *a):
            pass
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Ok)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = f"https://localhost:{srv.server_port}/"
    try:
        refused = webhooks.post(url, b"{}", {}, allow_private=True)
        trusted = webhooks.post(url, b"{}", {}, allow_private=True, ssl_context=ssl.create_default_context(cafile=tmp_path / "cert.pem"))
        wrong_name = webhooks.post(f"https://127.0.0.1:{srv.server_port}/", b"{}", {}, allow_private=True,
                                   ssl_context=ssl.create_default_context(cafile=tmp_path / "cert.pem"))
    finally:
        srv.shutdown()
        srv.server_close()
    # A self-signed certificate is refused; trusted, it works through the pinned address with the host name
    # checked (the same certificate does not pass for another name).
    assert refused[0] is None and "CERTIFICATE_VERIFY_FAILED" in refused[1]
    assert trusted == (200, None)
    assert wrong_name[0] is None and "CERTIFICATE_VERIFY_FAILED" in wrong_name[1]


def test_retry_backoff_grows_and_is_capped():
    delays = [webhooks.retry_delay(n, 10).total_seconds() for n in range(1, 12)]
    assert delays[:4] == [10, 30, 90, 270]
    assert delays == sorted(delays) and max(delays) == webhooks.MAX_DELAY.total_seconds()


def test_cli_add_list_log_remove(mini_server, monkeypatch, capsys, receiver, editor_client):
    monkeypatch.setenv("DATABASE_URL", mini_server.settings.database_url)
    rx = receiver()
    assert cli.main(["webhook", "add", "http://10.0.0.5/x", "--secret", SECRET]) == 1
    assert "private" in capsys.readouterr().err
    assert cli.main(["webhook", "add", rx.url, "--secret", SECRET, "--faction", "green", "--allow-private"]) == 0
    assert "added" in capsys.readouterr().out
    assert cli.main(["webhook", "list"]) == 0
    out = capsys.readouterr().out
    assert rx.url in out and "factions green" in out and SECRET not in out
    with mini_server.client() as c:
        r = editor_client.post("/api/changes", json=change(revision(c)))
    assert r.status_code in (200, 201)
    assert rx.got.wait(5)
    wait_for(lambda: [x for x in deliveries(mini_server) if x["status"] == "delivered"], 5)
    assert cli.main(["webhook", "log"]) == 0
    out = capsys.readouterr().out
    assert "delivered" in out and f"rev {r.json()['revision']}" in out and "HTTP 200" in out
    eid = deliveries(mini_server)[0]["endpoint_id"]
    assert cli.main(["webhook", "remove", str(eid)]) == 0
    assert cli.main(["webhook", "remove", str(eid)]) == 1
    assert deliveries(mini_server) == []


def test_admin_route_shows_deliveries_to_admins_only(mini_server, receiver):
    from tests.conftest import ADMIN, login
    add(mini_server, receiver().url)
    with mini_server.client() as c:
        assert c.get("/api/admin/webhooks").status_code == 401
        login(c)
        assert c.get("/api/admin/webhooks").status_code == 403
    with mini_server.client() as c:
        login(c, ADMIN)
        j = c.get("/api/admin/webhooks").json()
        assert len(j["endpoints"]) == 1 and "secret" not in j["endpoints"][0]


def stored_secrets(server) -> list[str]:
    with psycopg.connect(pg_url(server)) as c:
        return [r[0] for r in c.execute("SELECT secret FROM webhook_endpoints ORDER BY id")]


def test_cli_takes_the_secret_from_a_file_stdin_or_the_environment(mini_server, monkeypatch, capsys, tmp_path):
    """Issue 29 item 9: the secret need not be on the command line (where /proc/PID/cmdline and the shell
    history keep it)."""
    import io

    monkeypatch.setenv("DATABASE_URL", mini_server.settings.database_url)
    monkeypatch.delenv("FRONTLINE_WEBHOOK_SECRET", raising=False)
    url = "http://127.0.0.1:9/hook"
    secret_file = tmp_path / "hook.secret"
    secret_file.write_text("from-a-file-0123456789abcdef\n")
    assert cli.main(["webhook", "add", url, "--allow-private", "--secret-file", str(secret_file)]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("from-standard-input-0123456789\n"))
    assert cli.main(["webhook", "add", url, "--allow-private", "--secret-stdin"]) == 0
    monkeypatch.setenv("FRONTLINE_WEBHOOK_SECRET", "from-the-environment-0123456789")
    assert cli.main(["webhook", "add", url, "--allow-private"]) == 0
    capsys.readouterr()
    assert stored_secrets(mini_server) == ["from-a-file-0123456789abcdef", "from-standard-input-0123456789",
                                           "from-the-environment-0123456789"]


def test_cli_secret_mistakes_are_a_message_and_nothing_is_stored(mini_server, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("DATABASE_URL", mini_server.settings.database_url)
    monkeypatch.delenv("FRONTLINE_WEBHOOK_SECRET", raising=False)
    url = "http://127.0.0.1:9/hook"
    secret_file = tmp_path / "hook.secret"
    secret_file.write_text(SECRET)
    for argv, words in [
        ([], "--secret-file PATH, --secret-stdin or FRONTLINE_WEBHOOK_SECRET"),
        (["--secret-file", str(tmp_path / "missing")], "cannot read the secret file"),
        (["--secret-file", str(secret_file), "--secret", SECRET], "not with --secret-file and --secret"),
        (["--secret-file", str(tmp_path / "short")], "16 to 200"),
    ]:
        (tmp_path / "short").write_text("short\n")
        assert cli.main(["webhook", "add", url, "--allow-private", *argv]) == 1, argv
        err = capsys.readouterr().err
        assert words in err and "Traceback" not in err, err
    assert stored_secrets(mini_server) == []
