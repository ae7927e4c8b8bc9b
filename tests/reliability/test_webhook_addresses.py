"""IPv6 spellings of IPv4 addresses (issue 29, item 4): IPv4-compatible, -mapped and -translated, NAT64, 6to4
and Teredo addresses are judged by the IPv4 address they carry: the check as a function, and refused at `add`
and at delivery with no socket made. Such addresses route off this machine, so every test here runs with a
guard that refuses (and records) any connection to an address other than 127.0.0.0/8 and ::1.
"""
from __future__ import annotations

import ipaddress
import socket
import threading

import pytest

from app.usecases import webhooks
from tests.reliability.webhook_receivers import (  # noqa: F401 (fixtures)
    endpoint, only_loopback, queue, queue_deliveries, queue_url, workers)
from tests.api.test_webhooks import SECRET


@pytest.fixture(autouse=True)
def guarded(only_loopback):
    return only_loopback


# --- IPv6 spellings of IPv4 addresses ---------------------------------------------------------------------------

def teredo(server: str, client: str) -> str:
    s, c = int(ipaddress.IPv4Address(server)), int(ipaddress.IPv4Address(client)) ^ 0xFFFFFFFF
    return str(ipaddress.IPv6Address((0x20010000 << 96) | (s << 64) | (0x8000 << 48) | (0x1234 << 32) | c))


# (address, the IPv4 address it carries)
EMBEDDED = [
    ("::127.0.0.1", "127.0.0.1"),                      # IPv4-compatible
    ("::7f00:1", "127.0.0.1"),
    ("::10.0.0.1", "10.0.0.1"),
    ("::ffff:127.0.0.1", "127.0.0.1"),                 # IPv4-mapped
    ("::ffff:7f00:1", "127.0.0.1"),
    ("::ffff:0:127.0.0.1", "127.0.0.1"),               # IPv4-translated
    ("64:ff9b::7f00:1", "127.0.0.1"),                  # NAT64, well-known prefix
    ("64:ff9b::127.0.0.1", "127.0.0.1"),
    ("64:ff9b::a9fe:a9fe", "169.254.169.254"),
    ("64:ff9b::c0a8:1", "192.168.0.1"),
    ("64:ff9b:1::7f00:1", "127.0.0.1"),                # local-use NAT64, /96 inside the /48
    ("64:ff9b:1:7f00:0:100::", "127.0.0.1"),           # local-use NAT64, /48 position
    ("64:ff9b:1:0:a:0:100:0", "10.0.0.1"),               # local-use NAT64, /64 position
    ("2002:7f00:1::", "127.0.0.1"),                    # 6to4
    ("2002:7f00:1:1::1", "127.0.0.1"),
    ("2002:a00:1::1", "10.0.0.1"),
    (teredo("127.0.0.1", "8.8.8.8"), "127.0.0.1"),    # Teredo server
    (teredo("65.54.227.120", "127.0.0.1"), "127.0.0.1"),  # Teredo client (stored inverted)
    (teredo("65.54.227.120", "192.168.1.2"), "192.168.1.2"),
]


@pytest.mark.parametrize("address, v4", EMBEDDED)
def test_the_check_judges_the_ipv4_address_inside(address, v4):
    assert ipaddress.IPv4Address(v4) in [a for a, _ in webhooks.embedded_ipv4(ipaddress.IPv6Address(address))]
    for allow_private in (False, True):   # routed off this machine: refused even for an internal receiver
        with pytest.raises(webhooks.Refused) as e:
            webhooks.check_address(address, allow_private=allow_private)
        assert v4 in e.value.message and "private, loopback or reserved" in e.value.message


@pytest.mark.parametrize("address, expected", [
    ("127.0.0.1", "127.0.0.1"), ("::1", "::1"), ("10.0.0.1", "10.0.0.1"),
])
def test_internal_receivers_still_work_with_allow_private(address, expected):
    assert str(webhooks.check_address(address, allow_private=True)) == expected


@pytest.mark.parametrize("address", ["8.8.8.8", "2a00:1450:4001:80b::200e", "64:ff9b::808:808", "2002:808:808::1",
                                     "::ffff:8.8.8.8"])
def test_global_addresses_pass(address):
    assert webhooks.check_address(address, allow_private=False).is_global


def url_of(address: str, port: int = 8080) -> str:
    return f"http://[{address}]:{port}/hook"


@pytest.mark.parametrize("address, v4", EMBEDDED)
def test_refused_at_add(mini_db, address, v4, only_loopback):
    for allow_private in (False, True):
        with pytest.raises(webhooks.Refused) as e:
            webhooks.add_endpoint(mini_db, url_of(address), SECRET, allow_private=allow_private)
        assert "private, loopback or reserved" in e.value.message
    from app.usecases.webhooks import list_endpoints
    assert list_endpoints(mini_db) == []
    assert only_loopback == []


@pytest.mark.parametrize("address, v4", EMBEDDED)
def test_refused_at_delivery_before_any_socket(address, v4, only_loopback, monkeypatch):
    sockets = []
    real_socket_init = socket.socket.__init__
    me = threading.get_ident()

    def counting_init(self, *a, **kw):
        if threading.get_ident() == me:   # the sender runs in this thread (other threads may serve other tests)
            sockets.append(a)
        real_socket_init(self, *a, **kw)

    monkeypatch.setattr(socket.socket, "__init__", counting_init)
    for allow_private in (False, True):
        # Written as an address, and as a name that resolves to it (DNS that changed after the endpoint was added).
        status, error = webhooks.post(url_of(address), b"{}", {}, allow_private=allow_private, timeout=2)
        assert status is None and "private, loopback or reserved" in error, error
        real_getaddrinfo = socket.getaddrinfo
        monkeypatch.setattr(socket, "getaddrinfo", lambda host, port, *a, **kw: (
            [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))] if host == "hook.example"
            else real_getaddrinfo(host, port, *a, **kw)))
        status, error = webhooks.post("http://hook.example:8080/hook", b"{}", {}, allow_private=allow_private, timeout=2)
        monkeypatch.setattr(socket, "getaddrinfo", real_getaddrinfo)
        assert status is None and "private, loopback or reserved" in error and "hook.example" in error, error
    assert sockets == [] and only_loopback == []


def test_the_worker_refuses_them_and_records_why(queue, queue_url, only_loopback):
    ids = [endpoint(queue, url_of(a)) for a, _ in EMBEDDED]
    queue_deliveries(queue, ids, revisions=1)
    (w,), (engine,) = workers(queue_url, 1)
    try:
        sent = 0
        while sent < len(ids):
            n = w.run_once()
            assert n, "the worker stopped claiming"
            sent += n
    finally:
        w.stop()
        engine.dispose()
    rows = queue.execute("SELECT status, attempts, last_error FROM webhook_deliveries").fetchall()
    assert len(rows) == len(EMBEDDED)
    assert all(st == "pending" and n == 1 and "private, loopback or reserved" in err for st, n, err in rows), rows
    assert only_loopback == []
