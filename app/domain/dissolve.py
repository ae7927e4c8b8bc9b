"""Dissolving stored zone pieces (one per grid cell) into one MultiPolygon per faction, and GeoJSON text of it.

Pieces of one faction at one instant tile its area without overlapping (each is cut to its own cell). They are
not a clean coverage (a piece can have a vertex on a cell edge where its neighbour has none), so GEOS's
coverage union refuses them; an overlay union is used.
"""
from __future__ import annotations

import numpy as np
import orjson
import shapely
from shapely.geometry import MultiPolygon, Polygon

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
        if out.is_valid:
            return to_multipolygon(out)
    except shapely.errors.GEOSException:
        pass
    return to_multipolygon(shapely.union_all(arr, grid_size=GRID))


def geojson_text(geom, digits: int = DIGITS) -> str | None:
    """RFC 7946 GeoJSON text of a polygonal geometry: exterior rings counter-clockwise, `digits` decimals."""
    mp = to_multipolygon(geom)
    if mp.is_empty:
        return None
    mp = shapely.orient_polygons(mp, exterior_cw=False)

    def ring(r):
        return np.round(np.asarray(r.coords)[:, :2], digits).tolist()
    polys = [[ring(p.exterior), *[ring(h) for h in p.interiors]] for p in (mp.geoms if isinstance(mp, MultiPolygon) else [mp])
             if isinstance(p, Polygon)]
    return orjson.dumps({"type": "MultiPolygon", "coordinates": polys}).decode()


def dissolve(wkbs: list[bytes]) -> str | None:
    return geojson_text(union_pieces(list(shapely.from_wkb(wkbs))))
