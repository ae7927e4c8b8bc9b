"""Generated snapshot series for the archive tests and bench/import_snapshots.py: wobbly discs with many
vertices that grow and shrink day by day (some days unchanged), written as dated files."""
from __future__ import annotations

import json
import math
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, box, mapping


GOLDEN = math.pi * (3 - math.sqrt(5))


def _moves(day: int) -> list[tuple[float, float]]:
    """(sector centre angle, signed push) of every day up to `day` that moved the front: each day the front
    moves in one sector only (as real fronts do), advancing, with a set-back every fifth day; every third day
    repeats the day before."""
    out = []
    for d in range(1, day + 1):
        if d % 3 == 2:
            continue
        out.append(((d * GOLDEN) % (2 * math.pi), -1.0 if d % 5 == 4 else 1.0))
    return out


def blob(cx: float, cy: float, r: float, vertices: int, moves: list[tuple[float, float]], offset: float = 0.0) -> Polygon:
    t = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    rr = r * (1 + 0.08 * np.sin(7 * t) + 0.03 * np.sin(31 * t))
    width = 0.35  # radians: a push moves about 6% of the border; vertices outside it stay exactly where they were
    for centre, sign in moves:
        dt = np.angle(np.exp(1j * (t - centre - offset)))
        inside = np.abs(dt) < width
        rr = rr + np.where(inside, sign * 0.04 * r * np.cos(dt / width * np.pi / 2) ** 2, 0.0)
    return Polygon(np.column_stack([cx + rr * np.cos(t), cy + 0.8 * rr * np.sin(t)]))


def occupied(day: int, center: tuple[float, float], size: float, vertices: int = 3000) -> MultiPolygon:
    """One faction's area on day `day`: two blobs of vertices/2 each, their fronts moving locally day by day."""
    moves = _moves(day)
    cx, cy = center
    a = blob(cx - size * 0.3, cy, size * 0.25, vertices // 2, moves)
    b = blob(cx + size * 0.35, cy + size * 0.1, size * 0.15, vertices // 2, moves, offset=1.0)
    return MultiPolygon([a, b])


def two_factions(day: int, center: tuple[float, float], size: float, vertices: int = 400) -> dict[str, MultiPolygon]:
    """'red' holds the blobs; 'blue' holds a box around them minus red's area, its east edge retreating
    (area that nobody in the snapshot gains: it goes to the remainder)."""
    red = occupied(day, center, size, vertices)
    cx, cy = center
    east = cx + size * (0.9 - 0.03 * (day - (1 if day % 3 == 2 else 0)))
    blue = shapely.difference(box(cx - size * 0.9, cy - size * 0.6, east, cy + size * 0.6), red)
    return {"red": red, "blue": blue}


def write_folder(folder: Path, first: date, days: int, center, size, vertices: int = 3000, *, faction_prop: str | None = None,
                 name: str = "deepstate-{d:%Y%m%d}.geojson") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(days):
        g = occupied(i, center, size, vertices)
        props = {faction_prop: "red"} if faction_prop else {}
        p = folder / name.format(d=first + timedelta(days=i))
        p.write_text(json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": props, "geometry": mapping(g)}]}))
        out.append(p)
    return out


def write_single_file(path: Path, first: date, days: int, center, size, vertices: int = 400, *, seq: bool = False) -> Path:
    feats = []
    for i in range(days):
        for f, g in two_factions(i, center, size, vertices).items():
            feats.append({"type": "Feature", "properties": {"date": f"{first + timedelta(days=i):%Y-%m-%d}", "side": f},
                          "geometry": mapping(g)})
    if seq:
        path.write_text("\n".join("\x1e" + json.dumps(f) for f in feats) + "\n")
    else:
        path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    return path
