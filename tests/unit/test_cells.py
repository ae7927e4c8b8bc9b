"""The quadtree of storage cells (pure): ids, boxes that meet exactly, leaves, and when a cell is worth splitting."""
import random

import shapely
from shapely.geometry import Point, box

from app.domain.cells import Grid

G = Grid.over((36.0, 35.0, 38.0, 37.0), 0.1)


def test_ids_round_trip_and_children_tile_their_parent_exactly():
    cell = G.cells_for(Point(37.05, 36.05).buffer(0.001))[0]
    assert G.decode(cell) == (0, 10, 10) and G.cell_id(0, 10, 10) == cell
    for c in [cell, *G.children(cell), *G.children(G.children(cell)[3])]:
        level, ix, iy = G.decode(c)
        assert G.cell_id(level, ix, iy) == c
        kids = G.children(c)
        assert len(set(kids)) == 4 and all(G.decode(k)[0] == level + 1 for k in kids)
        # The children cover the parent exactly (shared edges computed identically): no gap, no overlap.
        union = shapely.union_all(G.boxes(kids))
        assert union.equals(G.box(c)) and union.area == G.box(c).area
        assert all(a.bounds == b.bounds for a, b in zip(G.boxes(kids), [G.box(k) for k in kids]))
    assert G.max_level == 6  # 20 cells across: 20 * 2**6 <= 4096


def test_leaves_follow_the_splits():
    cell = 210
    g = G.with_splits([cell, G.children(cell)[0]])
    geom = G.box(cell).buffer(-0.001)
    leaves = g.cells_for(geom)
    assert cell not in leaves and G.children(cell)[0] not in leaves
    assert set(leaves) == set(G.children(cell)[1:]) | set(G.children(G.children(cell)[0]))
    # The leaves of a geometry tile exactly what it covers.
    parts = g.split(geom)
    assert abs(shapely.union_all(list(parts.values())).area - geom.area) < 1e-12
    assert g.cells_for(Point(37.0, 36.0).buffer(1e-9)) and g.cells_for(shapely.Polygon()) == []


def test_refine_splits_where_many_small_changes_are_and_not_for_large_ones():
    rng = random.Random(1)
    small = [Point(37.05 + rng.uniform(-0.045, 0.045), 36.05 + rng.uniform(-0.045, 0.045)).buffer(0.002) for _ in range(300)]
    g = G.refine(small, limit=24)
    levels = sorted(G.decode(c)[0] for c in g.splits)
    assert levels[0] == 0 and levels[-1] >= 2  # split, and split again where it stays busy
    assert max(len([x for x in small if x.intersects(g.box(c)) and not x.touches(g.box(c))]) for c in g.cells_for(box(37.0, 36.0, 37.1, 36.1))) <= 40
    # Changes larger than the cell reach every child: splitting would multiply pieces without shortening histories.
    large = [box(36.95 + rng.uniform(0, 0.01), 35.95, 37.2, 36.2) for _ in range(100)]
    assert G.refine(large, limit=24).splits == frozenset()
    assert G.child_reach(210, large, list(range(100))) is None
