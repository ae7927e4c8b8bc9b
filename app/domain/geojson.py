"""GeoJSON output helpers for shapely geometries (write path and previews; the read path renders in SQL)."""
from __future__ import annotations

import shapely
from shapely.geometry.base import BaseGeometry


def geometry_json(geom: BaseGeometry, digits: int = 5) -> dict:
    return shapely.geometry.mapping(shapely.set_precision(geom, 10 ** -digits)) if not geom.is_empty else None
