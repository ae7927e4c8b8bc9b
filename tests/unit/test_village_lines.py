"""data/tools/village_lines.py, the drawing helper of issue 28: lines half way between the settlements each side
holds, along a river where the drawn line ran along it; the seed data is its fixed point (reproducible)."""
from __future__ import annotations

import importlib.util
import json
import shutil

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, MultiLineString, Point, box, shape

from app import PROJECT_ROOT

DATA = PROJECT_ROOT / "data"
WOF = PROJECT_ROOT.parent / "shared" / "geodata" / "wof_localities_nw_syria.geojson"


def _tool():
    spec = importlib.util.spec_from_file_location("village_lines", DATA / "tools" / "village_lines.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_the_line_runs_half_way_between_the_villages_each_side_holds():
    vl = _tool()
    # A 5 x 5 grid of villages 1.5 km apart; the drawn area is a rough box around the western 2 columns.
    step = 1.5 / 111.32
    pts = np.array([(37.0 + i * step / 0.81, 36.0 + j * step) for i in range(5) for j in range(5)])
    clip = box(36.95, 35.95, 37.15, 36.15)
    pieces, who = vl.cells(pts, clip, None)
    own = [p.covers(Point(pts[i])) for p, i in zip(pieces, who)]
    drawn = box(36.95, 35.95, 37.0 + 1.3 * step / 0.81, 36.15)   # its edge: 0.3 of the way from column 1 to column 2
    covered = shapely.covers(drawn, shapely.points(pts))
    new = vl.redraw(drawn, pieces, who, own, covered, clip)
    for (x, y), c in zip(pts, covered):
        assert new.covers(Point(x, y)) == c
    # The new edge is half way: 0.75 km from the villages on both sides (not 0.45 and 1.05 km as drawn).
    edge = new.boundary.intersection(box(37.0, 36.0, 37.1, 36.06))
    for x, y in pts[5:15]:
        assert edge.distance(Point(x, y)) * 111.32 * 0.81 == pytest.approx(0.75, abs=0.02)


def test_a_drawn_line_along_a_river_follows_the_river():
    vl = _tool()
    step = 1.5 / 111.32
    pts = np.array([(37.0 + i * step / 0.81, 36.0 + j * step) for i in range(4) for j in range(4)])
    clip = box(36.95, 35.95, 37.12, 36.12)
    # A winding river just east of column 1; the drawn area stops roughly at it.
    river = LineString([(37.0 + 1.2 * step / 0.81 + 0.002 * ((k % 2) * 2 - 1), 35.94 + k * 0.01) for k in range(20)])
    pieces, who = vl.cells(pts, clip, MultiLineString([river]))
    own = [p.covers(Point(pts[i])) for p, i in zip(pieces, who)]
    drawn = box(36.95, 35.95, 37.0 + 1.2 * step / 0.81, 36.12)
    new = vl.redraw(drawn, pieces, who, own, shapely.covers(drawn, shapely.points(pts)), clip)
    inside = river.intersection(box(36.9, 35.97, 37.2, 36.1))
    assert new.boundary.buffer(1e-6).covers(inside)  # the edge is the river's course there


@pytest.mark.skipif(not WOF.exists(), reason="../shared/geodata/ is not here")
def test_the_seed_lines_are_the_tools_fixed_point(tmp_path):
    """Running the helper on the seed changes nothing: the data in data/ is what it draws (reproducible)."""
    folder = tmp_path / "data"
    shutil.copytree(DATA, folder)
    assert _tool().main(["--data", str(folder), "--villages", str(WOF)]) == 0
    before = json.loads((DATA / "geojson" / "changes.geojson").read_text())["features"]
    after = json.loads((folder / "geojson" / "changes.geojson").read_text())["features"]
    assert [f["properties"] for f in before] == [f["properties"] for f in after]
    moved = [a["properties"]["key"] for a, b in zip(before, after) if not shape(a["geometry"]).equals(shape(b["geometry"]))]
    assert moved == []
