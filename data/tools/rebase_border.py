"""Move the control zones from one Syria border to another (optional, one-off: run when the border changes).

    python data/tools/rebase_border.py [--data data] [--old FILE] [--new FILE] [--dry-run]
    python data/tools/rebase_border.py --governorates     # the map's governorate layer onto the same line

Used once to move `data/geojson/changes.geojson` from Natural Earth's 10m border (`worldatlas_neighbours_admin0`)
to the OpenStreetMap-derived 100 m border (`geomaps_borders_syria_area`, made by extract_border.py):

* every change is clipped to the new Syria outline (ground beyond the new line leaves the zones);
* where the new outline reaches beyond the old one, the ground between the two lines (a "gain" piece) joins
  every change whose edge ran along the old line there, so the zone that stopped at the old line now stops at
  the new one; a gain piece bordered by two zones is cut where their shared edge met the old line (that edge
  carried on straight across the piece), each part going to its own zone; a piece no change bordered stays
  unassigned. Later baseline features still override earlier ones in the fold, as before;
* the file is written one feature per line. Clipping can cut off corners of a zone smaller than the check's
  sliver size (where a hand-drawn edge met the old line just short of the new one): the tool then runs
  `frontline data tidy`, which gives each such face to the neighbour it shares the longest edge with, puts back
  the lines of the changes the border did not move (tidy rewrites every line), and runs `frontline data check`.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import shapely
from shapely.geometry import LineString, MultiPolygon, Point, box, mapping, shape
from shapely.ops import linemerge, nearest_points, split, unary_union

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.tools import datacheck  # noqa: E402
from app.tools.datacheck import _km2, _polygons, write_features  # noqa: E402

TOL = 2e-5      # degrees (~2 m): a change's edge within this of the old line runs along it
COVER = 0.98    # share of a gain piece's old-line edge a change must run along to take the whole piece


def syria(path: Path):
    for f in json.loads(path.read_text(encoding="utf-8"))["features"]:
        p = f["properties"]
        if p.get("a3") == "SYR" or p.get("name") == "Syria":
            return shape(f["geometry"])
    raise SystemExit(f"{path}: no Syria feature")


def _cut_lines(piece, edge, old_line, new_line, changes, extent_edge):
    """Lines across `piece` from each point where a change's edge leaves the old line inside the piece's old-line
    edge: the change's own edge there (its last segment before the old line) carried on straight across the
    piece, or, where that edge runs along the old line, straight to the nearest point of the new line."""
    cuts = []
    reach = 0.05  # degrees: longer than any piece is wide
    for g in changes:
        along = g.boundary.intersection(old_line.buffer(TOL))
        if along.geom_type == "MultiLineString":
            along = linemerge(along)  # joins the pieces that meet where a ring starts
        for part in getattr(along, "geoms", [along]):
            if part.is_empty or part.length < TOL or part.is_ring:
                continue
            for end in (Point(part.coords[0]), Point(part.coords[-1])):
                if edge.distance(end) > TOL or extent_edge.distance(end) < TOL:
                    continue  # not on this piece's old-line edge, or where the zone meets the extent's edge
                found = _inward_edge(g, end, old_line)
                if found:
                    end, d = found
                else:
                    far = nearest_points(new_line, end)[0]
                    d = (far.x - end.x, far.y - end.y)
                n = max((d[0] ** 2 + d[1] ** 2) ** 0.5, 1e-12)
                ux, uy = d[0] / n, d[1] / n
                cuts.append(LineString([(end.x - ux * 5 * TOL, end.y - uy * 5 * TOL),
                                        (end.x + ux * reach, end.y + uy * reach)]))
    return cuts


def _inward_edge(g, end, old_line):
    """(vertex, direction): g's vertex on the old line at `end` (the intersection with the line's buffer may
    stop a little past it) and the direction of g's edge arriving there from off the old line."""
    best = None
    for poly in _polygons(g):
        for ring in [poly.exterior, *poly.interiors]:
            cs = list(ring.coords)[:-1]
            for i, c in enumerate(cs):
                d = Point(c).distance(end)
                if d > 20 * TOL or Point(c).distance(old_line) > TOL or (best and best[0] <= d):
                    continue
                for nb in (cs[i - 1], cs[(i + 1) % len(cs)]):
                    mid = Point((nb[0] + c[0]) / 2, (nb[1] + c[1]) / 2)
                    if mid.distance(old_line) > TOL:
                        best = (d, Point(c), (c[0] - nb[0], c[1] - nb[1]))
    return best[1:] if best else None


def rebase(features: list[dict], old, new, extent) -> tuple[list[dict], dict]:
    ext = box(*extent)
    old_line, new_line = old.boundary, new.boundary
    geoms = [shape(f["geometry"]) for f in features]
    touching = [i for i, g in enumerate(geoms) if g.boundary.intersection(old_line.buffer(TOL)).length > TOL]
    gain = [p for p in _polygons(new.difference(old).intersection(ext)) if p.area > 0]
    stats = {"gain_pieces": len(gain), "gain_km2": round(sum(_km2(p) for p in gain), 2), "assigned": {},
             "unassigned_km2": 0.0, "lost_km2": round(_km2(old.difference(new).intersection(ext)), 2), "split": 0}
    add: dict[int, list] = {i: [] for i in touching}
    for piece in gain:
        edge = piece.boundary.intersection(old_line.buffer(TOL))
        if edge.length < TOL:
            stats["unassigned_km2"] += _km2(piece)
            continue
        cuts = _cut_lines(piece, edge, old_line, new_line, [geoms[i] for i in touching], ext.boundary)
        parts = [piece]
        if cuts:
            parts = [p for p in split(piece, unary_union(cuts)).geoms if p.area > 0]
            stats["split"] += len(parts) > 1
        owners = []
        for part in parts:
            pedge = part.boundary.intersection(old_line.buffer(TOL))
            owners.append([i for i in touching if pedge.length > TOL and
                           pedge.intersection(geoms[i].buffer(TOL)).length >= COVER * pedge.length])
        # A part a cut separated from the old line takes the owners of the part it shares the longest edge with.
        for k, part in enumerate(parts):
            if not owners[k] and part.boundary.intersection(old_line.buffer(TOL)).length <= TOL:
                shared = [(part.boundary.intersection(q.boundary).length, j) for j, q in enumerate(parts) if j != k and owners[j]]
                if shared and max(shared)[0] > 0:
                    owners[k] = owners[max(shared)[1]]
        for part, who in zip(parts, owners):
            if not who:
                stats["unassigned_km2"] += _km2(part)
            for i in who:
                add[i].append(part)
    out = []
    for i, (f, g) in enumerate(zip(features, geoms)):
        g2 = g.intersection(new)
        if add.get(i):
            g2 = unary_union([g2, *add[i]])
            stats["assigned"][f["properties"]["key"]] = round(sum(_km2(p) for p in add[i]), 2)
        polys = [p for p in _polygons(shapely.make_valid(g2)) if p.area > 0]
        if not polys:
            raise SystemExit(f"change {f['properties']['key']} lies wholly outside the new border")
        g2 = polys[0] if len(polys) == 1 else MultiPolygon(polys)
        if not g2.equals(g):
            stats.setdefault("changed", []).append(f["properties"]["key"])
        out.append({"properties": f["properties"], "geometry": mapping(g2)})
    stats["unassigned_km2"] = round(stats["unassigned_km2"], 3)
    return out, stats


GOV_FILE, GOV_DISPLAY = "ne10m_admin1_syria.geojson", "governorates_display.geojson"


def governorates(data: Path) -> dict:
    """The governorates the map draws (Natural Earth admin-1, whose outer edges trace Natural Earth's border to
    within 200 m) moved onto the map's country line (countries_display.geojson) with the same rebase, so the
    dashed governorate lines do not run beside the border. Writes geojson/base/governorates_display.geojson."""
    base = data / "geojson" / "base"
    fc = json.loads((base / GOV_FILE).read_text(encoding="utf-8"))
    feats = [{"properties": {**f["properties"], "key": f["properties"].get("iso_3166_2")}, "geometry": f["geometry"]}
             for f in fc["features"]]
    old = unary_union([shape(f["geometry"]) for f in fc["features"]])
    new = syria(base / "countries_display.geojson")
    x0, y0, x1, y1 = old.union(new).bounds
    out, stats = rebase(feats, old, new, [x0 - 1, y0 - 1, x1 + 1, y1 + 1])
    lines = []
    for f in out:
        g = shapely.set_precision(shape(f["geometry"]), 1e-5)
        props = {k: v for k, v in f["properties"].items() if k != "key"}
        lines.append(json.dumps({"type": "Feature", "properties": props, "geometry": mapping(g)},
                                ensure_ascii=False, separators=(",", ":")))
    text = '{"type": "FeatureCollection", "name": "governorates", "features": [\n' + ",\n".join(lines) + "\n]}\n"
    (base / GOV_DISPLAY).write_text(text, encoding="utf-8")
    return {k: v for k, v in stats.items() if k != "changed"}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT / "data")
    ap.add_argument("--old", type=Path, help="old border file (default geojson/base/worldatlas_neighbours_admin0.geojson)")
    ap.add_argument("--new", type=Path, help="new border file (default geojson/base/geomaps_borders_syria_area.geojson)")
    ap.add_argument("--dry-run", action="store_true", help="print what would change, write nothing")
    ap.add_argument("--no-tidy", dest="tidy", action="store_false",
                    help="write the rebased changes only (default: then `data tidy`, keep the untouched lines, check)")
    ap.add_argument("--governorates", action="store_true",
                    help=f"instead: write geojson/base/{GOV_DISPLAY}, the governorates on the map's country line")
    args = ap.parse_args(argv)
    if args.governorates:
        print(json.dumps(governorates(args.data), indent=1))
        return 0
    base = args.data / "geojson" / "base"
    old = syria(args.old or base / "worldatlas_neighbours_admin0.geojson")
    new = syria(args.new or base / "geomaps_borders_syria_area.geojson")
    extent = json.loads((args.data / "dataset.json").read_text(encoding="utf-8"))["extent"]
    path = args.data / "geojson" / "changes.geojson"
    fc = json.loads(path.read_text(encoding="utf-8"))
    feats, stats = rebase(fc["features"], old, new, extent)
    print(json.dumps(stats, indent=1))
    if args.dry_run:
        return 0
    before = path.read_text(encoding="utf-8").split("\n")
    write_features(path, feats, fc.get("name", "changes"))
    if args.tidy:
        datacheck.tidy(args.data)
        # tidy rewrites every line; put back the lines of the changes the new border did not touch, so the diff
        # shows only the changes that moved
        changed = set(stats.get("changed", []))
        keep = {json.loads(x.rstrip(","))["properties"]["key"]: x for x in before if x.startswith('{"type":"Feature"')}
        lines = path.read_text(encoding="utf-8").split("\n")
        for i, x in enumerate(lines):
            if x.startswith('{"type":"Feature"'):
                key = json.loads(x.rstrip(","))["properties"]["key"]
                if key not in changed and key in keep:
                    lines[i] = keep[key] if x.endswith(",") == keep[key].endswith(",") else keep[key].rstrip(",") + ("," if x.endswith(",") else "")
        path.write_text("\n".join(lines), encoding="utf-8")
    print(f"{path}: rewritten ({len(stats.get('changed', []))} of {len(feats)} changes moved)")
    if args.tidy:
        problems, figures = datacheck.check(args.data)
        print("\n".join(problems) if problems else f"check: ok; {figures}")
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
