"""Dissolving stored zone pieces (one per cell) into one MultiPolygon per faction, as a GeoJSON object or text.

Pieces of one faction at one instant tile its area without overlapping (each is cut to its own cell). They are
not a clean coverage as stored (a piece can have a vertex on a cell edge where its neighbour has none), so the
vertices on shared cell edges are first made the same on both sides; GEOS's coverage union then unites them
several times faster than an overlay union, which remains the fallback.
"""
from __future__ import annotations

import numpy as np
import orjson
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from app.domain.geometry import GRID, to_multipolygon

DIGITS = 5


def node_axis_edges(polys: np.ndarray) -> np.ndarray | None:
    """Pieces cut along cell edges meet edge to edge, but not always vertex to vertex: where one has a vertex on a
    shared edge (a smaller neighbouring cell's corner, a front crossing the edge, the end of a run of full cells)
    the other may have none. Insert into every axis-parallel edge the vertices of any piece that lie on it, so the
    pieces form a clean coverage. Works on the storage grid's integer coordinates; None when they do not fit."""
    rings, ring_poly = shapely.get_rings(polys, return_index=True)
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    if len(coords) == 0:
        return polys
    q = np.rint((coords - coords.min(axis=0)) / GRID).astype(np.int64)
    if q.max() >= 1 << 31:  # an extent of over 200 degrees: not worth a second key scheme
        return None
    n = len(q)
    same_ring = np.r_[ring_of[1:] == ring_of[:-1], False]  # segment i -> i + 1 stays in one ring
    inserts: dict[int, np.ndarray] = {}
    for axis in (0, 1):
        other = 1 - axis
        key = (q[:, axis] << 31) | q[:, other]
        order = np.argsort(key, kind="stable")
        skey = key[order]
        seg = np.flatnonzero(same_ring[:-1] & (q[:-1, axis] == q[1:, axis]))  # segments along this axis' lines
        lo = np.minimum(q[seg, other], q[seg + 1, other])
        hi = np.maximum(q[seg, other], q[seg + 1, other])
        base = q[seg, axis] << 31
        i0 = np.searchsorted(skey, base | lo, side="right")  # vertices strictly inside the segment
        i1 = np.searchsorted(skey, base | hi, side="left")
        for k in np.flatnonzero(i1 > i0):
            s = seg[k]
            _, first = np.unique(skey[i0[k]:i1[k]], return_index=True)
            pts = coords[order[i0[k]:i1[k]][first]]  # ascending along the line
            inserts[s] = pts if coords[s + 1, other] > coords[s, other] else pts[::-1]
    if not inserts:
        return polys
    new_rings = np.array(rings, dtype=object)
    segs = np.array(sorted(inserts))
    for r in np.unique(ring_of[segs]):
        start, end = np.searchsorted(ring_of, r, side="left"), np.searchsorted(ring_of, r, side="right")
        parts, prev = [], start
        for s in segs[(segs >= start) & (segs < end)]:
            parts += [coords[prev:s + 1], inserts[s]]
            prev = s + 1
        parts.append(coords[prev:end])
        new_rings[r] = shapely.linearrings(np.concatenate(parts))
    out = np.array(polys, dtype=object)
    touched = set(ring_poly[ring_of[segs]].tolist())
    for i in touched:
        rs = new_rings[ring_poly == i]
        out[i] = Polygon(rs[0], list(rs[1:]))
    return out


def union_pieces(pieces: list) -> MultiPolygon:
    geoms = [g for g in pieces if g is not None and not g.is_empty]
    if not geoms:
        return MultiPolygon()
    if len(geoms) == 1:
        return to_multipolygon(geoms[0])
    arr = np.array(geoms, dtype=object)
    out = None
    # Pieces tile a zone without overlapping, so once their shared edges carry the same vertices a coverage union
    # (which only drops the shared edges: several times faster than an overlay) unites them. It refuses pieces that
    # are not a clean coverage; that, or a result that is not valid or loses area, falls back to the overlay.
    polys = shapely.get_parts(arr)
    noded = node_axis_edges(polys)
    if noded is not None:
        try:
            out = shapely.coverage_union_all(noded)
            total = float(shapely.area(polys).sum())
            if not out.is_valid or abs(out.area - total) > 1e-9 * max(total, 1e-12):
                out = None
        except shapely.errors.GEOSException:
            out = None
    if out is None:
        # The pieces already lie on the storage grid and only touch along cell edges, so a floating-precision
        # union (faster than one snapped to the grid) keeps their vertices; the grid is the fallback.
        try:
            out = shapely.union_all(arr)
            if not out.is_valid:
                out = shapely.union_all(arr, grid_size=GRID)
        except shapely.errors.GEOSException:
            out = shapely.union_all(arr, grid_size=GRID)
    # Cell edges leave vertices in the middle of straight edges: drop exactly collinear ones (tolerance 0), so
    # the served zone has the vertices of the front, not of the storage grid.
    return to_multipolygon(shapely.simplify(out, 0))


def geojson_geometry(geom, digits: int = DIGITS) -> dict | None:
    """A polygonal geometry as an RFC 7946 GeoJSON MultiPolygon object, ready for any formatter: exterior rings
    counter-clockwise, `digits` decimals, each ring a (n, 2) numpy array of coordinates. None when empty."""
    # Reduced to `digits` decimals with the topology kept (a ring that would collapse or cross itself when its
    # coordinates are rounded is fixed, not served invalid), then oriented as RFC 7946 asks. Rounding each point
    # is tried first (a third of the cost, and the same on both sides of a boundary two zones share); where that
    # leaves the geometry invalid, the snap-rounding overlay fixes it.
    src = to_multipolygon(geom)
    mp = shapely.set_precision(src, 10 ** -digits, mode="pointwise")
    mp = to_multipolygon(shapely.remove_repeated_points(mp) if mp.is_valid else shapely.set_precision(src, 10 ** -digits))
    if mp.is_empty:
        return None
    mp = shapely.orient_polygons(mp, exterior_cw=False)

    def ring(r):
        return np.round(shapely.get_coordinates(r), digits)
    polys = [[ring(p.exterior), *[ring(h) for h in p.interiors]] for p in (mp.geoms if isinstance(mp, MultiPolygon) else [mp])
             if isinstance(p, Polygon)]
    return {"type": "MultiPolygon", "coordinates": polys}


def geojson_text(geom, digits: int = DIGITS) -> str | None:
    """RFC 7946 GeoJSON text of a polygonal geometry (geojson_geometry, written out)."""
    g = geojson_geometry(geom, digits)
    return None if g is None else orjson.dumps(g, option=orjson.OPT_SERIALIZE_NUMPY).decode()


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


def dissolve_geometry(wkbs: list[bytes], cells: list[int] | None = None, grid=None) -> dict | None:
    """Pieces (WKB, with their cells on `grid`) united into one zone, as a GeoJSON MultiPolygon object
    (geojson_geometry); None when they cover nothing. The read side keeps it as an object until a formatter
    writes it."""
    pieces = list(shapely.from_wkb(wkbs))
    if grid is not None and cells is not None:
        pieces = merge_full_cells(pieces, cells, grid)
    return geojson_geometry(union_pieces(pieces))


def dissolve(wkbs: list[bytes], cells: list[int] | None = None, grid=None) -> str | None:
    """dissolve_geometry as GeoJSON text."""
    g = dissolve_geometry(wkbs, cells, grid)
    return None if g is None else orjson.dumps(g, option=orjson.OPT_SERIALIZE_NUMPY).decode()
