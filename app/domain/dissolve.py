"""Dissolving stored zone pieces (one per cell) into one MultiPolygon per faction, and GeoJSON text of it.

Pieces of one faction at one instant tile its area without overlapping (each is cut to its own cell). They are
not a clean coverage (a piece can have a vertex on a cell edge where its neighbour has none), so GEOS's
coverage union refuses them; an overlay union is used.
"""
from __future__ import annotations

import numpy as np
import orjson
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from app.domain.geometry import GRID, to_multipolygon

DIGITS = 5


def union_pieces(pieces: list) -> MultiPolygon:
    geoms = [g for g in pieces if g is not None and not g.is_empty]
    if not geoms:
        return MultiPolygon()
    if len(geoms) == 1:
        return to_multipolygon(geoms[0])
    arr = np.array(geoms, dtype=object)
    # The pieces already lie on the storage grid and only touch along cell edges, so a floating-precision
    # union (several times faster than one snapped to the grid) keeps their vertices; the grid is the fallback.
    try:
        out = shapely.union_all(arr)
        if not out.is_valid:
            out = shapely.union_all(arr, grid_size=GRID)
    except shapely.errors.GEOSException:
        out = shapely.union_all(arr, grid_size=GRID)
    # Cell edges leave vertices in the middle of straight edges: drop exactly collinear ones (tolerance 0), so
    # the served zone has the vertices of the front, not of the storage grid.
    return to_multipolygon(shapely.simplify(out, 0))


def geojson_text(geom, digits: int = DIGITS) -> str | None:
    """RFC 7946 GeoJSON text of a polygonal geometry: exterior rings counter-clockwise, `digits` decimals."""
    # Reduced to `digits` decimals with the topology kept (a ring that would collapse or cross itself when its
    # coordinates are rounded is fixed, not served invalid), then oriented as RFC 7946 asks.
    mp = to_multipolygon(shapely.set_precision(to_multipolygon(geom), 10 ** -digits))
    if mp.is_empty:
        return None
    mp = shapely.orient_polygons(mp, exterior_cw=False)

    def ring(r):
        return np.round(shapely.get_coordinates(r), digits)
    polys = [[ring(p.exterior), *[ring(h) for h in p.interiors]] for p in (mp.geoms if isinstance(mp, MultiPolygon) else [mp])
             if isinstance(p, Polygon)]
    return orjson.dumps({"type": "MultiPolygon", "coordinates": polys}, option=orjson.OPT_SERIALIZE_NUMPY).decode()


def merge_full_cells(pieces: list, cells: list[int], grid) -> list:
    """Pieces that fill their whole cell, merged into one rectangle per run of neighbouring cells of one size in a
    row: the overlay union then sees tens of rectangles instead of hundreds of squares."""
    full: dict[tuple[int, int], list[int]] = {}
    rest = []
    for g, c in zip(pieces, cells):
        if c is None or c < 0 or len(getattr(g, "geoms", [g])) != 1 or shapely.get_num_coordinates(g) != 5:
            rest.append(g)
            continue
        level, ix, iy = grid.decode(c)
        s = grid.level_size(level)
        if abs(g.area - s * s) <= s * s * 1e-9:
            full.setdefault((level, iy), []).append(ix)
        else:
            rest.append(g)
    for (level, iy), xs in full.items():
        s = grid.level_size(level)
        xs.sort()
        start = prev = xs[0]
        for ix in xs[1:] + [None]:
            if ix is not None and ix == prev + 1:
                prev = ix
                continue
            # On the storage grid, as the pieces are: the run then meets its neighbours edge for edge.
            rest.append(shapely.set_precision(box(grid.x0 + start * s, grid.y0 + iy * s,
                                                  grid.x0 + (prev + 1) * s, grid.y0 + (iy + 1) * s), GRID))
            if ix is not None:
                start = prev = ix
    return rest


def dissolve(wkbs: list[bytes], cells: list[int] | None = None, grid=None) -> str | None:
    pieces = list(shapely.from_wkb(wkbs))
    if grid is not None and cells is not None:
        pieces = merge_full_cells(pieces, cells, grid)
    return geojson_text(union_pieces(pieces))
