"""Redraw the control changes' lines at village level (issue 28): the line between two factions passes between
the settlements each holds, and follows a river where the drawn line ran along it.

    python data/tools/village_lines.py [--data data] [--villages ../shared/geodata/wof_localities_nw_syria.geojson]
                                       [--dry-run]

The reference settlements are the points of a village gazetteer the user brings (by default Who's On First's
localities in ../shared/geodata/, which stay there: only the lines drawn with them enter the data set), the
GeoNames places of `geojson/base/` (Syria only) and the data set's own gazetteer (`geojson/places.geojson`:
towns, neighbourhoods, bases, landmarks). Points closer than MERGE_KM to a point of a higher priority (the data
set's gazetteer first, then GeoNames, then the village file) are the same settlement and are dropped.

Method, for every change (baselines included):

1. every settlement is given the ground nearer to it than to any other (its Voronoi cell, cut to Syria and to
   the data set's extent); a cell a river crosses is cut along the river (GSHHG lines of `geojson/base/`);
2. a settlement the change's hand-drawn area covers goes with the change, with its cell; a piece of a cell
   across a river from its settlement goes with the change when the drawn area covers most of it (so a line
   drawn along a river now follows the river's own course);
3. the change's new area is the union of those cells. A change that covers no settlement (a base, a palace
   compound drawn smaller than the cells around it) keeps its drawn area.

So the ground the editor gave a faction is redrawn as the ground of the settlements inside it: the line between
two factions runs half way between the nearest settlements each holds, bending with where the settlements are.
Shared edges come out identical because every change is cut from the same cells; the tool then runs
`frontline data tidy` and `frontline data check`. No vertex is added on a straight line: the spacing of the
lines is the spacing of the settlements (the check measures it between turning vertices only).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiPoint, MultiPolygon, Point, box, mapping, shape
from shapely.ops import split, unary_union
from shapely.strtree import STRtree

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.tools import datacheck  # noqa: E402
from app.tools.datacheck import _km2, _polygons, write_features  # noqa: E402

MERGE_KM = 0.3        # two reference points closer than this are one settlement
RIVER_MIN_KM = 5.0    # rivers shorter than this do not cut cells
KM = 111.32


def _syria(path: Path):
    for f in json.loads(path.read_text(encoding="utf-8"))["features"]:
        p = f["properties"]
        if p.get("a3") == "SYR" or p.get("name") == "Syria":
            return shape(f["geometry"])
    raise SystemExit(f"{path}: no Syria feature")


def settlements(data: Path, villages: Path | None, extent) -> np.ndarray:
    """Reference points (lon, lat), the data set's gazetteer first, duplicates within MERGE_KM dropped."""
    pts: list[tuple[float, float]] = []
    gaz = json.loads((data / "geojson" / "places.geojson").read_text(encoding="utf-8"))["features"]
    pts += [tuple(f["geometry"]["coordinates"]) for f in gaz if f["properties"].get("kind") != "road"]
    gn = data / "geojson" / "base" / "geonames_places_syria_area.geojson"
    if gn.exists():
        pts += [tuple(f["geometry"]["coordinates"]) for f in json.loads(gn.read_text())["features"]
                if f["properties"].get("cc") == "SY"]
    if villages is not None and villages.exists():
        pts += [tuple(f["geometry"]["coordinates"][:2]) for f in json.loads(villages.read_text())["features"]]
    r = MERGE_KM / KM
    keep = [p for p in pts if extent[0] <= p[0] <= extent[2] and extent[1] <= p[1] <= extent[3]]
    # Drop later points within r of an earlier one (grid hash, cell size r).
    out, grid = [], {}
    for p in keep:
        gx, gy = int(p[0] // r), int(p[1] // r)
        near = False
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for q in grid.get((gx + dx, gy + dy), ()):
                    if datacheck._dist_km(p, q) < MERGE_KM:
                        near = True
        if not near:
            grid.setdefault((gx, gy), []).append(p)
            out.append(p)
    return np.asarray(out)


def cells(points: np.ndarray, clip, rivers) -> tuple[list, list[int]]:
    """The Voronoi cells of the points cut to `clip` and along `rivers`: (pieces, index of each piece's point)."""
    mp = MultiPoint([tuple(p) for p in points])
    vor = shapely.voronoi_polygons(mp, extend_to=clip.envelope.buffer(0.5))
    polys = list(vor.geoms)
    tree = STRtree(polys)
    pts = shapely.points(points)
    owner = {}
    for i, j in zip(*tree.query(pts, predicate="intersects")):
        owner.setdefault(int(j), int(i))
    shapely.prepare(clip)
    pieces, who = [], []
    river_tree = STRtree(list(rivers.geoms)) if rivers is not None else None
    for j, cell in enumerate(polys):
        if j not in owner:
            continue
        c = cell.intersection(clip)
        if c.is_empty:
            continue
        parts = _polygons(c)
        if river_tree is not None:
            hits = river_tree.query(c, predicate="intersects")
            if len(hits):
                lines = unary_union([rivers.geoms[int(k)] for k in hits])
                cut = []
                for p in parts:
                    try:
                        cut += _polygons(split(p, lines))
                    except Exception:
                        cut.append(p)
                parts = cut
        for p in parts:
            if p.area > 0:
                pieces.append(p)
                who.append(owner[j])
    return pieces, who


def redraw(geom, pieces, who, own, coveredpt_xys: np.ndarray, clip):
    """The change's area as the union of the pieces of the settlements it covers (see the module's notes).
    own[k]: piece k holds its settlement's point (else it lies across a river from it)."""
    if not coveredpt_xys.any():
        return None
    shapely.prepare(geom)
    chosen = []
    for p, i, o in zip(pieces, who, own):
        if o:
            if coveredpt_xys[i]:
                chosen.append(p)
        elif geom.intersects(p) and p.intersection(geom).area > 0.5 * p.area:
            chosen.append(p)
    if not chosen:
        return None
    return shapely.union_all(chosen, grid_size=1e-7).intersection(clip)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(ROOT / "data"))
    ap.add_argument("--villages", default=str(ROOT.parent / "shared" / "geodata" / "wof_localities_nw_syria.geojson"))
    ap.add_argument("--only", action="append", help="redraw only these change keys (repeat)")
    ap.add_argument("--dry-run", action="store_true")
    a = ap.parse_args(argv)
    data = Path(a.data)
    ds = json.loads((data / "dataset.json").read_text())
    extent = ds["extent"]
    clip = _syria(data / "geojson" / "base" / "geomaps_borders_syria_area.geojson").intersection(box(*extent))
    rivers_path = data / "geojson" / "base" / "gshhg_rivers_nw_syria.geojson"
    rivers = None
    if rivers_path.exists():
        ls = [shape(f["geometry"]) for f in json.loads(rivers_path.read_text())["features"]]
        rivers = shapely.MultiLineString([l for l in ls if l.length * KM >= RIVER_MIN_KM])
    pt_xy = settlements(data, Path(a.villages) if a.villages else None, extent)
    print(f"{len(pt_xy)} settlements", file=sys.stderr)
    pieces, who = cells(pt_xy, clip, rivers)
    print(f"{len(pieces)} cell pieces", file=sys.stderr)
    path = data / "geojson" / "changes.geojson"
    fc = json.loads(path.read_text(encoding="utf-8"))
    pts = shapely.points(pt_xy)
    own = [p.covers(pts[i]) for p, i in zip(pieces, who)]
    for f in fc["features"]:
        key = f["properties"]["key"]
        if a.only and key not in a.only:
            continue
        g = shape(f["geometry"])
        covered = shapely.covers(g, pts)
        new = redraw(g, pieces, who, own, covered, clip)
        if new is None or new.is_empty:
            print(f"{key}: covers no settlement; drawn area kept", file=sys.stderr)
            continue
        polys = [p for p in _polygons(new) if _km2(p) >= datacheck.SLIVER_KM2]
        new = polys[0] if len(polys) == 1 else MultiPolygon(polys)
        print(f"{key}: {int(covered.sum())} settlements, {_km2(g):.0f} -> {_km2(new):.0f} km2, "
              f"{len(shapely.get_coordinates(g))} -> {len(shapely.get_coordinates(new))} vertices", file=sys.stderr)
        f["geometry"] = mapping(new)
    if a.dry_run:
        return 0
    write_features(path, fc["features"], fc.get("name", "changes"))
    n = datacheck.tidy(data)
    print(f"tidied {n} changes", file=sys.stderr)
    problems, figures = datacheck.check(data)
    for p in problems:
        print("  " + p, file=sys.stderr)
    print("\n".join(datacheck.describe_fronts(figures.get("fronts", {}))) if figures else "", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
