"""The one JSON encoder of the read side: compact UTF-8 bytes (orjson), numpy arrays (the coordinates of
dissolved zones) written as lists, and `fragment` for GeoJSON text PostGIS rendered (written as it is)."""
from __future__ import annotations

import orjson

OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


def dumps(obj) -> bytes:
    return orjson.dumps(obj, option=OPTIONS)


def fragment(json_text: str | None):
    """JSON text (a geometry ST_AsGeoJSON wrote) to embed as it is; None stays null."""
    return orjson.Fragment(json_text) if json_text else None
