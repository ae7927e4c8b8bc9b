"""Moving the front line (pure shapely, no database): cut a zone along a line, and the difference between a
zone and its edited copy. The results are only proposals: they go through the normal preview and save,
which validate them like any drawn area."""
from __future__ import annotations

import math
from typing import Any

import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import split

from app.domain.geometry import GRID, to_multipolygon
from app.domain.errors import BadInput, InvalidGeometry

# Parts smaller than this (square degrees, about 10 m2 here) are rounding noise of the vertex handles, not a
# change an editor meant: a moved vertex must not drag slivers along the whole untouched boundary.
SLIVER_DEG2 = 1e-9
KM_PER_DEG = 111.32


def approx_km2(geom: BaseGeometry | None) -> float:
    """Area in km2 on a local equirectangular approximation (good to a fraction of a percent at a city's
    scale); the saved change's area is computed by PostGIS on the spheroid."""
    if geom is None or geom.is_empty:
        return 0.0
    polys = geom.geoms if hasattr(geom, "geoms") else [geom]
    return sum(p.area * math.cos(math.radians(p.centroid.y)) * KM_PER_DEG ** 2 for p in polys)


def parse_line(geojson: Any, *, max_vertices: int) -> LineString:
    if not isinstance(geojson, dict) or geojson.get("type") != "LineString":
        raise InvalidGeometry("line must be a GeoJSON LineString")
    coords = geojson.get("coordinates")
    if not isinstance(coords, list) or len(coords) < 2:
        raise InvalidGeometry("a line needs at least two positions")
    if len(coords) > max_vertices:
        raise InvalidGeometry(f"the line has more than {max_vertices} vertices")
    for pos in coords:
        if (not isinstance(pos, list) or len(pos) not in (2, 3)
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in pos)
                or not (-180 <= pos[0] <= 180 and -90 <= pos[1] <= 90)):
            raise InvalidGeometry("the line has a position that is not [longitude, latitude]")
    line = shapely.force_2d(shape(geojson))
    if line.length == 0:
        raise InvalidGeometry("the line has no length")
    return line


def _polygons(geom: BaseGeometry) -> list[Polygon]:
    return [p for p in to_multipolygon(geom).geoms if p.area > SLIVER_DEG2]


def split_along(zone: MultiPolygon, line: LineString) -> list[Polygon]:
    """The pieces of the zone's parts that the line cuts through, largest first. Parts the line does not cross
    are not pieces: only what lies on either side of the cut can pass to another faction."""
    pieces: list[Polygon] = []
    for part in zone.geoms:
        if not part.intersects(line):
            continue
        cut = split(part, line)
        parts = [shapely.set_precision(p, GRID) for p in cut.geoms]
        parts = [q for p in parts for q in _polygons(p)]
        if len(parts) > 1:
            pieces += parts
    if not pieces:
        raise BadInput("the line does not cut the zone: draw it across the zone, from outside one edge to outside "
                       "another (each end beyond the boundary)")
    return sorted(pieces, key=lambda p: -p.area)


def _clean(geom: BaseGeometry) -> MultiPolygon | None:
    parts = _polygons(shapely.set_precision(geom, GRID))
    return MultiPolygon(parts) if parts else None


def difference(before: MultiPolygon, after: MultiPolygon) -> tuple[MultiPolygon | None, MultiPolygon | None]:
    """(gained, lost): what the edited zone covers that the original did not, and the reverse; slivers dropped."""
    return _clean(shapely.difference(after, before)), _clean(shapely.difference(before, after))
