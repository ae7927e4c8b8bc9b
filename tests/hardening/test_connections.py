"""Connection limits of `frontline serve` (app/server.py): head size and count, request line, slow clients."""
from __future__ import annotations

import socket
import time

import pytest

from tests.hardening.conftest import guarded


@pytest.fixture(scope="module")
def srv(base_settings, mini_url):
    with guarded(base_settings, mini_url, header_timeout_seconds=1.0, body_timeout_seconds=1.0) as s:
        yield s


def _raw(srv, data: bytes, timeout=10) -> bytes:
    with socket.create_connection(("127.0.0.1", srv.port), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            out += chunk
        return out


def test_a_64_kb_header_is_431(srv):
    with srv.client() as c:
        r = c.get("/api/factions", headers={"X-Big": "a" * 65536})
    assert r.status_code == 431


def test_too_many_headers_is_431(srv):
    head = b"GET /api/factions HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(20_000)) + b"\r\n"
    assert _raw(srv, head).startswith(b"HTTP/1.1 431")


def test_an_unfinished_huge_header_is_refused_before_it_is_buffered(srv):
    # No end of the head ever comes: refused as soon as the limit is passed, not after a timeout.
    out = _raw(srv, b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1024 * 1024))
    assert out.startswith(b"HTTP/1.1 431")


def test_a_long_request_line_is_414(srv):
    assert _raw(srv, b"GET /api/factions?x=" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1 414")


def test_normal_requests_still_work(srv):
    with srv.client() as c:
        assert c.get("/api/factions").status_code == 200
        assert c.post("/api/match-places", json={"text": "x"}).status_code in (401, 403)


def test_200_slow_clients_are_closed_within_the_header_timeout(srv):
    socks = []
    for i in range(200):
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        s.sendall(b"GET /api/factions HTTP/1.1\r\nHost: x\r\nX-Slow: ")  # and never more
        socks.append(s)
    start = time.monotonic()
    closed = 0
    for s in socks:
        try:
            s.settimeout(max(0.1, start + 1.0 + 5 - time.monotonic()))  # the timeout (1 s) plus slack
            if s.recv(1024) == b"":
                closed += 1
        except (ConnectionResetError, socket.timeout):
            pass
        finally:
            s.close()
    assert closed == 200
    with srv.client() as c:
        assert c.get("/api/factions").status_code == 200


def test_an_idle_connection_and_a_slow_body_are_closed(srv):
    with socket.create_connection(("127.0.0.1", srv.port), timeout=8) as s:
        assert s.recv(10) == b""  # sent nothing: closed by the header timeout
    with socket.create_connection(("127.0.0.1", srv.port), timeout=8) as s:
        s.sendall(b"POST /api/match-places HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        # the body never completes: the connection is closed (after any answer the app managed to give)
        assert b"HTTP/1.1 2" not in data
