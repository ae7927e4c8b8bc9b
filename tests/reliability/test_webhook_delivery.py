"""Webhook delivery when receivers misbehave (issue 29, item 3), over real HTTP to receivers on 127.0.0.1 run by
the test, against a real PostGIS.

- A receiver that drips one byte every few seconds holds an attempt only until its deadline, and never
  delays another endpoint's delivery (the other gets it within 5 s of the publish).
- Two workers (two app processes, each with its own database connections) never send one delivery at the same
  time, and a receiver that answers gets every delivery exactly once.
- Sending is parallel across endpoints, bounded, and one at a time per endpoint.
"""
from __future__ import annotations

import socket
import time
from datetime import timedelta

import pytest

from app.usecases import webhooks
from tests.reliability.webhook_receivers import (  # noqa: F401 (fixtures)
    Answering, drip, endpoint, only_loopback, queue, queue_deliveries, queue_url, workers)
from tests.api.test_editor_api import change, revision
from tests.api.test_webhooks import add, deliveries, receiver, wait_for  # noqa: F401 (a fixture)


@pytest.fixture(autouse=True)
def guarded(only_loopback):
    return only_loopback


# --- a dripping receiver and the others (through the live app's own worker) ---------------------------------

def test_a_dripping_receiver_does_not_delay_another_endpoint(mini_server, editor_client, receiver, drip, only_loopback):
    slow = drip(every=5.0)
    fast = receiver()
    add(mini_server, slow.url)   # the older endpoint: its delivery is first in the queue
    add(mini_server, fast.url)
    with mini_server.client() as c:
        r = editor_client.post("/api/changes", json=change(revision(c)))
    assert r.status_code in (200, 201), r.text
    published = time.monotonic()
    assert fast.got.wait(5), f"the other endpoint waited for the dripping one; log: {deliveries(mini_server)}"
    assert time.monotonic() - published < 5
    # The dripping receiver's attempt ends at the deadline and is recorded as a failure to retry.
    failed = wait_for(lambda: [d for d in deliveries(mini_server) if d["attempts"] >= 1 and d["status"] == "pending"],
                      webhooks.DEADLINE + 5)
    assert failed, f"the dripping attempt did not end by its deadline; log: {deliveries(mini_server)}"
    assert "deadline" in failed[0]["last_error"]
    assert time.monotonic() - published < webhooks.DEADLINE + 5
    assert only_loopback == []


def test_an_attempt_has_one_deadline_for_connect_send_and_read(drip):
    slow = drip(every=1.0, hold=15)   # a byte a second: a per-read timeout of 3 s would never fire
    started = time.monotonic()
    status, error = webhooks.post(slow.url, b"{}", {}, allow_private=True, timeout=3)
    took = time.monotonic() - started
    assert status is None and "within 3 s" in error, error
    assert took < 4.5, f"the attempt took {took:.1f} s with a deadline of 3 s"


def test_a_receiver_that_never_answers_is_cut_at_the_deadline():
    # Accepts connections (the kernel does) but never reads or answers.
    silent = socket.create_server(("127.0.0.1", 0))
    try:
        started = time.monotonic()
        status, error = webhooks.post(f"http://127.0.0.1:{silent.getsockname()[1]}/", b"x" * 10_000_000, {},
                                      allow_private=True, timeout=2)
        took = time.monotonic() - started
    finally:
        silent.close()
    assert status is None and "within 2 s" in error, error
    assert took < 3.5


# --- two workers on one database ----------------------------------------------------------------------------

def test_two_workers_never_send_one_delivery_at_the_same_time(queue, queue_url, drip, monkeypatch):
    # Short claims and deadlines so that the test sees a claim run out: a receiver that drips for longer than a
    # claim must not get the same delivery from the other worker while the first is still sending it.
    monkeypatch.setattr(webhooks, "LEASE", timedelta(seconds=8))
    monkeypatch.setattr(webhooks, "DEADLINE", 2.0, raising=False)  # (raising=False: the test also ran on the code before)
    slow = drip(every=0.5, hold=30)
    oks = [Answering(), Answering(delay=0.3), Answering()]
    slow_id = endpoint(queue, slow.url)
    ok_ids = [endpoint(queue, a.url) for a in oks]
    queue_deliveries(queue, [slow_id, *ok_ids], revisions=3)
    ws, engines = workers(queue_url, 2, base_delay=3.0)
    try:
        for w in ws:
            w.start()
        time.sleep(16)
    finally:
        for w in ws:
            w.stop()
        time.sleep(webhooks.DEADLINE + 0.5)   # attempts in flight end by their deadline
        for e in engines:
            e.dispose()
        for a in oks:
            a.close()
    # The dripping receiver: one connection at a time per delivery, every one of them an attempt the queue knows.
    with slow.lock:
        conns = [dict(c) for c in slow.connections]
    assert conns
    for d in {c["delivery"] for c in conns}:
        spans = sorted((c["opened"], c["closed"] or time.monotonic()) for c in conns if c["delivery"] == d)
        for (_, end), (start, _) in zip(spans, spans[1:]):
            assert start >= end, f"delivery {d} was sent by two workers at once: {spans}"
    attempts = dict(queue.execute("SELECT id::text, attempts FROM webhook_deliveries WHERE endpoint_id = %s",
                                  (slow_id,)).fetchall())
    for d in {c["delivery"] for c in conns}:
        assert sum(c["delivery"] == d for c in conns) == attempts[d]
    # The receivers that answer: each delivery exactly once, recorded as delivered at the first attempt.
    rows = queue.execute("SELECT id::text, endpoint_id, status, attempts FROM webhook_deliveries "
                         "WHERE endpoint_id = ANY(%s)", (ok_ids,)).fetchall()
    assert len(rows) == 9
    assert all(status == "delivered" and n == 1 for _, _, status, n in rows), rows
    for a, eid in zip(oks, ok_ids):
        assert a.by_delivery == {d: 1 for d, e, _, _ in rows if e == eid}


def test_sending_is_parallel_and_bounded(queue, queue_url):
    receivers = [Answering(delay=1.0) for _ in range(5)]
    ids = [endpoint(queue, a.url) for a in receivers]
    queue_deliveries(queue, ids, revisions=2)
    (w,), (engine,) = workers(queue_url, 1, parallel=3)
    try:
        started = time.monotonic()
        sent = 0
        while sent < 10 and time.monotonic() - started < 20:
            sent += w.run_once()
        took = time.monotonic() - started
    finally:
        w.stop()
        engine.dispose()
        for a in receivers:
            a.close()
    assert sent == 10
    # 10 deliveries of 1 s each, 3 at a time: 4 rounds, not 10 one after another.
    assert took < 7, took
    assert sum(a.most_in_flight for a in receivers) >= 3
    assert all(a.most_in_flight == 1 for a in receivers)   # one at a time per endpoint
    assert queue.execute("SELECT count(*) FROM webhook_deliveries WHERE status = 'delivered'").fetchone()[0] == 10


def test_a_claim_outlasts_an_attempt():
    with pytest.raises(ValueError, match="lease"):
        webhooks.Worker(None, base_url="http://x", deadline=30, lease=timedelta(seconds=20))
    assert webhooks.LEASE.total_seconds() > webhooks.DEADLINE + webhooks.LEASE_MARGIN
