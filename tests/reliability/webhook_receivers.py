"""Webhook receivers on 127.0.0.1 that misbehave, a queue database of its own for worker tests, and a guard
that refuses (and records) any connection to an address other than 127.0.0.0/8 and ::1: IPv6 spellings
of IPv4 addresses route off this machine, so tests of them use it (tests/reliability/test_webhook_*.py)."""
from __future__ import annotations

import ipaddress
import select
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg
import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from app.usecases import webhooks
from tests.api.test_webhooks import SECRET
from tests.conftest import FIXTURES, _prepare

LOOPBACK_V4 = ipaddress.IPv4Network("127.0.0.0/8")

@pytest.fixture
def only_loopback(monkeypatch):
    """Refuse, and record, any connection from this process to an address other than 127.0.0.0/8 and ::1."""
    tried: list[str] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def allowed(sock, address) -> bool:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return True
        ip = ipaddress.ip_address(address[0].split("%")[0])
        if ip.version == 4:
            return ip in LOOPBACK_V4
        return ip == ipaddress.IPv6Address("::1")

    def connect(sock, address):
        if not allowed(sock, address):
            tried.append(address[0])
            raise ConnectionRefusedError(f"test guard: no connection to {address[0]}")
        return real_connect(sock, address)

    def connect_ex(sock, address):
        if not allowed(sock, address):
            tried.append(address[0])
            return 111
        return real_connect_ex(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    yield tried


class Drip:
    """A receiver on 127.0.0.1 that reads a request, then sends one byte of its answer every `every` seconds
    (never finishing), until the client hangs up or `stop()`. Records each connection: when it opened, when it
    closed, and the delivery id it was for."""

    def __init__(self, every: float, hold: float = 40.0):
        self.every, self.hold = every, hold
        self.stopped = threading.Event()
        self.lock = threading.Lock()
        self.connections: list[dict] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/drip"
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.stopped.is_set():
            try:
                conn, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket):
        rec = {"opened": time.monotonic(), "closed": None, "delivery": None}
        with self.lock:
            self.connections.append(rec)
        try:
            conn.settimeout(5)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            for line in data.split(b"\r\n"):
                if line.lower().startswith(b"x-frontline-delivery:"):
                    rec["delivery"] = line.split(b":", 1)[1].strip().decode()
            # A status line, then a header line that never ends.
            answer = b"HTTP/1.1 200 OK\r\nX-Drip: "
            end = time.monotonic() + self.hold
            i = 0
            while not self.stopped.is_set() and time.monotonic() < end:
                conn.sendall(answer[i:i + 1] if i < len(answer) else b"a")
                i += 1
                # Until the next byte, watch for the client hanging up (readable with nothing to read).
                readable, _, _ = select.select([conn], [], [], self.every)
                if readable and not conn.recv(65536):
                    return
        except OSError:
            return
        finally:
            rec["closed"] = time.monotonic()
            conn.close()

    def stop(self):
        self.stopped.set()
        self.thread.join(5)
        self.listener.close()


@pytest.fixture
def drip():
    made = []

    def make(**kw):
        d = Drip(**kw)
        made.append(d)
        return d
    yield make
    for d in made:
        d.stop()


class Answering:
    """A receiver on 127.0.0.1 that answers 200 after `delay` seconds and counts requests per delivery id and how
    many it was serving at once."""

    def __init__(self, delay: float = 0.0):
        self.by_delivery: dict[str, int] = {}
        self.in_flight = self.most_in_flight = 0
        lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                with lock:
                    outer.in_flight += 1
                    outer.most_in_flight = max(outer.most_in_flight, outer.in_flight)
                    key = self.headers["X-Frontline-Delivery"]
                    outer.by_delivery[key] = outer.by_delivery.get(key, 0) + 1
                time.sleep(delay)
                with lock:
                    outer.in_flight -= 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/ok"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def queue_url(base_settings):
    """A database of its own (the mini data set), so that only this test's workers send its deliveries."""
    return _prepare(base_settings, "webhook_queue", FIXTURES / "mini")


@pytest.fixture
def queue(queue_url):
    """psycopg connection to the queue database, emptied of endpoints, deliveries and test revisions after."""
    conn = psycopg.connect(queue_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
    first = conn.execute("SELECT max(id) FROM revisions").fetchone()[0]
    yield conn
    conn.execute("DELETE FROM webhook_endpoints")
    conn.execute("DELETE FROM revisions WHERE id > %s", (first,))
    conn.close()


def endpoint(conn, url: str) -> int:
    """An endpoint written as it is (as if its name had resolved elsewhere when it was added)."""
    return conn.execute("INSERT INTO webhook_endpoints (url, secret, allow_private) VALUES (%s, %s, true) RETURNING id",
                        (url, SECRET)).fetchone()[0]


def queue_deliveries(conn, endpoints: list[int], revisions: int) -> list[int]:
    ids = []
    for _ in range(revisions):
        rev = conn.execute("INSERT INTO revisions (kind, reason, details) VALUES ('change', 'test', '{}') "
                           "RETURNING id").fetchone()[0]
        for e in endpoints:
            ids.append(conn.execute("INSERT INTO webhook_deliveries (endpoint_id, revision_id, body) "
                                    "VALUES (%s, %s, %s) RETURNING id", (e, rev, b'{"test": true}')).fetchone()[0])
    return ids


def workers(url: str, n: int, **kw) -> tuple[list[webhooks.Worker], list]:
    engines = [create_engine(url) for _ in range(n)]
    listen = url.replace("postgresql+psycopg://", "postgresql://")
    ws = [webhooks.Worker(sessionmaker(e), base_url="http://127.0.0.1:9", listen_url=listen, poll_seconds=0.2, **kw)
          for e in engines]
    return ws, engines


