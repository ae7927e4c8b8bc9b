"""`frontline import-snapshots` on a generated year: 365 daily snapshots of a 3,000-vertex MultiPolygon
(every third day unchanged), into a fresh data set made by `frontline dataset init`, through the real CLI.

Prints one line (and --json a JSON object) with the import time; the issue's bound is 2 minutes.
Run: .venv/bin/python bench/import_snapshots.py [--days 365] [--vertices 3000] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.archive_series import write_folder  # noqa: E402

PY = str(ROOT / ".venv" / "bin" / "python")


def cluster_url(name: str) -> str:
    from app import PROJECT_ROOT
    from app.platform.pgcluster import Cluster
    return Cluster(Path(os.environ.get("FRONTLINE_STATE_DIR", PROJECT_ROOT / "var"))).ensure_database(name, fresh=True)


def frontline(*args: str, env: dict) -> subprocess.CompletedProcess:
    r = subprocess.run([PY, "-m", "app.cli", *args], env=env, capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(f"frontline {args[0]} failed:\n{r.stderr[-3000:]}")
    return r


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--vertices", type=int, default=3000)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    env = {**os.environ, "DATABASE_URL": cluster_url("frontline_bench_import")}
    with tempfile.TemporaryDirectory() as tmp:
        war, series = Path(tmp) / "war", Path(tmp) / "series"
        frontline("dataset", "init", str(war), "--title", "Generated year", "--start", "2022-02-24", "--end", "2023-12-31",
                  "--extent", "22,44,41,53", "--faction", "ru:Red:#D55E00", "--faction", "ua:Blue:#0072B2",
                  "--utc-offset", "+02:00", "--baseline", "ua", env=env)
        frontline("load", str(war), "--replace", env=env)
        write_folder(series, date(2022, 3, 1), a.days, (31.0, 48.5), 2.0, vertices=a.vertices)
        size = sum(p.stat().st_size for p in series.iterdir())
        t0 = time.monotonic()
        out = frontline("import-snapshots", str(series), "--faction", "ru", "--remainder", "ua", "--report", "source-1",
                        "--quiet", env=env)
        seconds = time.monotonic() - t0
        t1 = time.monotonic()
        again = frontline("import-snapshots", str(series), "--faction", "ru", "--remainder", "ua", "--report", "source-1",
                          "--quiet", env=env)
        reimport = time.monotonic() - t1
    changes = next((ln for ln in out.stdout.splitlines() if ln.startswith("changes made")), "?")
    result = {"days": a.days, "vertices": a.vertices, "input_mb": round(size / 1e6, 1), "import_s": round(seconds, 1),
              "reimport_s": round(reimport, 1), "summary": changes, "bound_s": 120,
              "reimport_summary": next((ln for ln in again.stdout.splitlines() if ln.startswith("changes made")), "?")}
    print(f"import-snapshots: {a.days} daily snapshots of a {a.vertices:,}-vertex MultiPolygon ({result['input_mb']} MB): "
          f"{seconds:.1f} s (bound 120 s; {changes}); re-import (nothing to change) {reimport:.1f} s")
    if a.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
