"""Syria's border: the OpenStreetMap-derived 100 m extract (data/tools/extract_border.py) and the zones on it."""
from __future__ import annotations

import json
from datetime import datetime

import shapely
from shapely.geometry import Point, box, shape

from app import PROJECT_ROOT
from app.read import basemap
from app.tools import datacheck
from app.usecases import load as loader
from app.domain.timeline import Change, fold, state_at

DATA = PROJECT_ROOT / "data"
BASE = DATA / "geojson" / "base"


def _syria(path):
    for f in json.loads(path.read_text(encoding="utf-8"))["features"]:
        if f["properties"].get("a3") == "SYR" or f["properties"].get("name") == "Syria":
            return shape(f["geometry"])
    raise AssertionError(f"no Syria in {path}")


def _places_by_country(border):
    """GeoNames places of the extract's box on the wrong side of `border` for their country code."""
    fc = json.loads((BASE / "geonames_places_syria_area.geojson").read_text(encoding="utf-8"))
    clip = box(*json.loads((DATA / "dataset.json").read_text())["extent"])
    wrong = []
    for f in fc["features"]:
        pt = shape(f["geometry"])
        cc = f["properties"]["cc"]
        if cc in ("SY", "TR") and clip.contains(pt) and (cc == "SY") != border.contains(pt):
            wrong.append((f["properties"]["name"], cc))
    return wrong


def test_the_zones_are_clipped_to_the_new_border_and_resolution_uses_it():
    assert datacheck.border_file(DATA).name == "geomaps_borders_syria_area.geojson"
    syria = _syria(BASE / "geomaps_borders_syria_area.geojson").buffer(1e-6)
    data = loader.validate(DATA)
    outside = [c["key"] for c in data["changes"] if not syria.contains(c["geom"])]
    assert outside == []


def test_the_new_border_puts_geonames_places_on_their_countrys_side():
    """Every Syrian and Turkish GeoNames place of the extent lies on its country's side of the new line; the old
    Natural Earth line put four on the wrong side (Kobani, Tal Abyad and Kassab out of Syria, Hacıpaşa in)."""
    assert _places_by_country(_syria(BASE / "geomaps_borders_syria_area.geojson")) == []
    old_wrong = _places_by_country(_syria(BASE / "worldatlas_neighbours_admin0.geojson"))
    assert len(old_wrong) == 4 and ("Kassab", "SY") in old_wrong


def test_border_towns_are_inside_syria_and_inside_the_zone_that_holds_them():
    data = loader.validate(DATA)
    where = {p["slug"]: Point(p["lon"], p["lat"]) for p in data["places"]}
    new = _syria(BASE / "geomaps_borders_syria_area.geojson")
    old = _syria(BASE / "worldatlas_neighbours_admin0.geojson")
    versions = fold([Change(c["order"], c["at"], c["faction"], c["geom"]) for c in data["changes"]])
    st = state_at(versions, datetime.fromisoformat("2024-11-27T12:00:00+03:00"))
    for slug, faction in (("kobani", "sdf"), ("tal-abyad", "sna")):
        pt = where[slug]
        assert new.contains(pt) and not old.contains(pt), slug  # the reason for the finer border
        holders = [f for f, v in st.items() if v.geom.contains(pt)]
        assert holders == [faction], (slug, holders)
        assert st[faction].geom.boundary.distance(pt) * 111_000 * 0.8 > 300, slug  # not on a hair


def test_extract_is_small_one_feature_per_line_and_rounded():
    path = BASE / "geomaps_borders_syria_area.geojson"
    text = path.read_text(encoding="utf-8")
    fc = json.loads(text)
    lines = text.strip().split("\n")
    assert len(lines) == len(fc["features"]) + 2
    assert {f["properties"]["a3"] for f in fc["features"]} >= {"SYR", "TUR"}
    assert path.stat().st_size < 100_000
    x0, y0, x1, y1 = json.loads((DATA / "dataset.json").read_text())["extent"]
    for f in fc["features"]:
        g = shape(f["geometry"])
        assert g.is_valid, f["properties"]["name"]
        gx0, gy0, gx1, gy1 = g.bounds
        assert gx0 >= x0 - 0.26 and gy0 >= y0 - 0.26 and gx1 <= x1 + 0.26 and gy1 <= y1 + 0.26
        for x, y in shapely.get_coordinates(g):
            assert round(x, 5) == x and round(y, 5) == y


def test_the_map_draws_the_line_the_zones_stop_at():
    """Inside the data set's area the displayed Syria is the extract's Syria (so zones never spill past the
    drawn border); the attribution credits OpenStreetMap."""
    assert basemap.LAYERS["countries"] == "countries_display.geojson"
    assert "OpenStreetMap" in basemap.ATTRIBUTION.split("·")[0] and "Natural Earth" in basemap.ATTRIBUTION
    shown = _syria(BASE / "countries_display.geojson")
    fine = _syria(BASE / "geomaps_borders_syria_area.geojson")
    clip = box(*json.loads((DATA / "dataset.json").read_text())["extent"])
    diff = shown.intersection(clip).symmetric_difference(fine.intersection(clip))
    assert diff.area * 111 * 111 < 0.01  # km2


def test_front_figures_leave_the_new_border_out(monkeypatch):
    """The zones' border edges are the 100 m line (many short segments): the front figures must leave them out
    as a real feature. Measured with the old Natural Earth line as the border, the new line's edges are no
    front either (no zone lies beyond them): they count as the edge of the mapped area, which grows by about
    the border's length, and the front figures do not move."""
    got = datacheck.front_figures(DATA)
    monkeypatch.setattr(datacheck, "BORDER_FILES", ("worldatlas_neighbours_admin0.geojson",))
    with_old = datacheck.front_figures(DATA)
    assert with_old["coverage_edge_km_max"] > got["coverage_edge_km_max"] + 500
    for k in ("country_median_km", "city_median_km", "front_km_max", "longest_straight_km"):
        assert got[k] == with_old[k], k


# ------------------------------------------------------------------------------------------------ the two tools
def _tool(name):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, DATA / "tools" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_extract_border_recipe_on_a_small_package(tmp_path):
    """One feature per line as the package writes it: a lake hole is filled, river water between the two
    countries joins the one holding most of its shore, a 20 m jetty goes, everything is cut to the box."""
    from shapely.geometry import Polygon, mapping

    syr = Polygon([(36.0, 35.0), (37.0, 35.0), (37.0, 36.0), (36.6, 36.0), (36.6, 35.98), (36.5, 35.98),
                   (36.5, 36.0), (36.0, 36.0)],
                  holes=[[(36.2, 35.2), (36.3, 35.2), (36.3, 35.3), (36.2, 35.3)]])        # a lake
    syr = syr.union(Polygon([(36.8, 35.0), (36.8002, 35.0), (36.8002, 34.98), (36.8, 34.98)]))  # a 20 m jetty
    tur = Polygon([(35.5, 36.0), (36.5, 36.0), (36.5, 36.01), (36.6, 36.01), (36.6, 36.0), (37.5, 36.0),
                   (37.5, 37.0), (35.5, 37.0)])
    lines = ['{"type":"FeatureCollection", "features": [']
    feats = [(syr, "SYR"), (tur, "TUR"), (box(40, 30, 41, 31), "IRQ"), (box(35.9, 34, 36, 34.5), "LBN"),
             (box(35, 30, 36, 31), "JOR"), (box(0, 0, 1, 1), "FRA")]
    for i, (g, a3) in enumerate(feats):
        f = json.dumps({"type": "Feature", "geometry": mapping(g), "properties": {"A3": a3}})
        lines.append(f + ("," if i < len(feats) - 1 else "]}"))
    pkg = tmp_path / "map.geo.json"
    pkg.write_text("\n".join(lines) + "\n")
    eb = _tool("extract_border")
    out = {f["properties"]["a3"]: shape(f["geometry"]) for f in eb.extract(pkg, [36.1, 35.1, 36.9, 36.5], 0.2)}
    assert set(out) == {"SYR", "TUR"}  # the others lie outside the box
    s = out["SYR"]
    assert s.contains(Point(36.25, 35.25))      # the lake is Syria's
    assert s.contains(Point(36.55, 35.995))     # the river notch with Syria on three sides is Syria's
    assert not out["TUR"].contains(Point(36.55, 35.995))
    assert not s.intersects(Point(36.8001, 34.985).buffer(1e-6))  # the jetty went
    assert s.bounds[1] >= 34.9 - 1e-9 and out["TUR"].bounds[3] <= 36.7 + 1e-9


def test_rebase_border_clips_extends_and_splits_at_a_zone_edge():
    """Old border along 36.0 N; the new one 0.01 deg further north between 36.2 and 36.8 E and 0.01 deg further
    south east of 36.8 E. Zone A (36.0-36.5 E) and zone B (36.5-37.0 E) reach the old border: the strip beyond
    it splits along their shared edge carried on north; east of 36.8 E both lose the strip south of 36.0."""
    from shapely.geometry import Polygon, mapping

    old = box(35.0, 35.0, 38.0, 36.0)
    new = Polygon([(35.0, 35.0), (38.0, 35.0), (38.0, 35.99), (36.8, 35.99), (36.8, 36.01), (36.2, 36.01),
                   (36.2, 36.0), (35.0, 36.0)])
    a, b = box(36.0, 35.5, 36.5, 36.0), box(36.5, 35.5, 37.0, 36.0)
    inner = box(36.1, 35.6, 36.2, 35.7)
    feats = [{"properties": {"key": k}, "geometry": mapping(g)} for k, g in (("a", a), ("b", b), ("inner", inner))]
    rb = _tool("rebase_border")
    out, stats = rb.rebase(feats, old, new, [35.5, 35.2, 37.5, 36.5])
    ga, gb, gi = (shape(f["geometry"]) for f in out)
    assert ga.contains(Point(36.3, 36.005)) and not gb.contains(Point(36.3, 36.005))
    assert gb.contains(Point(36.7, 36.005)) and not ga.contains(Point(36.7, 36.005))
    assert abs(ga.bounds[2] - 36.5) < 1e-9      # the split follows the zones' shared edge (36.5 E)
    assert not gb.contains(Point(36.9, 35.995))  # beyond the new line
    assert gi.equals(inner)                      # a change away from the border is untouched
    assert stats["unassigned_km2"] == 0 and stats["split"] == 1


def test_the_governorates_the_map_draws_end_at_the_same_line():
    """The dashed governorate lines are moved onto the map's country line, so none runs beside the border (the
    Natural Earth admin-1 outline lay up to 1-2 km from the 100 m line), and none overlaps another."""
    from shapely.ops import unary_union

    assert basemap.LAYERS["governorates"] == "governorates_display.geojson"
    fc = json.loads((BASE / "governorates_display.geojson").read_text(encoding="utf-8"))
    govs = [shape(f["geometry"]) for f in fc["features"]]
    assert len(govs) == 15 and all(g.is_valid for g in govs)
    assert {"name_en", "name_ar", "iso_3166_2"} <= set(fc["features"][0]["properties"])
    shown = _syria(BASE / "countries_display.geojson")
    km2 = 111 * 111 * 0.8
    assert unary_union(govs).symmetric_difference(shown).area * km2 < 2   # measured 1.3 km2 nobody bordered
    old = unary_union([shape(f["geometry"]) for f in
                       json.loads((BASE / "ne10m_admin1_syria.geojson").read_text(encoding="utf-8"))["features"]])
    assert old.symmetric_difference(shown).area * km2 > 500               # what the move corrected
    assert sum(govs[i].intersection(govs[j]).area for i in range(15) for j in range(i + 1, 15)) * km2 < 0.01
