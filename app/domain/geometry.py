"""Geometry normalisation and validation for the write path (shapely; no database, no FastAPI).

Everything is lon/lat in EPSG:4326 (RFC 7946 GeoJSON has no other CRS). Results are snapped to a 1e-7 degree
grid (about 1 cm): overlay operations on a fixed grid are robust, so the fold never creates overlaps or
invalid rings from floating-point noise.
"""
from __future__ import annotations

import math
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

from app.domain.errors import InvalidGeometry

GRID = 1e-7
# The smallest extent (degrees, each way) a part may have: ten grid cells, so snapping cannot collapse it.
MIN_SPAN = 1e-6
# Geometry depth limit: GeoJSON nesting beyond this is refused before shapely sees it.
MAX_DEPTH = 6


def _depth(obj: Any, limit: int = 12) -> int:
    d = 0
    while isinstance(obj, list) and obj:
        d += 1
        if d > limit:
            return d
        obj = obj[0]
    return d


def parse_polygonal(geojson: Any, *, max_vertices: int, extent: tuple[float, float, float, float] | None = None,
                    max_area_deg2: float | None = None) -> MultiPolygon:
    """Turn a GeoJSON Polygon/MultiPolygon into a valid MultiPolygon, or raise InvalidGeometry saying why.

    Refuses (never repairs silently) self-intersections and bad rings: an editor should see their mistake.
    """
    if not isinstance(geojson, dict):
        raise InvalidGeometry("geometry must be a GeoJSON object with 'type' and 'coordinates'")
    if "crs" in geojson:
        raise InvalidGeometry("GeoJSON 'crs' members are not accepted: coordinates must be longitude/latitude in WGS 84 (RFC 7946)")
    gtype = geojson.get("type")
    if gtype not in ("Polygon", "MultiPolygon"):
        raise InvalidGeometry(f"geometry must be a Polygon or MultiPolygon, not {gtype!r}")
    coords = geojson.get("coordinates")
    if not isinstance(coords, list) or not coords:
        raise InvalidGeometry("geometry has no coordinates (an empty geometry cannot change hands)")
    polys = [coords] if gtype == "Polygon" else coords
    want = 3
    if _depth(coords) != (want if gtype == "Polygon" else want + 1):
        raise InvalidGeometry(f"{gtype} coordinates are nested wrongly: expected {'rings of positions' if gtype == 'Polygon' else 'polygons of rings of positions'}")
    total = 0
    for pi, poly in enumerate(polys):
        if not isinstance(poly, list) or not poly:
            raise InvalidGeometry(f"polygon {pi} has no rings")
        for ri, ring in enumerate(poly):
            if not isinstance(ring, list):
                raise InvalidGeometry(f"polygon {pi} ring {ri} is not a list of positions")
            total += len(ring)
            if total > max_vertices:
                raise InvalidGeometry(f"geometry has more than {max_vertices} vertices; simplify it before saving")
            if len(ring) < 4:
                raise InvalidGeometry(f"polygon {pi} ring {ri} has {len(ring)} positions; a ring needs at least 4 (closed)")
            for pos in ring:
                if not isinstance(pos, list) or len(pos) not in (2, 3):
                    raise InvalidGeometry(f"polygon {pi} ring {ri} has a position that is not [longitude, latitude]")
                for v in pos:
                    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                        raise InvalidGeometry(f"polygon {pi} ring {ri} has a coordinate that is not a finite number: {str(v)[:20]!r}")
                if not (-180 <= pos[0] <= 180 and -90 <= pos[1] <= 90):
                    raise InvalidGeometry(f"position {pos[:2]} is outside longitude -180..180 / latitude -90..90 (order is [longitude, latitude])")
            if ring[0][:2] != ring[-1][:2]:
                raise InvalidGeometry(f"polygon {pi} ring {ri} is not closed: its first and last positions differ")
    geom = shape({"type": gtype, "coordinates": coords})
    geom = shapely.force_2d(geom)
    if geom.is_empty:
        raise InvalidGeometry("geometry is empty")
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        raise InvalidGeometry(f"geometry is not valid: {reason} (rings must not cross themselves or each other)")
    if geom.area == 0:
        raise InvalidGeometry("geometry encloses no area")
    if extent is not None:
        minx, miny, maxx, maxy = extent
        bx = geom.bounds
        if bx[0] < minx or bx[1] < miny or bx[2] > maxx or bx[3] > maxy:
            raise InvalidGeometry(f"geometry lies (partly) outside the data set's extent {list(extent)}")
    if max_area_deg2 is not None and geom.area > max_area_deg2:
        raise InvalidGeometry("geometry is larger than the area one change may cover; split it into smaller changes")
    snapped = shapely.set_precision(geom, GRID)
    parts = getattr(snapped, "geoms", [snapped])
    if (snapped.is_empty or abs(snapped.area - geom.area) > 0.01 * geom.area
            or any(min(p.bounds[2] - p.bounds[0], p.bounds[3] - p.bounds[1]) < MIN_SPAN for p in parts)):
        # Stored coordinates sit on a 1e-7 degree grid: smaller shapes vanish or turn into slivers there.
        raise InvalidGeometry(f"geometry is too small or too thin for the storage grid of {GRID:g} degrees (about 1 cm): "
                              f"every part must span at least {MIN_SPAN:g} degrees (about 11 cm) in longitude and "
                              "in latitude, with no spikes or slivers narrower than that")
    return to_multipolygon(snapped)


def to_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    """Keep only the polygonal parts of a geometry (overlays can leave lines and points behind)."""
    if geom.is_empty:
        return MultiPolygon()
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    parts = [g for g in getattr(geom, "geoms", []) if isinstance(g, (Polygon, MultiPolygon))]
    polys: list[Polygon] = []
    for p in parts:
        polys.extend(p.geoms if isinstance(p, MultiPolygon) else [p])
    return MultiPolygon(polys) if polys else MultiPolygon()
