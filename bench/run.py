"""`make bench`: the read path, the edit path and the browser, measured against their limits.

Everything on loopback, load from other processes (wrk), warm-up first, 32 connections. Results go to
bench/RESULTS.md (and bench/out/results.json). Absolute numbers drift on shared machines: compare the
ratios within one run.
"""
from __future__ import annotations

import gzip
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.synth import make as make_synth  # noqa: E402
from bench.wrkparse import wrk  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "15"))
CONN = 32
AT = "2024-11-30T12:00:00+03:00"
OUT = ROOT / "bench" / "out"
PY = str(ROOT / ".venv" / "bin" / "python")


def cluster_url(name: str) -> str:
    from app.platform.pgcluster import Cluster
    from app import PROJECT_ROOT
    return Cluster(Path(os.environ.get("FRONTLINE_STATE_DIR", PROJECT_ROOT / "var"))).ensure_database(name, fresh=True)


def load(url: str, folder: Path) -> None:
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([PY, "-m", "app.cli", "load", str(folder)], env=env, check=True, capture_output=True)


def serve(cmd: list[str], port: int, env: dict, ready_path: str = "/") -> subprocess.Popen:
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}{ready_path}", timeout=2).status_code < 500:
                return p
        except httpx.HTTPError:
            pass
        if p.poll() is not None:
            raise RuntimeError(f"{cmd} exited: {p.stderr.read().decode()[-2000:]}")
        time.sleep(0.3)
    raise RuntimeError(f"{cmd} did not start")


def free_port() -> int:
    from app.platform.pgcluster import free_port as fp
    return fp()


def case(url, **kw):
    wrk(url, seconds=3, connections=CONN, **kw)  # warm-up
    return wrk(url, seconds=SECONDS, connections=CONN, **kw)


def read_path(url: str, results: dict) -> None:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "TILE_URL": ""}
    app = serve([PY, "-m", "app.cli", "serve", "--port", str(port)], port, env, "/api/health")
    paths = {"snapshot": f"/api/snapshot?at={AT.replace('+', '%2B')}", "timeline": "/api/timeline", "embed": "/embed"}
    bodies = Path(tempfile.mkdtemp())
    etags = {}
    try:
        for name, p in paths.items():
            r = httpx.get(f"http://127.0.0.1:{port}{p}", headers={"Accept-Encoding": "gzip"})
            raw = r.content
            (bodies / f"{name}.gz").write_bytes(gzip.compress(raw, 5))
            etags[name] = r.headers.get("etag")
            results.setdefault("payload", {})[name] = {"raw_bytes": len(raw), "gzip_bytes": len(gzip.compress(raw, 5))}
        lport = free_port()
        limit = serve([PY, "-m", "uvicorn", "bench.limit_app:app", "--port", str(lport), "--log-level", "warning"],
                      lport, {**os.environ, "BENCH_BODIES": str(bodies), "PYTHONPATH": str(ROOT)}, "/snapshot")
        try:
            for name, p in paths.items():
                a = case(f"http://127.0.0.1:{port}{p}", headers={"Accept-Encoding": "gzip"})
                b = case(f"http://127.0.0.1:{lport}/{name}")
                results.setdefault("read", {})[name] = {"app": a, "limit": b, "ratio": a["rps"] / b["rps"]}
                print(f"read {name}: app {a['rps']:.0f} req/s, limit {b['rps']:.0f} req/s, ratio {a['rps'] / b['rps']:.2f}", flush=True)
                if etags[name]:
                    c = case(f"http://127.0.0.1:{port}{p}", headers={"Accept-Encoding": "gzip", "If-None-Match": etags[name]})
                    results.setdefault("conditional", {})[name] = c
                    print(f"304 {name}: {c['rps']:.0f} req/s", flush=True)
            results["load"] = load_test(port)
        finally:
            limit.terminate()
    finally:
        app.terminate()


def load_test(port: int) -> dict:
    """Issue #8's bar: the read path mixed, 30 s, 32 connections, zero errors."""
    lua = ROOT / "bench" / "mixed.lua"
    script = lua.read_text().replace("init = function(args)\n  paths = { args[1], args[2], args[3] }",
                                     f"init = function(args)\n  paths = {{ \"/api/snapshot?at={AT.replace('+', '%2B')}\", \"/api/timeline\", \"/embed\" }}")
    tmp = Path(tempfile.mkdtemp()) / "mixed.lua"
    tmp.write_text(script)
    r = wrk(f"http://127.0.0.1:{port}", seconds=30, connections=CONN, script=str(tmp))
    print(f"load (mixed, 30 s): {r['rps']:.0f} req/s, p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, errors {r['errors']}", flush=True)
    return r


def tipg_case(url: str, results: dict) -> None:
    venv = ROOT / ".venv-bench"
    if not (venv / "bin" / "uvicorn").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "tipg", "uvicorn"], check=True)
    import psycopg
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute("CREATE SCHEMA IF NOT EXISTS bench")
        conn.execute("DROP VIEW IF EXISTS bench.snapshot")
        conn.execute(f"""CREATE VIEW bench.snapshot AS SELECT z.id, f.slug AS faction, z.area_km2, z.geom
                         FROM control_zones z JOIN factions f ON f.id = z.faction_id
                         WHERE upper_inf(z.revs) AND z.valid @> '{AT}'::timestamptz""")
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url.replace("postgresql+psycopg://", "postgresql://"),
           "TIPG_DB_SCHEMAS": '["bench"]', "TIPG_DB_ONLY_SPATIAL_TABLES": "true"}
    p = serve([str(venv / "bin" / "uvicorn"), "tipg.main:app", "--port", str(port), "--log-level", "warning"], port, env, "/collections")
    try:
        u = f"http://127.0.0.1:{port}/collections/bench.snapshot/items?limit=100"
        check = httpx.get(u).json()
        n = len(check.get("features", []))
        r = case(u, headers={"Accept-Encoding": "gzip"})
        app_rps = results["read"]["snapshot"]["app"]["rps"]
        results["tipg"] = {"snapshot": r, "features": n, "ratio_app_over_tipg": app_rps / r["rps"] if r["rps"] else None}
        print(f"tipg snapshot: {r['rps']:.1f} req/s ({n} features); Frontline/tipg = {app_rps / r['rps']:.0f}x", flush=True)
    finally:
        p.terminate()


def history(results: dict) -> None:
    """Snapshot query time and timeline size against history length; edit time against later changes."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import Session

    from app.store import queries

    from app.usecases import changes as services
    from app.domain.times import parse_instant

    rows = {}
    for factor in (1, 10, 100):
        folder = make_synth(ROOT / "data", OUT / f"synth-x{factor}", factor) if factor > 1 else ROOT / "data"
        url = cluster_url(f"frontline_bench_x{factor}")
        t0 = time.perf_counter()
        load(url, folder)
        load_s = time.perf_counter() - t0
        engine = create_engine(url)
        at = parse_instant(AT)
        with Session(engine) as s:
            rev = queries.current_revision(s)
            n_changes = s.execute(text("SELECT count(*) FROM control_changes")).scalar_one()
            n_zones = s.execute(text("SELECT count(*) FROM control_zones")).scalar_one()
            times = []
            for _ in range(40):
                t = time.perf_counter()
                s.execute(queries.PIECES_AT, {"at": at, "rev": rev}).all()  # the SQL part of a snapshot (pieces)
                times.append((time.perf_counter() - t) * 1000)
            plan = "\n".join(r[0] for r in s.execute(text("EXPLAIN " + str(queries.PIECES_AT.text)
                                                          .replace("CAST(:at AS timestamptz)", f"'{AT}'::timestamptz")
                                                          .replace("CAST(:rev AS integer)", str(rev)))))
            body = httpx_free_timeline(url)
            # Edit path: a change inserted in the middle of the timeline (29 Nov noon), then undone.
            geom = {"type": "Polygon", "coordinates": [[[37.05, 36.15], [37.08, 36.15], [37.08, 36.18], [37.05, 36.18], [37.05, 36.15]]]}
            rid = s.execute(text("SELECT min(id) FROM reports")).scalar_one()
            later = s.execute(text("SELECT count(*) FROM control_changes WHERE at > '2024-11-29T12:00:00+03:00'")).scalar_one()
            edit = []
            for i in range(3):
                base = queries.current_revision(s)
                t = time.perf_counter()
                out = services.record_change(s, services.ChangeInput("hts", parse_instant("2024-11-29T12:00:00+03:00"), geom, "claimed", [rid], "bench"),
                                             base_revision=base, author_id=None, max_vertices=20000, readers=None)
                edit.append((time.perf_counter() - t) * 1000)
                services.revert_revision(s, out["revision"], base_revision=out["revision"], author_id=None, readers=None)
        engine.dispose()
        rows[factor] = {"changes": n_changes, "zone_rows": n_zones, "load_s": round(load_s, 2),
                        "snapshot_query_ms_median": round(statistics.median(times), 3),
                        "snapshot_query_ms_p95": round(sorted(times)[int(len(times) * 0.95) - 1], 3),
                        "timeline_raw_bytes": body[0], "timeline_gzip_bytes": body[1],
                        "later_changes": later, "edit_ms_median": round(statistics.median(edit), 1),
                        "index_used": "Index Scan using" in plan and "control_zones" in plan, "plan": plan}
        print(f"history x{factor}: {n_changes} changes, snapshot {rows[factor]['snapshot_query_ms_median']} ms, "
              f"timeline {body[0]} B ({body[1]} gz), edit {rows[factor]['edit_ms_median']} ms with {later} later changes", flush=True)
    results["history"] = rows


def httpx_free_timeline(url: str) -> tuple[int, int]:
    """Timeline bytes as the app builds them (raw, gzip), without a server."""
    from app.store.db import Database
    from app.read.model import ReadModel

    db = Database.connect(url)
    rm = ReadModel(db.ReadSession)
    p = rm.timeline(rm.revision)
    db.dispose()
    return len(p.body), len(p.gz)


def browser(url: str, results: dict) -> None:
    """First zones painted and time per animation step, in Chromium, on / and /embed."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    app = serve([PY, "-m", "app.cli", "serve", "--port", str(port)], port, {**os.environ, "DATABASE_URL": url, "TILE_URL": ""}, "/api/health")
    out = {}
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                  args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                                        "--disable-sync", "--no-first-run", "--disable-quic"])
            for path in ("/", "/embed"):
                firsts = []
                for _ in range(5):
                    page = b.new_page(viewport={"width": 1280, "height": 800})
                    page.goto(f"http://127.0.0.1:{port}{path}")
                    page.wait_for_function("() => document.body.dataset.ready === '1'", timeout=30000)
                    firsts.append(page.evaluate("performance.now()"))
                    page.close()
                out[path] = {"first_zones_ms_median": round(statistics.median(firsts), 1)}
            page = b.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_function("() => document.body.dataset.ready === '1'", timeout=30000)
            steps = page.evaluate("""async () => {
                const slider = document.querySelector('input[type=range]');
                slider.focus();
                const times = [];
                const home = new KeyboardEvent('keydown', {key: 'Home', bubbles: true});
                slider.dispatchEvent(home);
                for (let i = 0; i < 60; i++) {
                    const before = document.body.dataset.instant;
                    const t0 = performance.now();
                    slider.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowRight', bubbles: true}));
                    await new Promise(r => requestAnimationFrame(() => r()));
                    times.push(performance.now() - t0);
                    if (document.body.dataset.instant === before) slider.dispatchEvent(new KeyboardEvent('keydown', {key: 'Home', bubbles: true}));
                }
                return times;
            }""")
            steps.sort()
            out["animation_step_ms_median"] = round(statistics.median(steps), 2)
            out["animation_step_ms_p95"] = round(steps[int(len(steps) * 0.95) - 1], 2)
            b.close()
    finally:
        app.terminate()
    results.setdefault("browser", {})[url.rsplit("/", 1)[-1]] = out
    print(f"browser {url.rsplit('/', 1)[-1]}: {out}", flush=True)


def machine() -> str:
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines() if l.startswith("model name")), "?")
    mem = next((l.split()[1] for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")), "0")
    return f"{os.cpu_count()} cores ({cpu}), {int(mem) // 1024 // 1024} GiB, {platform.platform()}, Python {platform.python_version()}"


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    results = {"when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": machine(), "seconds_per_case": SECONDS}
    url = cluster_url("frontline_bench")
    load(url, ROOT / "data")
    read_path(url, results)
    try:
        tipg_case(url, results)
    except Exception as e:  # tipg is optional: report why it is missing rather than fail the run
        results["tipg"] = {"error": str(e)[:500]}
        print(f"tipg: not measured ({e})", flush=True)
    history(results)
    for name in ("frontline_bench", "frontline_bench_x10"):
        try:
            browser(cluster_url_existing(name), results)
        except Exception as e:
            results.setdefault("browser", {})[name] = {"error": str(e)[:500]}
            print(f"browser {name}: not measured ({e})", flush=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=1, default=str))
    from bench.report import write
    write(results, ROOT / "bench" / "RESULTS.md")
    print("written bench/RESULTS.md")
    return 0


def cluster_url_existing(name: str) -> str:
    from app.platform.pgcluster import Cluster
    from app import PROJECT_ROOT
    return Cluster(Path(os.environ.get("FRONTLINE_STATE_DIR", PROJECT_ROOT / "var"))).url(name)


if __name__ == "__main__":
    sys.exit(main())
