"""Pictures are metered and isolated (issue 19): cost budget, bounded worker pool, byte-bounded cache, rate limit."""
from __future__ import annotations

import concurrent.futures as cf


from tests.hardening.conftest import guarded

PERIOD = {"from": "2024-11-26T21:00:00Z", "to": "2024-12-02T20:00:00Z"}


def test_a_picture_over_the_budget_is_a_clear_422(live_seed):
    with live_seed.client() as c:
        r = c.get("/api/render.gif", params={**PERIOD, "step": 73, "width": 2000, "height": 2000})
    assert r.status_code == 422
    msg = r.json()["message"]
    assert "pixel-frames" in msg and f"{live_seed.settings.render_budget_pixels:,}" in msg


def test_a_full_pool_answers_503_at_once_and_health_stays_up(base_settings, seed_url):
    with guarded(base_settings, seed_url, render_workers=1, render_queue=0, render_rate_per_minute=0) as srv:
        with srv.client() as c, cf.ThreadPoolExecutor(6) as ex:
            futs = [ex.submit(c.get, "/api/render.png", params={"at": "2024-11-30T12:00:00+03:00", "width": 1200 + i,
                                                                  "height": 900}) for i in range(4)]
            health = [c.get("/api/health").status_code for _ in range(10)]
            codes = [f.result().status_code for f in futs]
            busy = [f.result() for f in futs if f.result().status_code == 503]
        assert set(health) == {200}
        assert 200 in codes and busy, codes
        assert busy[0].headers["retry-after"] and "busy" in busy[0].json()["message"]
        ok = next(f.result() for f in futs if f.result().status_code == 200)
        assert ok.headers["content-type"] == "image/png" and ok.content[:4] == b"\x89PNG"
        assert "content-encoding" not in ok.headers  # already compressed: never gzipped again


def test_uncached_pictures_are_rate_limited_per_address_but_cached_ones_are_served(base_settings, seed_url):
    with guarded(base_settings, seed_url, render_rate_per_minute=2) as srv, srv.client() as c:
        at = {"at": "2024-11-30T12:00:00+03:00", "height": 300}
        assert c.get("/api/render.png", params={**at, "width": 300}).status_code == 200
        assert c.get("/api/render.png", params={**at, "width": 301}).status_code == 200
        r = c.get("/api/render.png", params={**at, "width": 302})
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        assert c.get("/api/render.png", params={**at, "width": 300}).status_code == 200  # cached: no token needed


def test_the_picture_cache_is_bounded_in_bytes(base_settings, seed_url):
    with guarded(base_settings, seed_url, response_cache_bytes=120_000, render_rate_per_minute=0) as srv, srv.client() as c:
        sizes = []
        for w in (600, 610, 620, 630, 640):
            r = c.get("/api/render.png", params={"at": "2024-11-30T12:00:00+03:00", "width": w, "height": 450})
            assert r.status_code == 200
            sizes.append(len(r.content))
        cache = srv.app.state.pictures
        assert sum(sizes) > 120_000  # the test means something: everything would not fit
        assert 0 < cache.bytes <= 120_000 and len(cache) < 5
        # the same picture again is served from the cache: same bytes, same ETag, 304 on revalidation
        r = c.get("/api/render.png", params={"at": "2024-11-30T12:00:00+03:00", "width": 640, "height": 450})
        r2 = c.get("/api/render.png", params={"at": "2024-11-30T12:00:00+03:00", "width": 640, "height": 450},
                   headers={"If-None-Match": r.headers["etag"]})
        assert r2.status_code == 304
