"""PostgreSQL stopped while requests are in flight (issue 19): every request gets an answer (200 from the
cache or 503 with the usual message, never a dropped connection or a 500), and the log holds one line per
cause per 10 s, not one per request."""
from __future__ import annotations

import logging
import threading
import time
from collections import Counter

import httpx

from tests.conftest import LiveServer
from tests.reliability.test_outage import own_cluster  # noqa: F401  (fixture: a private cluster with the mini data)

PATHS = ["/api/point?lat=35.{i:03d}&lon=36.{i:03d}&at=2024-01-02T13:00:00%2B03:00", "/api/places?q=a{i}", "/api/revisions",
         "/api/health", "/ogc/collections/control_zones/items?limit=5&offset={i}"]


def test_requests_in_flight_when_the_database_stops_get_503_and_the_log_stays_short(own_cluster):  # noqa: F811
    cluster, settings = own_cluster
    lines: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lines.append
    watched = [logging.getLogger(n) for n in ("frontline", "frontline.readmodel", "uvicorn.error")]
    for lg in watched:
        lg.addHandler(handler)
    server = LiveServer(settings)
    outcomes: Counter = Counter()
    wrong: list[str] = []  # checked after the threads end: an assert inside a thread would only end that thread
    stop = threading.Event()

    def hammer(k):
        i = k * 1000
        with httpx.Client(base_url=server.url, timeout=30) as c:
            while not stop.is_set():
                i += 1
                try:
                    r = c.get(PATHS[i % len(PATHS)].format(i=i % 1000))
                    outcomes[r.status_code] += 1
                    if r.status_code == 503 and not r.url.path.endswith("/health"):
                        try:
                            ok = r.json()["message"].startswith("The database is not answering right now")
                        except ValueError:
                            ok = False
                        if not ok:
                            wrong.append(r.text[:200])
                except httpx.TransportError as e:
                    outcomes[e.__class__.__name__] += 1
    try:
        threads = [threading.Thread(target=hammer, args=(k,)) for k in range(6)]
        for t in threads:
            t.start()
        time.sleep(1.5)
        cluster.stop()
        time.sleep(4)
        stop.set()
        for t in threads:
            t.join(30)
    finally:
        server.stop()
        for lg in watched:
            lg.removeHandler(handler)
    assert all(not t.is_alive() for t in threads), "a client thread did not stop"
    assert not wrong, wrong[:3]
    assert set(outcomes) <= {200, 503}, outcomes
    assert outcomes[503] > 0
    per_cause = Counter((r.name, r.msg) for r in lines)
    assert not [r for r in lines if "Exception in ASGI application" in r.getMessage()], [r.getMessage() for r in lines][:5]
    assert max(per_cause.values(), default=0) <= 3, per_cause  # ~5 s of outage: one line per cause (a second after 10 s)
    print(f"\noutcomes {dict(outcomes)}; {len(lines)} warning lines: {dict(per_cause)}")
