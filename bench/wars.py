"""`make bench`, wars section (issue 25): one instance holding five wars against each war alone in its own database.

The five wars: the Aleppo week (data/), two synthetic long wars (bench/genwar.py, two seeds), a war built from a
year of daily snapshots (`war add` + `import-snapshots --war`, tests/archive_series.py's series) and an empty war
going on (`war add` with no end). The shared instance is made with the CLI as a user makes it; each war alone is
the same commands in a database of its own. For each war, side by side in one run and with the same code
(bench/scale.py's): first zones and bytes before them in Chromium (median of BENCH_PAGE_RUNS), jump p95, an
edit in the middle (preview, save, the cold snapshot after the publish, revert). Then, on the shared server: its
memory after serving all five viewers, and whether a save in one war left the other wars' responses and ETags
as they were.

| variable | default | what |
| --- | --- | --- |
| BENCH_WARS_DAYS | 1000 | days of each synthetic long war |
| BENCH_WARS_SNAPSHOT_DAYS | 365 | daily snapshots of the imported war |
| (bench/scale.py's) | | BENCH_PER_DAY, BENCH_PAGE_RUNS, timeouts... |

Quick run: `BENCH_WARS_DAYS=30 BENCH_WARS_SNAPSHOT_DAYS=20 BENCH_PAGE_RUNS=1 .venv/bin/python bench/wars.py`.
Results: bench/out/wars.json and the wars section of bench/RESULTS.md.
"""
from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import scale  # noqa: E402
from bench.genwar import generate  # noqa: E402
from tests.archive_series import write_folder  # noqa: E402

DAYS = scale.env_int("BENCH_WARS_DAYS", 1000)
SNAP_DAYS = scale.env_int("BENCH_WARS_SNAPSHOT_DAYS", 365)
BEGIN, END = "<!-- wars:begin -->", "<!-- wars:end -->"
log = scale.log


def cli(url: str, *args: str, stdin: str | None = None, timeout: int = 1800) -> dict:
    r = scale.run_limited([scale.PY, "-m", "app.cli", *args], {**os.environ, "DATABASE_URL": url, "TILE_URL": ""},
                          timeout, stdin=stdin)
    if "error" in r:
        raise scale.NotDone(f"frontline {' '.join(args[:3])}: {r['error']}")
    return r


class WarView:
    """One war of a server, seen at its own addresses (/w/SLUG/... on the shared server, / alone)."""

    def __init__(self, server, prefix: str):
        self.server, self.base, self.p = server, server.base + prefix, server.p

    def rss_mb(self):
        return self.server.rss_mb()


def make_wars(tmp: Path) -> list[dict]:
    """The five wars: slug, how to build it (a folder to load, or `war add` options and snapshots to import)."""
    wars = [{"slug": "aleppo-2024", "folder": ROOT / "data"}]
    for i, seed in enumerate((1, 2)):
        folder = tmp / f"long-{seed}"
        info = generate(folder, days=DAYS, per_day=scale.CFG["BENCH_PER_DAY"], front_vertices=scale.CFG["BENCH_FRONT_VERTICES"],
                        change_vertices=scale.CFG["BENCH_CHANGE_VERTICES"], seed=seed)
        log(f"generated a {DAYS}-day war (seed {seed}): {info['changes']} changes")
        wars.append({"slug": f"long-{'ab'[i]}", "folder": folder})
    series = tmp / "series"
    write_folder(series, date(2022, 3, 1), SNAP_DAYS, (31.0, 48.5), 2.0, vertices=3000)
    wars.append({"slug": "year", "series": series, "add": [
        "--title", "A year of snapshots", "--start", "2022-02-24", "--end", "2023-12-31", "--extent", "22,44,41,53",
        "--faction", "ru:Red:#D55E00", "--faction", "ua:Blue:#0072B2", "--time-zone", "Europe/Kyiv", "--baseline", "ua"]})
    start = (datetime.now(timezone.utc) - timedelta(days=3)).date().isoformat()
    wars.append({"slug": "now", "add": [
        "--title", "A war going on", "--start", start, "--extent", "40,10,44,14", "--faction", "a:Side A:#0072B2",
        "--faction", "b:Side B:#D55E00", "--time-zone", "Africa/Khartoum", "--baseline", "a"]})
    return wars


def build(url: str, war: dict, *, alone: bool) -> dict:
    """Put one war in the database at `url` (as the default war when `alone`, else beside the others)."""
    t = time.monotonic()
    target = [] if alone else ["--war", war["slug"]]
    if "folder" in war:
        cli(url, "load", str(war["folder"]), *target)
    else:
        cli(url, "war", "add", war["slug"], *war["add"])
        if "series" in war:
            cli(url, "import-snapshots", str(war["series"]), "--war", war["slug"], "--faction", "ru", "--remainder", "ua",
                "--report", "source-1", "--quiet")
    return {"build_s": round(time.monotonic() - t, 1)}


def facts_of(url: str, war: dict, tmp: Path, alone: bool) -> dict | None:
    """bench/scale.py's facts (period, instants, a change in the middle): from the folder loaded, or from the war as
    stored (export-dataset)."""
    if "folder" in war:
        return scale.data_facts(war["folder"])
    folder = tmp / f"facts-{war['slug']}-{'alone' if alone else 'shared'}"
    cli(url, "export-dataset", str(folder), *([] if alone else ["--war", war["slug"]]))
    changes = json.loads((folder / "geojson" / "changes.geojson").read_text())["features"]
    if len(changes) < 2:
        return None
    ds = json.loads((folder / "dataset.json").read_text())
    if not ds.get("end"):  # a war going on: its period ends at the latest change
        ds["end"] = max(f["properties"]["at"] for f in changes)
        (folder / "dataset.json").write_text(json.dumps(ds))
    return scale.data_facts(folder)


def settle(server, quiet: float = 0.05, most: float = 600) -> float:
    """Wait until the server has done what it does after starting or after a publish (it builds every window of
    each war's latest revision in the background): its CPU time grows by less than `quiet` of a core over two
    seconds. Returns the seconds waited."""
    def cpu() -> float:
        fields = Path(f"/proc/{server.p.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    t0 = time.monotonic()
    last = cpu()
    while time.monotonic() - t0 < most:
        time.sleep(2)
        now = cpu()
        if now - last < 2 * quiet:
            break
        last = now
    return round(time.monotonic() - t0, 1)


def first_zones(view) -> dict:
    """First zones and bytes before them only (a war with one instant has nothing to jump to or play)."""
    import statistics

    from playwright.sync_api import sync_playwright

    firsts, sizes = [], []
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"])
        try:
            for _ in range(scale.CFG["BENCH_PAGE_RUNS"]):
                ctx = b.new_context(viewport={"width": 1280, "height": 800})
                ctx.add_init_script(scale.INIT)
                page = ctx.new_page()
                page.goto(view.base + "/", wait_until="commit", timeout=scale.CFG["BENCH_PAGE_TIMEOUT"] * 1000)
                page.wait_for_function("() => window.__readyAt !== undefined", timeout=scale.CFG["BENCH_PAGE_TIMEOUT"] * 1000)
                firsts.append(page.evaluate("window.__readyAt"))
                sizes.append(page.evaluate(scale.BYTES_BEFORE_READY))
                ctx.close()
        finally:
            b.close()
    return {"root_first_zones_ms": round(statistics.median(firsts), 1), "root_bytes_before_zones": int(statistics.median(sizes))}


def measure(view, url: str, facts: dict | None) -> dict:
    out: dict = {}
    try:
        out["browser"] = scale.browser(view, facts) if facts is not None else first_zones(view)
    except Exception as e:
        out["browser"] = scale.failed(f"{type(e).__name__}: {e}"[:200])
    if facts is not None:
        out["edit"] = scale.edit_in_the_middle(view, url, facts)
    return out


def etags(server, slugs: list[str], default: str) -> dict:
    out = {}
    with httpx.Client(timeout=120) as c:
        for slug in slugs:
            base = server.base + ("" if slug == default else f"/w/{slug}")
            out[slug] = {p: c.get(base + p).headers.get("etag") for p in ("/api/timeline", "/api/factions", "/api/areas.csv")}
    return out


def row(w: dict) -> list[str]:
    def g(side, *path):
        v = w.get(side) or {}
        for k in path:
            v = v.get(k) if isinstance(v, dict) else None
        return v

    cells = []
    for path, unit in ((("browser", "root_first_zones_ms"), "ms"), (("browser", "root_bytes_before_zones"), "B"),
                       (("browser", "jump_ms_p95_with_fetch"), "ms"), (("edit", "save_ms"), "ms"),
                       (("edit", "cold_snapshot_after_save_ms"), "ms")):
        a, s = g("alone", *path), g("shared", *path)
        if isinstance(a, (int, float)) and isinstance(s, (int, float)) and a:
            cells.append(f"{s:,.0f} / {a:,.0f} ({s / a:.2f}x)" if unit == "ms" else f"{s:,} / {a:,} ({s / a:.2f}x)")
        else:
            cells.append(f"{scale._fmt(s, unit)} / {scale._fmt(a, unit)}")
    return [w["slug"], *cells]


def write(results: dict) -> str:
    lines = [BEGIN, "## Five wars on one instance (bench/wars.py)", "",
             f"{results['when']}, {results['machine']}. Each cell: the war on the shared instance / the same war alone in "
             "its own database (ratio); measured side by side in one run, with the same code (bench/scale.py's). "
             f"Synthetic wars: {DAYS:,} days x {scale.CFG['BENCH_PER_DAY']} changes; the imported war: {SNAP_DAYS} daily "
             "snapshots.", "",
             "| war | first zones | bytes before them | jump p95 | save in the middle | cold snapshot after the save |",
             "| --- | --- | --- | --- | --- | --- |"]
    lines += ["| " + " | ".join(row(w)) + " |" for w in results["wars"]]
    lines += ["", f"Shared server after serving all five viewers: {results.get('server_rss_mb', '?')} MB resident "
              f"(peak {results.get('server_peak_rss_mb', '?')} MB; bound 800 MB).",
              f"A save and its revert in `{results.get('isolation', {}).get('saved_in', '?')}` left the other wars' "
              f"ETags {'unchanged' if results.get('isolation', {}).get('others_unchanged') else 'CHANGED'} "
              f"({results.get('isolation', {}).get('compared', 0)} responses compared).", END]
    text = "\n".join(lines)
    path = ROOT / "bench" / "RESULTS.md"
    old = path.read_text() if path.exists() else ""
    if BEGIN in old and END in old:
        new = old[:old.index(BEGIN)] + text + old[old.index(END) + len(END):]
    else:
        new = old.rstrip() + "\n\n" + text + "\n"
    path.write_text(new)
    return text


def main() -> int:
    from bench.run import machine

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    scale.OUT.mkdir(parents=True, exist_ok=True)
    results = {"when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": machine(), "wars": []}
    tmp = Path(tempfile.mkdtemp(prefix="bench-wars-"))
    wars = make_wars(tmp)
    shared_url = scale.cluster_url("frontline_wars_shared")
    cli(shared_url, "migrate")
    for w in wars:
        w["shared_build"] = build(shared_url, w, alone=False)
        log(f"shared: {w['slug']} built in {w['shared_build']['build_s']} s")
    default = wars[0]["slug"]
    # bench/scale.py's editor, given every war of the shared instance (its `user add` then keeps them).
    grants = [a for w in wars for a in ("--war", w["slug"])]
    cli(shared_url, "user", "add", scale.EDITOR[0], "--role", "editor", *grants, stdin=scale.EDITOR[1] + "\n")
    # Each war alone, measured right after the same war on the shared server (side by side, same load).
    shared = scale.Server(shared_url)
    try:
        for w in wars:
            alone_url = scale.cluster_url(f"frontline_wars_alone_{w['slug'].replace('-', '_')}")
            cli(alone_url, "migrate")
            build(alone_url, w, alone=True)
            entry = {"slug": w["slug"]}
            facts = facts_of(shared_url, w, tmp, alone=False)
            settle(shared)
            entry["shared"] = measure(WarView(shared, f"/w/{w['slug']}"), shared_url, facts)
            alone = scale.Server(alone_url)
            try:
                settle(alone)
                entry["alone"] = measure(WarView(alone, ""), alone_url, facts_of(alone_url, w, tmp, alone=True))
            finally:
                alone.stop()
            results["wars"].append(entry)
            log(f"{w['slug']}: {row(entry)}")
            (scale.OUT / "wars.json").write_text(json.dumps(results, indent=1, default=str))
        results["server_rss_mb"] = shared.rss_mb()
        results["server_peak_rss_mb"] = shared.hwm_mb()
        # Isolation: a save (and its revert) in one long war; every other war's responses keep their ETags.
        slugs = [w["slug"] for w in wars]
        before = etags(shared, slugs, default)
        facts = facts_of(shared_url, wars[1], tmp, alone=False)
        scale.edit_in_the_middle(WarView(shared, f"/w/{wars[1]['slug']}"), shared_url, facts)
        after = etags(shared, slugs, default)
        others = [s for s in slugs if s != wars[1]["slug"]]
        results["isolation"] = {"saved_in": wars[1]["slug"], "compared": sum(len(before[s]) for s in others),
                                "others_unchanged": all(before[s] == after[s] for s in others),
                                "own_changed": before[wars[1]["slug"]] != after[wars[1]["slug"]]}
    finally:
        shared.stop()
    (scale.OUT / "wars.json").write_text(json.dumps(results, indent=1, default=str))
    print(write(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
