"""Pure parts of the hardening: the byte-bounded cache, the token bucket, the repeat filter, the grid check."""
import logging
import threading
import time

import pytest

from app.read.cache import ByteLRU
from app.domain.geometry import parse_polygonal
from app.api.errors import RepeatFilter
from app.domain.errors import InvalidGeometry
from app.platform.ratelimit import TokenBucket


def test_cache_is_bounded_in_bytes_and_evicts_least_recently_used():
    c = ByteLRU(1000, size=len)
    c.put("a", b"x" * 400)
    c.put("b", b"x" * 400)
    assert c.get("a") is not None          # a is now the most recently used
    c.put("c", b"x" * 400)                 # 1200 > 1000: b goes, not a
    assert "b" not in c and "a" in c and "c" in c
    assert c.bytes == 800 <= c.max_bytes
    c.put("huge", b"x" * 5000)             # larger than the whole cache: not kept, nothing evicted
    assert "huge" not in c and c.bytes == 800


def test_cache_builds_a_missing_key_once_for_concurrent_callers():
    c = ByteLRU(10_000, size=len)
    calls = []
    gate = threading.Event()

    def build():
        calls.append(1)
        gate.wait(5)
        return b"value"

    out = []
    threads = [threading.Thread(target=lambda: out.append(c.get_or_build("k", build))) for _ in range(8)]
    for t in threads:
        t.start()
    time.sleep(0.2)
    gate.set()
    for t in threads:
        t.join(5)
    assert out == [b"value"] * 8 and len(calls) == 1


def test_cache_does_not_keep_a_failed_build():
    c = ByteLRU(10_000, size=len)
    with pytest.raises(ValueError):
        c.get_or_build("k", lambda: (_ for _ in ()).throw(ValueError("boom")))
    assert "k" not in c and c.get_or_build("k", lambda: b"ok") == b"ok"


def test_token_bucket_refills_per_address():
    now = [0.0]
    b = TokenBucket(2, clock=lambda: now[0])
    assert b.take("1.2.3.4") == 0 and b.take("1.2.3.4") == 0
    wait = b.take("1.2.3.4")
    assert 29 < wait <= 30                  # 2 a minute: the next token in 30 s
    assert b.take("5.6.7.8") == 0           # another address has its own bucket
    now[0] += 30
    assert b.take("1.2.3.4") == 0


def test_repeated_warnings_are_one_line_per_cause_per_window():
    now = [0.0]
    f = RepeatFilter(10, clock=lambda: now[0])
    rec = lambda: logging.LogRecord("frontline", logging.WARNING, __file__, 1, "database unavailable: %s", ("OperationalError",), None)
    kept = [f.filter(rec()) for _ in range(500)]
    assert kept.count(True) == 1
    other = logging.LogRecord("frontline", logging.WARNING, __file__, 1, "database unavailable: %s", ("Timeout",), None)
    assert f.filter(other)                  # another cause is written
    now[0] += 11
    r = rec()
    assert f.filter(r) and "499 more like this" in r.getMessage()


def _square(side, x=37.1, y=36.2):
    return {"type": "Polygon", "coordinates": [[[x, y], [x + side, y], [x + side, y + side], [x, y + side], [x, y]]]}


@pytest.mark.parametrize("side", [1e-9, 5e-8, 2e-7, 5e-7])
def test_shapes_that_degenerate_on_the_storage_grid_are_refused_naming_the_minimum(side):
    with pytest.raises(InvalidGeometry, match=r"at least 1e-06 degrees"):
        parse_polygonal(_square(side), max_vertices=100)


def test_a_thin_sliver_is_refused_and_a_small_square_is_kept():
    sliver = {"type": "Polygon", "coordinates": [[[37.1, 36.2], [37.2, 36.2], [37.2, 36.20000003], [37.1, 36.2]]]}
    with pytest.raises(InvalidGeometry):
        parse_polygonal(sliver, max_vertices=100)
    assert parse_polygonal(_square(2e-6), max_vertices=100).area > 0
