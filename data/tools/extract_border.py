"""Cut the finer country borders for the data set's area out of npm `@geo-maps/countries-land-100m`.

    python data/tools/extract_border.py PATH/TO/package/map.geo.json [--data data] [--margin 0.25]

Recipe for data/geojson/base/geomaps_borders_syria_area.geojson (committed; the 126 MB package file is not):

* `npm pack @geo-maps/countries-land-100m@0.6.0`, unpack it, and pass its `package/map.geo.json`;
* keeps Syria and its neighbours (Turkey, Iraq, Lebanon, Jordan: property `A3`), each cut to the data set's
  extent (`dataset.json`) plus a margin, so that every zone edge on a border lies strictly inside the box;
* the package draws land only (lakes and wide rivers are holes, islands in them separate parts): the extract keeps
  each country's outer rings and drops the holes and the parts inside them, so the outline is the international
  border and the coast, and Lake Assad or Lake Jabbul stay inside Syria (the rivers layer draws the water);
  water it leaves between two countries (the Euphrates at the Jarablus crossing) joins the country holding most
  of its shore;
* features narrower than about 60 m (port jetties, spikes where the source's rings double back) are opened away,
  below the source's 100 m resolution (they made needles in the zones clipped to the outline);
* coordinates rounded to 5 decimals (about 1 m; the source has 4), one feature per line (diffable).

It also writes data/geojson/base/countries_display.geojson, the country layer the map draws: Natural Earth's
whole countries (from worldatlas_neighbours_admin0.geojson) with the 100 m line inside the box.

Standard library and shapely only. Data: OpenStreetMap contributors, ODbL 1.0 (see data/geojson/base/LICENSE.md).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import shapely
from shapely.geometry import MultiPolygon, Polygon, box, mapping, shape
from shapely.ops import unary_union
from shapely.validation import make_valid

COUNTRIES = {"SYR": "Syria", "TUR": "Turkey", "IRQ": "Iraq", "LBN": "Lebanon", "JOR": "Jordan"}
OUT_NAME = "geomaps_borders_syria_area.geojson"
DIGITS = 5
OPEN = 0.0003   # degrees (about 30 m): features narrower than about 60 m are below the 100 m resolution
SOURCE = "npm @geo-maps/countries-land-100m 0.6.0 (OpenStreetMap contributors, ODbL 1.0)"


def read_countries(path: Path, codes) -> dict[str, dict]:
    """The features of `codes` (A3) from the package file. The package writes one feature per line, so the
    file is read line by line (the whole file is 126 MB); any other layout falls back to one json.load."""
    found: dict[str, dict] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if '"A3"' not in line:
                continue
            text = line.strip().rstrip(",")
            if text.endswith("]}"):  # the last feature closes the collection on its line
                text = text[:-2]
            try:
                f = json.loads(text)
            except json.JSONDecodeError:
                found.clear()
                break
            a3 = (f.get("properties") or {}).get("A3")
            if a3 in codes:
                found[a3] = f
    if len(found) < len(codes):
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        found = {f["properties"]["A3"]: f for f in doc["features"] if f["properties"].get("A3") in codes}
    missing = set(codes) - set(found)
    if missing:
        raise SystemExit(f"{path}: no feature with A3 in {sorted(missing)}")
    return found


def outline(geom, clip):
    """The country's outer rings inside `clip`, holes (water) filled; parts lying inside another part's filled
    ring (islands in lakes) merge into it. Parts away from the box are skipped before any overlay (some far-off
    rings of the source are invalid)."""
    filled = []
    for p in getattr(geom, "geoms", [geom]):
        ring = Polygon(p.exterior)
        if not ring.intersects(clip):
            continue
        filled.append(make_valid(ring).intersection(clip))
    return unary_union(filled)


def _round(coords):
    if isinstance(coords[0], (int, float)):
        return [round(coords[0], DIGITS), round(coords[1], DIGITS)]
    return [_round(c) for c in coords]


def fill_water(outlines: dict, clip, max_deg2: float = 0.005) -> dict:
    """The package leaves water on a border out of both countries (the Euphrates where it crosses the border at
    Jarablus). Each gap between the outlines that lies inside the box (not the sea, which reaches the box's edge)
    and is smaller than max_deg2 (about 50 km2) joins the country that holds most of its shore."""
    gaps = clip.difference(unary_union(list(outlines.values())))
    add: dict[str, list] = {a3: [] for a3 in outlines}
    for gap in getattr(gaps, "geoms", [gaps]):
        if gap.is_empty or gap.area > max_deg2 or gap.boundary.intersects(clip.boundary):
            continue
        shore = {a3: gap.boundary.intersection(g.buffer(1e-7)).length for a3, g in outlines.items()}
        best = max(shore, key=shore.get)
        if shore[best] > 0:
            add[best].append(gap)
    return {a3: unary_union([g, *add[a3]]) if add[a3] else g for a3, g in outlines.items()}


def extract(package_file: Path, extent, margin: float) -> list[dict]:
    clip = box(extent[0] - margin, extent[1] - margin, extent[2] + margin, extent[3] + margin)
    feats = []
    outlines = {a3: outline(shape(f["geometry"]), clip) for a3, f in read_countries(package_file, COUNTRIES).items()}
    for a3, g in fill_water(outlines, clip).items():
        # Open (erode, then grow back with mitred corners): jetties and breakwaters narrower than 2 * OPEN
        # (Tartus port) and hair-thin spikes go; straight edges and corners come back where they were.
        g = g.buffer(-OPEN, join_style="mitre").buffer(OPEN, join_style="mitre")
        # Snap to the written grid with shapely so that rounding cannot make a ring cross itself.
        g = shapely.set_precision(g, 10 ** -DIGITS)
        polys = [p for p in getattr(g, "geoms", [g]) if p.geom_type == "Polygon" and not p.is_empty]
        if not polys:
            continue  # a neighbour wholly outside the box (Jordan with a small margin)
        g = polys[0] if len(polys) == 1 else MultiPolygon(polys)
        m = mapping(g)
        feats.append({"type": "Feature",
                      "properties": {"a3": a3, "name": COUNTRIES[a3], "source": SOURCE},
                      "geometry": {"type": m["type"], "coordinates": _round(m["coordinates"])}})
    order = list(COUNTRIES)
    feats.sort(key=lambda f: order.index(f["properties"]["a3"]))
    return feats


def write(path: Path, feats: list[dict], clip) -> None:
    head = {"type": "FeatureCollection", "name": "countries", "bbox": [round(x, 5) for x in clip]}
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in feats]
    text = json.dumps(head, ensure_ascii=False)[:-1] + ', "features": [\n' + ",\n".join(lines) + "\n]}\n"
    path.write_text(text, encoding="utf-8")


DISPLAY_NAME = "countries_display.geojson"
NE_FILE = "worldatlas_neighbours_admin0.geojson"
NE_NAMES = {"Syria": "SYR", "Turkey": "TUR", "Iraq": "IRQ", "Lebanon": "LBN", "Jordan": "JOR"}


def display(feats: list[dict], ne_path: Path, clip_box) -> list[dict]:
    """The countries the map draws: Natural Earth's whole countries (the map can zoom out past the extract),
    with the 100 m outline inside the extract's box. Each country is one polygon joined across the box's edge,
    so no box edge is drawn (only jogs of a few hundred metres where the two sources meet it)."""
    clip = box(*clip_box)
    fine = {f["properties"]["a3"]: shape(f["geometry"]) for f in feats}
    out = []
    for f in json.loads(ne_path.read_text(encoding="utf-8"))["features"]:
        a3 = NE_NAMES.get(f["properties"].get("name"))
        g = shape(f["geometry"])
        if a3 in fine:
            g = unary_union([make_valid(g).difference(clip), fine[a3]])
        g = shapely.set_precision(g, 10 ** -DIGITS)
        polys = [p for p in getattr(g, "geoms", [g]) if p.geom_type == "Polygon" and not p.is_empty]
        g = polys[0] if len(polys) == 1 else MultiPolygon(polys)
        m = mapping(g)
        src = ("Natural Earth 10m (npm world-atlas 2.0.2); inside the box " + SOURCE) if a3 in fine else \
            "Natural Earth 10m (npm world-atlas 2.0.2)"
        out.append({"type": "Feature", "properties": {"a3": a3, "name": f["properties"]["name"], "source": src},
                    "geometry": {"type": m["type"], "coordinates": _round(m["coordinates"])}})
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("package_file", type=Path, help="map.geo.json of @geo-maps/countries-land-100m")
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1], help="data set folder")
    ap.add_argument("--margin", type=float, default=0.25, help="degrees around the extent (default 0.25)")
    args = ap.parse_args(argv)
    extent = json.loads((args.data / "dataset.json").read_text(encoding="utf-8"))["extent"]
    feats = extract(args.package_file, extent, args.margin)
    out = args.data / "geojson" / "base" / OUT_NAME
    clip = [extent[0] - args.margin, extent[1] - args.margin, extent[2] + args.margin, extent[3] + args.margin]
    write(out, feats, clip)
    n = sum(len(shapely.get_coordinates(shape(f["geometry"]))) for f in feats)
    print(f"{out}: {len(feats)} countries ({', '.join(f['properties']['name'] for f in feats)}), "
          f"{n} vertices, {out.stat().st_size} bytes")
    ne = args.data / "geojson" / "base" / NE_FILE
    if ne.exists():
        shown = display(feats, ne, clip)
        out2 = args.data / "geojson" / "base" / DISPLAY_NAME
        write(out2, shown, [min(c) for c in zip(*[shape(f["geometry"]).bounds[:2] for f in shown])] +
              [max(c) for c in zip(*[shape(f["geometry"]).bounds[2:] for f in shown])])
        n = sum(len(shapely.get_coordinates(shape(f["geometry"]))) for f in shown)
        print(f"{out2}: the map's country layer, {len(shown)} countries, {n} vertices, {out2.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
