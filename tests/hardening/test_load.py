"""A bounded load test on loopback (issue 19): 20 anonymous 2000x2000 GIF requests at once.

The server runs as `frontline serve` in its own process (so its memory, with its render workers, can be
measured). Asserted: over-budget pictures are 422, the pool takes what it can and refuses the rest with a
fast 503 + Retry-After, /api/health keeps answering 200, and the server's memory (the process and its
children) stays under 1 GB. The health latencies are printed (timings are noisy on a shared machine; no
wall-clock assertion)."""
from __future__ import annotations

import concurrent.futures as cf
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from app.platform.pgcluster import free_port

WHOLE = {"from": "2024-11-26T21:00:00Z", "to": "2024-12-02T09:00:00Z"}        # 27 frames: over the budget
DAY = {"from": "2024-11-29T00:00:00Z", "to": "2024-11-30T12:00:00Z"}          # 8 frames: within it


def _tree_rss_mb(pid: int) -> float:
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total / 1024


def test_20_big_gifs_at_once_leave_health_up_and_memory_under_1_gb(seed_url):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": seed_url, "FRONTLINE_RENDER_RATE_PER_MINUTE": "0", "TILE_URL": ""}
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and proc.poll() is None, "server did not start"
            time.sleep(0.2)
        httpx.get(base + "/api/timeline", timeout=60)  # warm: the timeline is built once per revision
        with httpx.Client(base_url=base, timeout=30) as c:  # the same probe with no renders, for comparison
            quiet = []
            for _ in range(150):
                t = time.perf_counter()
                c.get("/api/health")
                quiet.append((time.perf_counter() - t) * 1000)
                time.sleep(0.02)
        quiet.sort()
        peak = [_tree_rss_mb(proc.pid)]
        idle_mb = peak[0]
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                peak.append(_tree_rss_mb(proc.pid))
                time.sleep(0.05)

        health: list[float] = []
        health_codes: set[int] = set()

        def probe():
            with httpx.Client(base_url=base, timeout=30) as c:
                while not stop.is_set():
                    t = time.perf_counter()
                    health_codes.add(c.get("/api/health").status_code)
                    health.append((time.perf_counter() - t) * 1000)
                    time.sleep(0.02)

        threads = [threading.Thread(target=sample), threading.Thread(target=probe)]
        for t in threads:
            t.start()
        requests = [{**WHOLE, "width": 2000, "height": 2000} for _ in range(10)] + \
                   [{**DAY, "width": 2000, "height": 2000, "fps": 1 + i / 10} for i in range(10)]
        with httpx.Client(base_url=base, timeout=300, limits=httpx.Limits(max_connections=30)) as c, cf.ThreadPoolExecutor(20) as ex:
            def get(params):
                t = time.perf_counter()
                r = c.get("/api/render.gif", params=params)
                return r, (time.perf_counter() - t) * 1000
            results = list(ex.map(get, requests))
        time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join()
    finally:
        proc.terminate()
        proc.wait(20)

    over, within = results[:10], results[10:]
    assert all(r.status_code == 422 and "pixel-frames" in r.json()["message"] for r, _ in over)
    codes = sorted(r.status_code for r, _ in within)
    assert set(codes) <= {200, 503} and 200 in codes and 503 in codes, codes
    busy = [(r, ms) for r, ms in within if r.status_code == 503]
    assert all(r.headers.get("retry-after") for r, _ in busy)
    ok = [r for r, _ in within if r.status_code == 200]
    assert all(r.headers["content-type"] == "image/gif" and r.content[:6] == b"GIF89a" for r in ok)
    assert health_codes == {200}
    health.sort()
    p50, p99 = health[len(health) // 2], health[min(len(health) - 1, int(len(health) * 0.99))]
    busy_ms = sorted(ms for _, ms in busy)
    print(f"\nload: {len(ok)} x 200, {len(busy)} x 503 (median {busy_ms[len(busy_ms) // 2]:.0f} ms), 10 x 422; "
          f"/api/health n={len(health)} p50 {p50:.1f} ms p99 {p99:.1f} ms max {health[-1]:.1f} ms "
          f"(with no renders: p50 {quiet[75]:.1f} ms p99 {quiet[148]:.1f} ms; load average {os.getloadavg()[0]:.1f}); "
          f"memory idle {idle_mb:.0f} MB, peak {max(peak):.0f} MB (server and its render workers)")
    assert max(peak) < 1024
