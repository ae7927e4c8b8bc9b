"""Dissolving pieces: the coverage union (after noding shared cell edges) gives the overlay union's zone, and
anything that is not a clean coverage falls back to the overlay."""
import random

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, box

from app.domain import dissolve
from app.domain.cells import Grid
from app.domain.geometry import GRID

G = Grid.over((36.0, 35.0, 38.0, 37.0), 0.1)


def _pieces(zone, grid):
    return list(grid.split(zone).values())


def test_pieces_across_levels_unite_to_the_zone(monkeypatch):
    rng = random.Random(4)
    # Cells of three sizes side by side (T-junctions on every shared edge) and a front crossing them.
    g = G.with_splits([210, *G.children(210)[:2], G.children(G.children(210)[0])[3]])
    zone = shapely.set_precision(shapely.union_all([Point(37.0 + rng.uniform(0, 0.2), 36.0 + rng.uniform(0, 0.1)).buffer(
        rng.uniform(0.01, 0.05), 7) for _ in range(12)]), GRID)
    pieces = _pieces(zone, g)
    assert len(pieces) > 10
    calls = []
    real = shapely.coverage_union_all
    monkeypatch.setattr(shapely, "coverage_union_all", lambda a: calls.append(len(a)) or real(a))
    got = dissolve.union_pieces(pieces)
    assert calls, "the coverage union was used"
    want = shapely.simplify(shapely.union_all(np.array(pieces, dtype=object)), 0)
    assert got.is_valid and shapely.symmetric_difference(got, want).area < 1e-12
    assert abs(got.area - zone.area) < 1e-9


def test_t_junctions_get_the_neighbours_vertices():
    big, small = box(0, 0, 2, 2), [box(2, 0, 3, 1), box(2, 1, 3, 2)]  # (2, 1) lies inside the big square's edge
    noded = dissolve.node_axis_edges(np.array([big, *small], dtype=object))
    assert (2.0, 1.0) in list(noded[0].exterior.coords)
    u = shapely.coverage_union_all(noded)
    assert u.equals(box(0, 0, 3, 2)) and u.is_valid


def test_overlapping_or_unnoded_input_falls_back_to_the_overlay():
    a, b = box(0, 0, 2, 2), box(1, 1, 3, 3)  # overlap: not a coverage
    got = dissolve.union_pieces([a, b])
    assert got.is_valid and abs(got.area - 7.0) < 1e-12
    tri = Polygon([(2, 0), (3, 1), (2, 2), (2, 0)])  # shares a slanted-free edge but not its vertices
    got = dissolve.union_pieces([box(0, 0, 2, 3), tri])
    assert abs(got.area - 7.0) < 1e-12 and isinstance(got, MultiPolygon)


def test_geojson_text_stays_valid_when_rounding_would_break_a_ring():
    # A sliver 3e-6 wide: rounding each point to 5 decimals collapses it; the fallback keeps the output valid.
    thin = Polygon([(37.0, 36.0), (37.1, 36.0), (37.1, 36.000003), (37.05, 36.000001), (37.0, 36.000003)])
    fat = box(37.2, 36.0, 37.3, 36.1)
    txt = dissolve.geojson_text(MultiPolygon([thin, fat]))
    geom = shapely.from_geojson(txt)
    assert geom.is_valid and abs(geom.area - fat.area) < 1e-9
