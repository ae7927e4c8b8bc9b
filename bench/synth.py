"""Synthetic history: the seed data set with its history multiplied (x10, x100 changes, same region).

Every seed change after the baseline is repeated `factor - 1` more times, a minute apart, alternating
between 'contested' and its own faction, so each copy really changes zones (the fold creates versions).
"""
import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path


def make(src: Path, dst: Path, factor: int) -> Path:
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("tools", "base"))
    ds = json.loads((src / "dataset.json").read_text())
    end = datetime.fromisoformat(ds["end"]) - timedelta(minutes=1)
    fc = json.loads((src / "geojson" / "changes.geojson").read_text())
    start = ds["start"]
    out = []
    for f in fc["features"]:
        out.append(f)
        p = f["properties"]
        if p["at"] == start:
            continue
        at = datetime.fromisoformat(p["at"])
        for k in range(1, factor):
            t = min(at + timedelta(minutes=k), end)
            q = dict(p, key=f"{p['key']}-x{k}", at=t.isoformat(), faction="contested" if k % 2 else p["faction"],
                     summary_en=f"synthetic copy {k} of {p['key']}")
            out.append({"type": "Feature", "geometry": f["geometry"], "properties": q})
    fc["features"] = out
    (dst / "geojson" / "changes.geojson").write_text(json.dumps(fc))
    return dst
