"""`make bench`, scale section: the seed data and synthetic long wars side by side, against issue 14's targets.

Everything is measured from outside, through the CLI (`frontline load`, `frontline bake`, `frontline user add`),
HTTP (the public API, the editor API as a signed-in editor) and Chromium (the page's keyboard controls and its
`document.body.dataset.instant` / `ready` flags), so it keeps working whatever the storage and read path become.
Every step has a time limit and records "did not finish in N s" instead of hanging. Results go to
bench/out/scale.json and to the scale section of bench/RESULTS.md.

Sizes and limits come from environment variables (defaults: the issue's configuration):

| variable | default | what |
| --- | --- | --- |
| BENCH_WAR_DAYS | 100,1000 | the synthetic wars (days), comma-separated; `0` or empty for none |
| BENCH_PER_DAY | 10 | changes per day |
| BENCH_FRONT_VERTICES | 5000 | vertices of the initial front |
| BENCH_CHANGE_VERTICES | 40 | vertices of each change |
| BENCH_SEED | 1 | generator seed |
| BENCH_SCALE_SEED_DATA | 1 | measure the seed data set (data/) too |
| BENCH_LOAD_TIMEOUT | 600 | s for `frontline load` |
| BENCH_BAKE_TIMEOUT | 900 | s for `frontline bake` |
| BENCH_MAX_RSS_MB | 8000 | a load, bake or server above this resident size is stopped |
| BENCH_SERVER_START_TIMEOUT | 300 | s for the server to answer /api/health |
| BENCH_PAGE_TIMEOUT | 90 | s for a page to show its first zones (and for each jump) |
| BENCH_PAGE_RUNS | 3 | page loads per path (median) |
| BENCH_PLAY_DAYS | 30 | days of play before the heap is read |
| BENCH_PLAY_TIMEOUT | 180 | s of play at most |
| BENCH_EDIT_TIMEOUT | 300 | s for one preview, save or revert request |
| BENCH_SAVES | 1000 | sequential saves on the seed data |
| BENCH_SAVES_BUDGET | 1800 | s for all of them (stops early, says how many were done) |
| BENCH_WRK_SECONDS | 10 | s per wrk case |

Quick run (a few minutes): `BENCH_WAR_DAYS=10,30 BENCH_SAVES=100 BENCH_SAVES_BUDGET=300 make bench-scale`.
"""
from __future__ import annotations

import gzip
import json
import math
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.genwar import generate  # noqa: E402
from bench.wrkparse import wrk  # noqa: E402

PY = str(ROOT / ".venv" / "bin" / "python")
OUT = ROOT / "bench" / "out"
EDITOR = ("bench-editor", "bench-editor-password-1")


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def war_days() -> list[int]:
    raw = os.environ.get("BENCH_WAR_DAYS", "100,1000").strip()
    return [int(x) for x in raw.split(",") if x.strip() and int(x) > 0]


CFG = {k: env_int(k, v) for k, v in {
    "BENCH_PER_DAY": 10, "BENCH_FRONT_VERTICES": 5000, "BENCH_CHANGE_VERTICES": 40, "BENCH_SEED": 1,
    "BENCH_SCALE_SEED_DATA": 1, "BENCH_LOAD_TIMEOUT": 600, "BENCH_BAKE_TIMEOUT": 900, "BENCH_MAX_RSS_MB": 8000,
    "BENCH_SERVER_START_TIMEOUT": 300, "BENCH_PAGE_TIMEOUT": 90, "BENCH_PAGE_RUNS": 3, "BENCH_PLAY_DAYS": 30,
    "BENCH_PLAY_TIMEOUT": 180, "BENCH_EDIT_TIMEOUT": 300, "BENCH_SAVES": 1000, "BENCH_SAVES_BUDGET": 1800,
    "BENCH_WRK_SECONDS": 10}.items()}


def log(*a) -> None:
    print(f"[scale {datetime.now(timezone.utc):%H:%M:%S}]", *a, flush=True)


class NotDone(Exception):
    """A step that did not finish (time limit, memory limit, error): its text goes into the table."""


def failed(msg: str) -> dict:
    return {"error": msg}


# --- processes -----------------------------------------------------------------------------------------------

def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _kill_group(p: subprocess.Popen) -> None:
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def run_limited(cmd: list[str], env: dict, timeout: int, *, stdin: str | None = None) -> dict:
    """Run a command with a time and memory limit. Returns seconds, peak RSS (MB), rc, output tail; or an error."""
    log("run", " ".join(cmd[2:] if cmd[0] == PY else cmd))
    logf = tempfile.TemporaryFile()
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                         stdout=logf, stderr=subprocess.STDOUT, start_new_session=True)
    if stdin is not None:
        p.stdin.write(stdin.encode())
        p.stdin.close()
    peak = 0
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        elapsed = time.monotonic() - t0
        if pid:
            p.returncode = os.waitstatus_to_exitcode(status)
            peak = max(peak, ru.ru_maxrss // 1024)
            logf.seek(0)
            tail = logf.read()[-1500:].decode(errors="replace")
            if p.returncode != 0:
                return failed(f"exited with {p.returncode} after {elapsed:.0f} s: {tail.strip()[-300:]}") | {"peak_rss_mb": peak}
            return {"seconds": round(elapsed, 2), "peak_rss_mb": peak, "output": tail}
        peak = max(peak, _status_kb(p.pid, "VmHWM") // 1024)
        if elapsed > timeout:
            _kill_group(p)
            p.wait()
            return failed(f"did not finish in {timeout} s") | {"peak_rss_mb": peak}
        if peak > CFG["BENCH_MAX_RSS_MB"]:
            _kill_group(p)
            p.wait()
            return failed(f"stopped at {peak:,} MB resident after {elapsed:.0f} s (limit BENCH_MAX_RSS_MB)") | {"peak_rss_mb": peak}
        time.sleep(0.25)


def cluster_url(name: str) -> str:
    if os.environ.get("BENCH_DATABASE_URL"):  # an external server: one database per data set next to it
        from sqlalchemy.engine import make_url
        import psycopg
        u = make_url(os.environ["BENCH_DATABASE_URL"])
        with psycopg.connect(host=u.host, port=u.port, user=u.username, password=u.password, dbname="postgres", autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            c.execute(f'CREATE DATABASE "{name}"')
        return u.set(database=name).render_as_string(hide_password=False)
    from app import PROJECT_ROOT
    from app.platform.pgcluster import Cluster
    return Cluster(Path(os.environ.get("FRONTLINE_STATE_DIR", PROJECT_ROOT / "var"))).ensure_database(name, fresh=True)


def free_port() -> int:
    from app.platform.pgcluster import free_port as fp
    return fp()


class Server:
    """`frontline serve` in its own process group, watched for memory."""

    def __init__(self, url: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "DATABASE_URL": url, "TILE_URL": ""}
        self.logf = tempfile.TemporaryFile()
        self.p = subprocess.Popen([PY, "-m", "app.cli", "serve", "--port", str(self.port)], env=env, stdout=self.logf,
                                  stderr=subprocess.STDOUT, start_new_session=True)
        self.killed = None
        self._stop = threading.Event()
        threading.Thread(target=self._watch, daemon=True).start()
        deadline = time.monotonic() + CFG["BENCH_SERVER_START_TIMEOUT"]
        while True:
            try:
                if httpx.get(self.base + "/api/health", timeout=5).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            if self.p.poll() is not None:
                raise NotDone(f"the server exited: {self.tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise NotDone(f"the server did not start in {CFG['BENCH_SERVER_START_TIMEOUT']} s")
            time.sleep(0.3)

    def _watch(self):
        while not self._stop.wait(0.5):
            rss = self.rss_mb()
            if rss > CFG["BENCH_MAX_RSS_MB"]:
                self.killed = f"server stopped at {rss:,} MB resident (limit BENCH_MAX_RSS_MB)"
                _kill_group(self.p)
                return

    def tail(self) -> str:
        self.logf.seek(0)
        return self.logf.read()[-500:].decode(errors="replace")

    def rss_mb(self) -> int:
        return _status_kb(self.p.pid, "VmRSS") // 1024

    def hwm_mb(self) -> int:
        return _status_kb(self.p.pid, "VmHWM") // 1024

    def stop(self):
        self._stop.set()
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                _kill_group(self.p)
                self.p.wait()


# --- the data sets ---------------------------------------------------------------------------------------------

def data_facts(folder: Path) -> dict:
    """Period, change instants, places and a change in the middle, read from the folder (any data set)."""
    ds = json.loads((folder / "dataset.json").read_text())
    changes = json.loads((folder / "geojson" / "changes.geojson").read_text())["features"]
    places = json.loads((folder / "geojson" / "places.geojson").read_text())["features"]
    factions = [f["slug"] for f in json.loads((folder / "factions.json").read_text())]
    start, end = datetime.fromisoformat(ds["start"]), datetime.fromisoformat(ds["end"])
    ats = [datetime.fromisoformat(f["properties"]["at"]) for f in changes]
    later = [(a, f) for a, f in zip(ats, changes) if a > start]
    midt = start + (end - start) / 2
    a, f = min(later, key=lambda x: abs(x[0] - midt))
    from shapely.geometry import shape
    pt = shape(f["geometry"]).representative_point()
    edit_at = a + timedelta(minutes=1)
    return {"start": start, "end": end, "extent": ds["extent"], "changes": len(changes), "factions": factions,
            "places": [p["geometry"]["coordinates"] for p in places], "edit_at": edit_at, "edit_center": (pt.x, pt.y),
            "later_than_edit": sum(1 for x in ats if x > edit_at), "instants": sorted(set(ats))}


def square(cx: float, cy: float, h: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[cx - h, cy - h], [cx + h, cy - h], [cx + h, cy + h], [cx - h, cy + h], [cx - h, cy - h]]]}


def star(rng: random.Random, cx: float, cy: float, r: float, n: int = 12) -> dict:
    ring = []
    for i in range(n):
        a = 2 * math.pi * i / n
        rr = r * rng.uniform(0.6, 1.0)
        ring.append([round(cx + rr * math.cos(a), 5), round(cy + rr * math.sin(a), 5)])
    ring.append(list(ring[0]))
    return {"type": "Polygon", "coordinates": [ring]}


def iso(t: datetime) -> str:
    return t.isoformat(timespec="seconds")


# --- HTTP -------------------------------------------------------------------------------------------------------

def editor_client(server: Server, url: str) -> httpx.Client:
    r = run_limited([PY, "-m", "app.cli", "user", "add", EDITOR[0], "--role", "editor"], {**os.environ, "DATABASE_URL": url},
                    120, stdin=EDITOR[1] + "\n")
    if "error" in r:
        raise NotDone(f"frontline user add: {r['error']}")
    c = httpx.Client(base_url=server.base, timeout=CFG["BENCH_EDIT_TIMEOUT"])
    r = c.post("/login", data={"username": EDITOR[0], "password": EDITOR[1]})
    if r.status_code != 200:
        raise NotDone(f"sign-in refused: {r.status_code} {r.text[:200]}")
    c.headers["X-CSRF-Token"] = c.cookies["csrf_token"]
    return c


def current_revision(c: httpx.Client) -> int:
    r = c.get("/api/health", timeout=30)
    rev = r.json().get("revision")
    if rev is None:
        rev = c.get("/api/revisions", params={"limit": 1}, timeout=30).json()[0]["id"]
    return int(rev)


def a_report_id(c: httpx.Client) -> int:
    body = c.get("/api/editor/reports", timeout=120).json()
    items = body if isinstance(body, list) else body.get("reports") or body.get("items") or []
    return int(items[0]["id"])


def timed(fn, *a, **kw):
    t = time.perf_counter()
    r = fn(*a, **kw)
    return (time.perf_counter() - t) * 1000, r


def edit_in_the_middle(server: Server, url: str, facts: dict) -> dict:
    """Preview, save, first snapshot after the publish (cold), revert, first snapshot after that: over HTTP."""
    out: dict = {"later_changes": facts["later_than_edit"], "at": iso(facts["edit_at"])}
    keys = ["preview_ms", "save_ms", "cold_snapshot_after_save_ms", "revert_ms", "cold_snapshot_after_revert_ms"]
    try:
        c = editor_client(server, url)
    except NotDone as e:
        return {k: failed(str(e)) for k in keys} | out
    limit = CFG["BENCH_EDIT_TIMEOUT"]
    body = {"faction": "contested", "at": iso(facts["edit_at"]), "geometry": square(*facts["edit_center"], 0.02),
            "confidence": "claimed", "report_ids": [a_report_id(c)], "note": "bench: an edit in the middle", "summary_en": "Bench: an edit in the middle",
            # the editor's confirmations (a small square can still be more than 5% of a small faction's area)
            "confirm_large": True, "confirm_adds_source": True}
    snap = {"at": iso(facts["edit_at"] + timedelta(minutes=1))}
    stopped = None

    def step(key, fn):
        nonlocal stopped
        if stopped:
            out[key] = failed(f"not measured: {stopped}")
            return None
        try:
            ms, r = timed(fn)
        except httpx.TimeoutException:
            stopped = f"the {key.split('_')[0]} did not finish in {limit} s"
            out[key] = failed(f"did not finish in {limit} s")
            return None
        except httpx.HTTPError as e:
            stopped = f"{key}: {e}"
            out[key] = failed(f"{type(e).__name__}: {e}"[:200])
            return None
        if r.status_code >= 400:
            stopped = f"{key} refused"
            out[key] = failed(f"HTTP {r.status_code}: {r.text[:200]}")
            return None
        out[key] = round(ms, 1)
        return r

    step("preview_ms", lambda: c.post("/api/changes/preview", json=body))
    r = step("save_ms", lambda: c.post("/api/changes", json=body | {"base_revision": current_revision(c)}))
    saved = r.json()["revision"] if r is not None else None
    step("cold_snapshot_after_save_ms", lambda: c.get("/api/snapshot", params=snap))
    if saved is not None:
        step("revert_ms", lambda: c.post(f"/api/revisions/{saved}/revert", json={"base_revision": current_revision(c), "reason": "bench"}))
    else:
        step("revert_ms", lambda: None)
    step("cold_snapshot_after_revert_ms", lambda: c.get("/api/snapshot", params=snap))
    c.close()
    return out


def hot_read_path(server: Server, facts: dict) -> dict:
    """/api/snapshot (gzip) in the middle of the period against a ~20-line ASGI app serving the same bytes."""
    path = f"/api/snapshot?at={iso(facts['edit_at']).replace('+', '%2B')}"
    try:
        r = httpx.get(server.base + path, headers={"Accept-Encoding": "gzip"}, timeout=CFG["BENCH_EDIT_TIMEOUT"])
    except httpx.TimeoutException:
        return failed(f"the first request did not finish in {CFG['BENCH_EDIT_TIMEOUT']} s")
    if r.status_code != 200:
        return failed(f"HTTP {r.status_code}")
    bodies = Path(tempfile.mkdtemp())
    (bodies / "snapshot.gz").write_bytes(gzip.compress(r.content, 5))
    lport = free_port()
    limit = subprocess.Popen([PY, "-m", "uvicorn", "bench.limit_app:app", "--port", str(lport), "--log-level", "warning"],
                             env={**os.environ, "BENCH_BODIES": str(bodies), "PYTHONPATH": str(ROOT)},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        for _ in range(100):
            try:
                httpx.get(f"http://127.0.0.1:{lport}/snapshot", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        secs = CFG["BENCH_WRK_SECONDS"]
        wrk(server.base + path, seconds=2, connections=32, headers={"Accept-Encoding": "gzip"})
        # The limit before and after the app (the machine is shared: its load drifts), averaged.
        wrk(f"http://127.0.0.1:{lport}/snapshot", seconds=2, connections=32)
        b1 = wrk(f"http://127.0.0.1:{lport}/snapshot", seconds=secs, connections=32)
        a = wrk(server.base + path, seconds=secs, connections=32, headers={"Accept-Encoding": "gzip"})
        b2 = wrk(f"http://127.0.0.1:{lport}/snapshot", seconds=secs, connections=32)
        b = {"rps": (b1["rps"] + b2["rps"]) / 2}
    except Exception as e:  # wrk missing or its output unreadable
        return failed(f"wrk: {e}"[:200])
    finally:
        _kill_group(limit)
        limit.wait()
        shutil.rmtree(bodies, ignore_errors=True)
    return {"app_rps": a["rps"], "limit_rps": b["rps"], "ratio": round(a["rps"] / b["rps"], 2) if b["rps"] else None,
            "errors": a["errors"], "bytes": len(r.content), "gzip_bytes": len(gzip.compress(r.content, 5))}


# --- Chromium --------------------------------------------------------------------------------------------------

INIT = """
performance.setResourceTimingBufferSize(100000);
new MutationObserver(() => {
  if (!window.__readyAt && document.body && document.body.dataset.ready === '1') window.__readyAt = performance.now();
}).observe(document, {attributes: true, subtree: true, attributeFilter: ['data-ready']});
"""

BYTES_BEFORE_READY = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  let b = nav ? nav.transferSize : 0;
  for (const e of performance.getEntriesByType('resource')) if (e.responseEnd <= window.__readyAt) b += e.transferSize;
  return b;
}"""

# Jumps (End, Home, a date on the slider): from the key or the input event until the instant shown has changed,
# its zones are ready and a frame has been drawn.
JUMPS = """async ([actions, timeoutMs]) => {
  const slider = document.querySelector('input[type=range]');
  const raf = () => new Promise(r => requestAnimationFrame(() => r()));
  const settle = async (before, t0, mayStay) => {
    while (!((mayStay || document.body.dataset.instant !== before) && document.body.dataset.ready === '1')) {
      if (performance.now() - t0 > timeoutMs) return null;
      await raf();
    }
    await raf();
    return performance.now() - t0;
  };
  const out = [];
  for (const a of actions) {
    const before = document.body.dataset.instant;
    const t0 = performance.now();
    if (a.key) {
      slider.focus();
      slider.dispatchEvent(new KeyboardEvent('keydown', {key: a.key, bubbles: true, cancelable: true}));
    } else {
      slider.value = String(Math.round(Number(slider.min) + a.frac * (Number(slider.max) - Number(slider.min))));
      slider.dispatchEvent(new Event('input', {bubbles: true}));
    }
    if (a.setup) await new Promise(r => setTimeout(r, 300));  // not timed: let any queued render or fetch start
    const ms = await settle(before, t0, !!a.setup);
    out.push(ms);
    if (ms === null) break;
  }
  return out;
}"""

# Play from Home at the fastest speed for `days` of the period (or to the end, or until the time limit); every
# step's time is the gap between the last frame before the instant changed and the first frame after its zones
# were ready (a step that fits in one frame costs ~16.7 ms).
PLAY = """async ([days, timeoutMs]) => {
  const slider = document.querySelector('input[type=range]');
  const raf = () => new Promise(r => requestAnimationFrame(() => r()));
  const key = (k) => { slider.focus(); slider.dispatchEvent(new KeyboardEvent('keydown', {key: k, bubbles: true, cancelable: true})); };
  const frames = [];
  let running = true;
  const loop = () => { frames.push(performance.now()); if (running) requestAnimationFrame(loop); };
  requestAnimationFrame(loop);
  const events = [];
  const mo = new MutationObserver(() => events.push({t: performance.now(), instant: document.body.dataset.instant, ready: document.body.dataset.ready}));
  mo.observe(document.body, {attributes: true, attributeFilter: ['data-instant', 'data-ready']});
  const speed = document.querySelector('select.tc-speed');
  if (speed && speed.options.length) { speed.value = speed.options[speed.options.length - 1].value; speed.dispatchEvent(new Event('change', {bubbles: true})); }
  const start = Date.parse(document.body.dataset.instant);
  const t0 = performance.now();
  key(' ');
  let reason = 'time limit';
  while (performance.now() - t0 < timeoutMs) {
    await new Promise(r => setTimeout(r, 100));
    if (Date.parse(document.body.dataset.instant) - start >= days * 86400000) { reason = 'played'; break; }
    const pb = document.querySelector('.tc-play');
    if (pb && pb.getAttribute('aria-pressed') === 'false' && performance.now() - t0 > 3000) { reason = 'reached the end'; break; }
  }
  const pb = document.querySelector('.tc-play');
  if (!pb || pb.getAttribute('aria-pressed') !== 'false') key(' ');
  await raf(); await raf();
  running = false;
  mo.disconnect();
  const steps = [];
  let lastInstant = null;
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e.instant === lastInstant) continue;
    lastInstant = e.instant;
    let readyT = e.ready === '1' ? e.t : null;
    for (let j = i + 1; readyT === null && j < events.length; j++) if (events[j].ready === '1') readyT = events[j].t;
    if (readyT === null) continue;
    let before = null, after = null;
    for (const f of frames) { if (f < e.t) before = f; else if (f > readyT) { after = f; break; } }
    if (before !== null && after !== null) steps.push(after - before);
  }
  return {steps, reason, played_days: (Date.parse(document.body.dataset.instant) - start) / 86400000, seconds: (performance.now() - t0) / 1000};
}"""


def pct(xs: list[float], p: float) -> float | None:
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None
    return round(xs[min(len(xs) - 1, max(0, int(round(p * len(xs))) - 1))], 1)


def browser(server: Server, facts: dict) -> dict:
    from playwright.sync_api import Error as PWError
    from playwright.sync_api import sync_playwright

    out: dict = {}
    tmo = CFG["BENCH_PAGE_TIMEOUT"] * 1000
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                                    "--disable-sync", "--no-first-run", "--disable-quic"])
        try:
            for path in ("/", "/embed"):
                firsts, sizes, err = [], [], None
                for _ in range(CFG["BENCH_PAGE_RUNS"]):
                    ctx = b.new_context(viewport={"width": 1280, "height": 800})
                    ctx.add_init_script(INIT)
                    page = ctx.new_page()
                    try:
                        page.goto(server.base + path, wait_until="commit", timeout=tmo)
                        page.wait_for_function("() => window.__readyAt !== undefined", timeout=tmo, polling=100)
                        firsts.append(page.evaluate("window.__readyAt"))
                        sizes.append(page.evaluate(BYTES_BEFORE_READY))
                    except PWError as e:
                        err = ("did not finish in %d s" % CFG["BENCH_PAGE_TIMEOUT"]) if "Timeout" in str(e) else str(e).splitlines()[0][:150]
                    finally:
                        ctx.close()
                    if err:
                        break
                key = "root" if path == "/" else "embed"
                out[f"{key}_first_zones_ms"] = failed(err) if err else round(statistics.median(firsts), 1)
                out[f"{key}_bytes_before_zones"] = failed(err) if err else int(statistics.median(sizes))
                log(f"{path}: first zones {out[f'{key}_first_zones_ms']} ms, {out[f'{key}_bytes_before_zones']} B")
            if isinstance(out["root_first_zones_ms"], dict):
                msg = f"not measured: the page {out['root_first_zones_ms']['error']}"
                for k in ("jump_ms_p95_with_fetch", "jump_ms_p95_loaded", "play_step_ms_p95", "heap_mb_after_play_and_end"):
                    out[k] = failed(msg)
                return out
            ctx = b.new_context(viewport={"width": 1280, "height": 800})
            ctx.add_init_script(INIT)
            page = ctx.new_page()
            cdp = ctx.new_cdp_session(page)
            try:
                page.goto(server.base + "/", wait_until="commit", timeout=tmo)
                page.wait_for_function("() => window.__readyAt !== undefined", timeout=tmo, polling=100)
                rng = random.Random(5)
                page.evaluate(JUMPS, [[{"key": "Home", "setup": True}], tmo])  # a known start (not timed)
                actions = []
                for k in range(12):
                    actions.append({"key": "End"} if k % 4 == 0 else {"key": "Home"} if k % 4 == 2 else {"frac": rng.uniform(0.05, 0.95)})
                first = page.evaluate(JUMPS, [actions, tmo])
                page.evaluate(JUMPS, [[{"key": "Home", "setup": True}], tmo])
                second = page.evaluate(JUMPS, [actions, tmo])
                done = [x for x in first if x is not None]
                out["jump_ms_p95_with_fetch"] = pct(done, 0.95) if len(done) == len(actions) else \
                    failed(f"a jump did not finish in {CFG['BENCH_PAGE_TIMEOUT']} s")
                done2 = [x for x in second if x is not None]
                out["jump_ms_p95_loaded"] = pct(done2, 0.95) if len(done2) == len(actions) else \
                    failed(f"a jump did not finish in {CFG['BENCH_PAGE_TIMEOUT']} s")
                out["jumps"] = {"first": first, "second": second}
                log(f"jumps: p95 {out['jump_ms_p95_with_fetch']} ms (first pass), {out['jump_ms_p95_loaded']} ms (again)")
                page.evaluate(JUMPS, [[{"key": "Home", "setup": True}], tmo])
                play = page.evaluate(PLAY, [CFG["BENCH_PLAY_DAYS"], CFG["BENCH_PLAY_TIMEOUT"] * 1000])
                out["play"] = {k: v for k, v in play.items() if k != "steps"} | {"steps": len(play["steps"])}
                out["play_step_ms_p95"] = pct(play["steps"], 0.95) if play["steps"] else failed("no step was seen")
                out["play_step_ms_median"] = pct(play["steps"], 0.5)
                page.evaluate(JUMPS, [[{"key": "End", "setup": True}], tmo])
                cdp.send("HeapProfiler.collectGarbage")
                used = cdp.send("Runtime.getHeapUsage")["usedSize"]
                out["heap_mb_after_play_and_end"] = round(used / 2**20, 1)
                log(f"play: {out['play']}, step p95 {out['play_step_ms_p95']} ms, heap {out['heap_mb_after_play_and_end']} MB")
            except PWError as e:
                msg = f"did not finish in {CFG['BENCH_PAGE_TIMEOUT']} s" if "Timeout" in str(e) else str(e).splitlines()[0][:150]
                for k in ("jump_ms_p95_with_fetch", "jump_ms_p95_loaded", "play_step_ms_p95", "heap_mb_after_play_and_end"):
                    out.setdefault(k, failed(msg))
            finally:
                ctx.close()
        finally:
            b.close()
    return out


# --- one data set -----------------------------------------------------------------------------------------------

def measure_dataset(label: str, folder: Path) -> dict:
    res: dict = {"label": label}
    facts = data_facts(folder)
    res["changes"] = facts["changes"]
    url = cluster_url(f"frontline_scale_{label}")
    env = {**os.environ, "DATABASE_URL": url}
    m = run_limited([PY, "-m", "app.cli", "migrate"], env, 300)
    if "error" in m:
        return res | {"load_s": failed(f"migrate: {m['error']}")}
    r = run_limited([PY, "-m", "app.cli", "load", str(folder)], env, CFG["BENCH_LOAD_TIMEOUT"])
    res["load_s"] = r.get("seconds") if "error" not in r else failed(r["error"])
    res["load_peak_rss_mb"] = r.get("peak_rss_mb")
    log(f"{label}: load {res['load_s']} s, peak {res['load_peak_rss_mb']} MB")
    if "error" in r:
        return res
    try:
        server = Server(url)
    except NotDone as e:
        res["server"] = failed(str(e))
        return res
    try:
        res["hot_read"] = hot_read_path(server, facts)
        log(f"{label}: hot read {res['hot_read']}")
        try:
            res["browser"] = browser(server, facts)
        except Exception as e:  # Chromium crashed, ran out of memory...
            res["browser"] = failed(f"{type(e).__name__}: {e}"[:200])
        res["server_rss_mb"] = server.rss_mb() if server.p.poll() is None else failed(server.killed or "the server died")
        res["server_peak_rss_mb"] = server.hwm_mb() if server.p.poll() is None else None
        log(f"{label}: server RSS {res['server_rss_mb']} MB (peak {res['server_peak_rss_mb']})")
        res["edit"] = edit_in_the_middle(server, url, facts)
        log(f"{label}: edit {res['edit']}")
    finally:
        server.stop()
    bake_dir = Path(tempfile.mkdtemp(prefix="bench-bake-"))
    r = run_limited([PY, "-m", "app.cli", "bake", str(bake_dir)], {**env, "TILE_URL": ""}, CFG["BENCH_BAKE_TIMEOUT"])
    res["bake_s"] = r.get("seconds") if "error" not in r else failed(r["error"])
    if "error" not in r:
        res["bake_bytes"] = sum(f.stat().st_size for f in bake_dir.rglob("*") if f.is_file())
    shutil.rmtree(bake_dir, ignore_errors=True)
    log(f"{label}: bake {res['bake_s']} s")
    return res


# --- many saves on the seed data --------------------------------------------------------------------------------

def storage(url: str) -> dict:
    """Row counts and sizes of the zone-holding tables (whatever they are called) and of the whole database."""
    import psycopg
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as c:
        names = [r[0] for r in c.execute("""SELECT table_name FROM information_schema.tables
                                            WHERE table_schema = 'public' AND table_type = 'BASE TABLE'""")]
        zoneish = [n for n in names if any(w in n for w in ("zone", "cell", "face", "keyframe", "delta", "snapshot", "publication"))]
        tables = {}
        for n in zoneish:
            rows = c.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0]
            size = c.execute("SELECT pg_total_relation_size(%s)", (n,)).fetchone()[0]
            tables[n] = {"rows": rows, "bytes": size}
        db = c.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    return {"tables": tables, "database_bytes": db}


def wrk_urls(base: str, paths: list[str], seconds: int, conns: int = 4) -> dict:
    lua = Path(tempfile.mkdtemp()) / "urls.lua"
    lua.write_text("local paths = {\n" + ",\n".join(json.dumps(p) for p in paths) + "\n}\nlocal i = 0\n"
                   "request = function()\n  i = i + 1\n  return wrk.format('GET', paths[(i % #paths) + 1])\nend\n")
    r = wrk(base, seconds=seconds, connections=conns, threads=1, script=str(lua))
    shutil.rmtree(lua.parent, ignore_errors=True)
    return {"rps": r["rps"], "p50_ms": r["p50_ms"], "p99_ms": r["p99_ms"], "errors": r["errors"]}


def point_diff(server: Server, facts: dict, seed: int) -> dict:
    """/api/point and /api/diff at many distinct places and instants (so no response is a cache hit twice)."""
    rng = random.Random(seed)
    span = (facts["end"] - facts["start"]).total_seconds()
    enc = lambda t: iso(t).replace("+", "%2B")  # noqa: E731
    pts, dfs = [], []
    for _ in range(20000):
        lon, lat = rng.choice(facts["places"])
        t = facts["start"] + timedelta(seconds=rng.uniform(0, span - 60))
        pts.append(f"/api/point?lat={lat + rng.uniform(-0.02, 0.02):.5f}&lon={lon + rng.uniform(-0.02, 0.02):.5f}&at={enc(t)}")
        a, b = sorted(rng.uniform(0, span - 60) for _ in range(2))
        dfs.append(f"/api/diff?from={enc(facts['start'] + timedelta(seconds=int(a)))}&to={enc(facts['start'] + timedelta(seconds=int(b)))}")
    secs = max(3, CFG["BENCH_WRK_SECONDS"] // 2)
    wrk_urls(server.base, pts[-2000:] + dfs[-2000:], 2)  # warm-up (other URLs)
    pts, dfs = pts[:-2000], dfs[:-2000]
    return {"point": wrk_urls(server.base, pts, secs), "diff": wrk_urls(server.base, dfs, secs)}


def many_saves(folder: Path) -> dict:
    res: dict = {}
    facts = data_facts(folder)
    url = cluster_url("frontline_scale_saves")
    env = {**os.environ, "DATABASE_URL": url}
    for cmd in (["migrate"], ["load", str(folder)]):
        r = run_limited([PY, "-m", "app.cli", *cmd], env, CFG["BENCH_LOAD_TIMEOUT"])
        if "error" in r:
            return {"error": f"{cmd[0]}: {r['error']}"}
    try:
        server = Server(url)
    except NotDone as e:
        return failed(str(e))
    try:
        res["before"] = {"storage": storage(url), **point_diff(server, facts, 1)}
        log(f"saves: before {res['before']}")
        c = editor_client(server, url)
        rid = a_report_id(c)
        rng = random.Random(11)
        span = (facts["end"] - facts["start"]).total_seconds()
        rev = current_revision(c)
        times, errors, t0 = [], [], time.monotonic()
        stop = None
        for i in range(CFG["BENCH_SAVES"]):
            if time.monotonic() - t0 > CFG["BENCH_SAVES_BUDGET"]:
                stop = f"stopped after {i} saves: the budget of {CFG['BENCH_SAVES_BUDGET']} s was spent"
                break
            lon, lat = rng.choice(facts["places"])
            x0, y0, x1, y1 = facts["extent"]  # stay well inside the extent (a save outside it is refused)
            lon, lat = min(max(lon, x0 + 0.08), x1 - 0.08), min(max(lat, y0 + 0.08), y1 - 0.08)
            at = facts["start"] + timedelta(minutes=int(rng.uniform(1, span / 60 - 1)))
            body = {"faction": rng.choice(facts["factions"]), "at": iso(at),
                    "geometry": star(rng, lon + rng.uniform(-0.03, 0.03), lat + rng.uniform(-0.03, 0.03), rng.uniform(0.005, 0.02)),
                    "confidence": "claimed", "report_ids": [rid], "note": f"bench save {i}", "summary_en": f"Bench save {i}", "base_revision": rev,
                    "confirm_large": True, "confirm_adds_source": True}  # random stars: some change nothing
            try:
                ms, r = timed(c.post, "/api/changes", json=body)
            except httpx.TimeoutException:
                stop = f"save {i + 1} did not finish in {CFG['BENCH_EDIT_TIMEOUT']} s"
                break
            if r.status_code == 409:
                rev = current_revision(c)
                continue
            if r.status_code >= 400:
                errors.append(f"{r.status_code}: {r.text[:120]}")
                continue
            rev = r.json()["revision"]
            times.append(ms)
            if (len(times)) % 50 == 0:
                log(f"saves: {len(times)} done, last 50 p95 {pct(times[-50:], 0.95)} ms")
        c.close()
        res["saves"] = len(times)
        res["save_errors"] = len(errors)
        res["save_error_examples"] = errors[:3]
        res["stopped"] = stop
        res["seconds"] = round(time.monotonic() - t0, 1)
        n = min(50, len(times) // 2) if len(times) >= 4 else 0
        if n:
            res["first_p95_ms"] = pct(times[:n], 0.95)
            res["last_p95_ms"] = pct(times[-n:], 0.95)
            res["ratio"] = round(res["last_p95_ms"] / res["first_p95_ms"], 2)
            res["window"] = n
        res["after"] = {"storage": storage(url), **point_diff(server, facts, 1)}
        log(f"saves: {res['saves']} in {res['seconds']} s, {res.get('first_p95_ms')} -> {res.get('last_p95_ms')} ms; after {res['after']}")
    except NotDone as e:
        res["error"] = str(e)
    finally:
        server.stop()
    return res


# --- the table ---------------------------------------------------------------------------------------------------

def _get(d: dict, path: str):
    for k in path.split("."):
        if not isinstance(d, dict):
            return None
        if "error" in d and len(d) <= 2 and k not in d:
            return d
        d = d.get(k)
    return d


def _cell(c: dict, key: str):
    if isinstance(c.get("load_s"), dict):  # the load did not finish: nothing else was measured
        if key in ("load_s", "load_peak_rss_mb"):
            return c.get(key)
        return {"error": "not measured: the load did not finish"}
    if isinstance(c.get("server"), dict) and key not in ("load_s", "load_peak_rss_mb", "bake_s"):
        return {"error": f"not measured: {c['server']['error']}"}
    return _get(c, key)


def _fmt(v, unit: str) -> str:
    if v is None:
        return "—"
    if isinstance(v, dict) and "error" in v:
        return v["error"].replace("|", "/")
    if unit == "s":
        return f"{v:,.1f} s"
    if unit == "ms":
        return f"{v:,.0f} ms" if v >= 100 else f"{v:,.1f} ms"
    if unit == "MB":
        return f"{v:,.0f} MB"
    if unit == "B":
        return f"{v / 2**20:,.2f} MB" if v >= 2**20 else f"{v / 1024:,.0f} KB"
    if unit == "x":
        return f"{v:.2f}"
    if unit == "n":
        return f"{v:,.0f}"
    return str(v)


# (what, path in a data set's results, unit, target text, check on the value)
ROWS = [
    ("`frontline load` time", "load_s", "s", "<= 5 min", lambda v: v <= 300),
    ("`frontline load` peak resident memory (the CLI process)", "load_peak_rss_mb", "MB", "—", None),
    ("`/` in Chromium: first zones (median)", "browser.root_first_zones_ms", "ms", "<= 1.5 s", lambda v: v <= 1500),
    ("`/embed` in Chromium: first zones (median)", "browser.embed_first_zones_ms", "ms", "<= 1.5 s", lambda v: v <= 1500),
    ("bytes fetched before first zones, `/`", "browser.root_bytes_before_zones", "B", "<= 1.5 MB", lambda v: v <= 1.5 * 2**20),
    ("bytes fetched before first zones, `/embed`", "browser.embed_bytes_before_zones", "B", "<= 1.5 MB", lambda v: v <= 1.5 * 2**20),
    ("JS heap after playing a month and jumping to the end (after GC)", "browser.heap_mb_after_play_and_end", "MB", "<= 150 MB", lambda v: v <= 150),
    ("showing an arbitrary instant (End, Home, a date on the slider), p95, first time", "browser.jump_ms_p95_with_fetch", "ms",
     "<= 600 ms with the fetch", lambda v: v <= 600),
    ("the same instants again (windows loaded), p95", "browser.jump_ms_p95_loaded", "ms", "<= 150 ms", lambda v: v <= 150),
    ("a step while playing (fastest speed), p95 frame gap", "browser.play_step_ms_p95", "ms", "<= 33 ms", lambda v: v <= 33),
    ("edit in the middle: preview", "edit.preview_ms", "ms", "<= 1 s", lambda v: v <= 1000),
    ("edit in the middle: save", "edit.save_ms", "ms", "<= 3 s", lambda v: v <= 3000),
    ("edit in the middle: revert", "edit.revert_ms", "ms", "<= 3 s", lambda v: v <= 3000),
    ("first `/api/snapshot` after a publish (cold), after the save", "edit.cold_snapshot_after_save_ms", "ms", "<= 200 ms", lambda v: v <= 200),
    ("first `/api/snapshot` after a publish (cold), after the revert", "edit.cold_snapshot_after_revert_ms", "ms", "<= 200 ms", lambda v: v <= 200),
    ("hot read path (`/api/snapshot`) / a minimal ASGI app serving the same bytes", "hot_read.ratio", "x", ">= 0.5", lambda v: v >= 0.5),
    ("hot `/api/snapshot` req/s (32 connections, gzip)", "hot_read.app_rps", "n", "—", None),
    ("server resident memory after serving the viewer", "server_rss_mb", "MB", "<= 600 MB", lambda v: v <= 600),
    ("`frontline bake` of the whole period", "bake_s", "s", "<= 10 min", lambda v: v <= 600),
]


def write_table(results: dict, path: Path) -> str:
    cols = results["datasets"]
    labels = [c["label"] for c in cols]
    wars = [c for c in cols if c["label"] != "seed"]
    judge = wars[-1] if wars else (cols[-1] if cols else None)
    full = judge is not None and judge["label"] == "1000d"
    head = [results_header(results), "",
            "| what | " + " | ".join(c["title"] for c in cols) + " | target | met? |",
            "| --- | " + " | ".join("---:" for _ in cols) + " | --- | --- |"]
    lines = list(head)
    for what, key, unit, target, check in ROWS:
        vals = [_cell(c, key) for c in cols]
        met = "—"
        if check and judge is not None:
            v = vals[cols.index(judge)]
            ok = isinstance(v, (int, float)) and check(v)
            met = ("yes" if ok else "**no**") + ("" if full else f" (at {judge['title']})")
        lines.append(f"| {what} | " + " | ".join(_fmt(v, unit) for v in vals) + f" | {target} | {met} |")
    s = results.get("saves") or {}
    lines += ["", "### 1,000 sequential saves at random instants on the seed data (over HTTP, as an editor)", ""]
    if "error" in s and "saves" not in s:
        lines.append(f"Not measured: {s['error']}")
    elif s:
        b, a = s.get("before", {}), s.get("after", {})
        lines += ["| what | before | after | target | met? |", "| --- | ---: | ---: | --- | --- |"]
        done = f"{s['saves']} saves in {s['seconds']:,.0f} s" + (f" ({s['stopped']})" if s.get("stopped") else "") + \
               (f", {s['save_errors']} refused" if s.get("save_errors") else "")
        if s.get("window"):
            ok = s["ratio"] <= 1.5
            lines.append(f"| save p95, first {s['window']} vs last {s['window']} ({done}) | {_fmt(s['first_p95_ms'], 'ms')} | "
                         f"{_fmt(s['last_p95_ms'], 'ms')} (x{s['ratio']}) | last <= 1.5x first | {'yes' if ok else '**no**'} |")
        else:
            lines.append(f"| saves ({done}) | | | | |")
        tb, ta = b.get("storage", {}).get("tables", {}), a.get("storage", {}).get("tables", {})
        for t in sorted(set(tb) | set(ta)):
            x, y = tb.get(t, {}), ta.get(t, {})
            lines.append(f"| `{t}` rows / size | {x.get('rows', 0):,} / {_fmt(x.get('bytes', 0), 'B')} | "
                         f"{y.get('rows', 0):,} / {_fmt(y.get('bytes', 0), 'B')} | grows with the changes' size | see rows |")
        db0, db1 = b.get("storage", {}).get("database_bytes"), a.get("storage", {}).get("database_bytes")
        if db0 and db1:
            lines.append(f"| whole database | {_fmt(db0, 'B')} | {_fmt(db1, 'B')} | | |")
        for k in ("point", "diff"):
            x, y = b.get(k), a.get(k)
            if x and y:
                ok = y["p50_ms"] <= 1.2 * x["p50_ms"]
                lines.append(f"| `/api/{k}` p50 (4 connections, distinct URLs; req/s) | {x['p50_ms']:.1f} ms ({x['rps']:,.0f}/s) | "
                             f"{y['p50_ms']:.1f} ms ({y['rps']:,.0f}/s) | unchanged | {'yes' if ok else '**no**'} |")
        if s.get("save_error_examples"):
            lines.append("")
            lines.append("Refused saves (examples): " + "; ".join(e.replace("|", "/") for e in s["save_error_examples"]))
    lines += ["", "Not measured here: the time axis at a year or more (readable labels, aggregated ticks, a date picker) "
              "needs a look (`../shared/tools/look.py` on the 1,000-day war).", ""]
    section = "\n".join(lines)
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    begin, end = "<!-- scale:begin -->", "<!-- scale:end -->"
    block = f"{begin}\n{section}\n{end}"
    if begin in text and end in text:
        text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text)
    return section


def results_header(results: dict) -> str:
    c = results["config"]
    return (f"## Scale (issue 14): the seed data and synthetic wars side by side\n\n"
            f"Measured {results['when']} on {results['machine']} by `bench/scale.py` ({results['seconds']:,.0f} s in all). "
            f"Wars from `bench/genwar.py`: {c['BENCH_PER_DAY']} changes a day, a {c['BENCH_FRONT_VERTICES']:,}-vertex front, "
            f"{c['BENCH_CHANGE_VERTICES']}-vertex changes, seed {c['BENCH_SEED']}. Limits: load {c['BENCH_LOAD_TIMEOUT']} s, "
            f"bake {c['BENCH_BAKE_TIMEOUT']} s, a request {c['BENCH_EDIT_TIMEOUT']} s, a page {c['BENCH_PAGE_TIMEOUT']} s, "
            f"{c['BENCH_MAX_RSS_MB']:,} MB resident. 'met?' judges the largest war measured. "
            "**The machine's 2 cores are shared with other work: timings are noisy (compare columns within one run).** "
            "Time figures are medians of "
            f"{c['BENCH_PAGE_RUNS']} page loads; jumps and steps are p95 over 12 jumps and every step of the play.")


def main() -> int:
    from bench.run import machine

    # A SIGTERM runs the `finally` blocks too, so no server or helper process is left behind.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    OUT.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    results = {"when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": machine(),
               "config": {**CFG, "BENCH_WAR_DAYS": war_days()}, "datasets": []}
    todo = []
    if CFG["BENCH_SCALE_SEED_DATA"]:
        todo.append(("seed", "seed data", ROOT / "data"))
    for d in war_days():
        folder = OUT / f"war-{d}d"
        t = time.perf_counter()
        info = generate(folder, days=d, per_day=CFG["BENCH_PER_DAY"], front_vertices=CFG["BENCH_FRONT_VERTICES"],
                        change_vertices=CFG["BENCH_CHANGE_VERTICES"], seed=CFG["BENCH_SEED"])
        log(f"generated {d}-day war: {info['changes']} changes in {time.perf_counter() - t:.1f} s")
        todo.append((f"{d}d", f"{d:,} days ({info['changes']:,} changes)", folder))
    for label, title, folder in todo:
        r = measure_dataset(label, folder)
        r["title"] = title
        results["datasets"].append(r)
        (OUT / "scale.json").write_text(json.dumps(results, indent=1, default=str))
    if CFG["BENCH_SAVES"] > 0:
        results["saves"] = many_saves(ROOT / "data")
    results["seconds"] = time.monotonic() - t0
    (OUT / "scale.json").write_text(json.dumps(results, indent=1, default=str))
    print(write_table(results, ROOT / "bench" / "RESULTS.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
