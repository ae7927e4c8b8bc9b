"""Peak memory of `frontline import-snapshots` on hostile and oversized files (issue 29, item 6; bound 1 GB).

Generates, in a temporary folder: a 2.0 MB .gz that unpacks to 2 GiB, a 240 MB GeoJSON of one polygon with
10 million points (imported with --dry-run), 10^6 tiny polygons (155 MB) as a FeatureCollection, and the same
10^6 polygons as a GeoJSON sequence (read line by line up to the feature limit). Runs the real CLI on each in a
child process, into a fresh data set, and reads that child's peak resident memory from os.wait4's rusage.
Prints a table and appends it to bench/RESULTS.md under "Import limits (issue 29)" (--no-write to skip).
Run: .venv/bin/python bench/import_limits.py
"""
from __future__ import annotations

import argparse
import gzip
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.import_snapshots import PY, cluster_url, frontline  # noqa: E402

MiB = 1 << 20
BOUND = 1 << 30  # 1 GiB


def gz_bomb(path: Path) -> None:
    """A FeatureCollection's head and 2 GiB of spaces: one 1 MiB member compressed once and repeated (gzip
    readers read concatenated members as one stream)."""
    member = gzip.compress(b" " * MiB, 9)
    with open(path, "wb") as f:
        f.write(gzip.compress(b'{"type":"FeatureCollection","features":['))
        for _ in range(2048):
            f.write(member)


def big_polygon(path: Path, points: int = 10_000_000) -> None:
    """One feature, one ring of `points` positions (a circle inside the extent), 24 bytes a point."""
    import math
    with open(path, "w") as f:
        f.write('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"date":"2022-03-01"},'
                '"geometry":{"type":"Polygon","coordinates":[[')
        step = 100_000
        for start in range(0, points, step):
            f.write(",".join(f"[{31 + 2 * math.cos(2 * math.pi * k / points):.7f},{48.5 + 1.5 * math.sin(2 * math.pi * k / points):.7f}]"
                             for k in range(start, min(points, start + step))))
            f.write(",")
        f.write("[33.0000000,48.5000000]]]}}]}\n")


def tiny_polygons(path: Path, n: int = 1_000_000, seq: bool = False) -> None:
    with open(path, "w") as f:
        if not seq:
            f.write('{"type":"FeatureCollection","features":[\n')
        for i in range(n):
            x, y = 25 + (i % 1000) * 0.01, 45 + (i // 1000) * 0.007
            feat = (f'{{"type":"Feature","properties":{{"date":"2022-03-01"}},"geometry":{{"type":"Polygon","coordinates":'
                    f'[[[{x:.4f},{y:.4f}],[{x + .001:.4f},{y:.4f}],[{x + .001:.4f},{y + .001:.4f}],[{x:.4f},{y:.4f}]]]}}}}')
            f.write(feat + ("\n" if seq else (",\n" if i < n - 1 else "\n")))
        if not seq:
            f.write("]}\n")


def measure(path: Path, env: dict, *extra: str) -> dict:
    t0 = time.monotonic()
    with tempfile.TemporaryFile() as out:
        p = subprocess.Popen([PY, "-m", "app.cli", "import-snapshots", str(path), "--faction", "ru", "--remainder", "ua",
                              "--report", "source-1", "--quiet", *extra], env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(p.pid, 0)  # this child's own rusage: ru_maxrss is its peak, in KiB
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode(errors="replace").strip().splitlines()
    return {"file": path.name, "size_mb": path.stat().st_size / 1e6, "rc": p.returncode, "seconds": time.monotonic() - t0,
            "peak_mb": usage.ru_maxrss * 1024 / 1e6, "says": " / ".join(text)[:200]}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-write", action="store_true", help="print only; do not append to bench/RESULTS.md")
    a = ap.parse_args()
    env = {**os.environ, "DATABASE_URL": cluster_url("frontline_bench_limits")}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        war = tmp / "war"
        frontline("dataset", "init", str(war), "--title", "Limits", "--start", "2022-02-24", "--end", "2023-12-31",
                  "--extent", "22,44,41,53", "--faction", "ru:Red:#D55E00", "--faction", "ua:Blue:#0072B2",
                  "--utc-offset", "+02:00", "--baseline", "ua", env=env)
        frontline("load", str(war), "--replace", env=env)
        cases = [("2022-03-01.geojson.gz", gz_bomb, (), ".gz unpacking to 2 GiB"),
                 ("points.geojson", big_polygon, ("--dry-run",), "GeoJSON, one polygon of 10 million points, --dry-run"),
                 ("tiny.geojson", tiny_polygons, (), "10^6 tiny polygons, FeatureCollection"),
                 ("tiny.geojsonl", lambda p: tiny_polygons(p, seq=True), (), "10^6 tiny polygons, GeoJSON sequence"),
                 # the most features the default limits accept, in one FeatureCollection (17 MB)
                 ("most.geojson", lambda p: tiny_polygons(p, n=100_000), ("--dry-run",),
                  "100,000 tiny polygons, the feature limit (accepted), --dry-run")]
        for name, make, extra, label in cases:
            p = tmp / name
            make(p)
            r = measure(p, env, *extra)
            r["label"] = label
            rows.append(r)
            p.unlink()
            print(f"{label}: exit {r['rc']}, {r['seconds']:.1f} s, peak {r['peak_mb']:.0f} MB -- {r['says']}", flush=True)
    ok = all(r["peak_mb"] * 1e6 <= BOUND for r in rows)
    lines = ["", "## Import limits (issue 29): peak memory of import-snapshots on hostile files (bound 1 GB)", "",
             f"`bench/import_limits.py`, {datetime.now(timezone.utc):%Y-%m-%d}, default limits (256 MB a file decompressed, "
             "32 MB a document read whole or a sequence line, 100,000 features and 5,000,000 vertices an import). "
             "Peak = the child process's maximum resident set (os.wait4).", "",
             "| file | size | exit | time | peak | what it says |", "| --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        says = r["says"].replace("|", "/")
        lines.append(f"| {r['label']} | {r['size_mb']:,.1f} MB | {r['rc']} | {r['seconds']:.1f} s | {r['peak_mb']:,.0f} MB | {says} |")
    lines.append("")
    lines.append(f"All under 1 GB: {'yes' if ok else 'NO'}. Before (issue 29): 4.3 GB (the .gz), 4.8 GB and 298 s (10 million "
                 "points, --dry-run), over 3.1 GB when stopped (10^6 polygons).")
    print("\n".join(lines))
    if not a.no_write:
        with open(ROOT / "bench" / "RESULTS.md", "a") as f:
            f.write("\n".join(lines) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
