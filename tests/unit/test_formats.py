"""The formatters (app/read/formats/) write zones kept as objects: a dissolved zone's geometry is a GeoJSON object
with numpy rings, and every format writes it as it would the same geometry read from its GeoJSON text."""
from datetime import datetime, timezone

import orjson
from shapely.geometry import MultiPolygon, Polygon, box

from app.domain.dissolve import geojson_geometry, geojson_text
from app.read.formats import geojson, kml
from app.read.formats.json_ import dumps

T0 = datetime(2024, 11, 27, 6, tzinfo=timezone.utc)


def _zone(geometry):
    return {"faction": "green", "valid_from": T0, "valid_to": None, "area_km2": 12.5, "confidence": "confirmed",
            "change_ids": [1], "report_ids": [2], "geometry": geometry}


SHAPE = MultiPolygon([box(36.1, 35.9, 36.30000004, 36.2).difference(box(36.15, 35.95, 36.2, 36.0)),
                      Polygon([(37.0, 36.0), (37.00001, 36.0), (37.0, 36.00001)])])


def test_geojson_of_the_object_is_the_text_of_the_geometry():
    g = geojson_geometry(SHAPE)
    assert dumps(g) == geojson_text(SHAPE).encode()
    feature = orjson.loads(dumps(geojson.feature(_zone(g))))
    assert feature["geometry"] == orjson.loads(geojson_text(SHAPE)) and feature["id"] == "green@2024-11-27T06:00:00Z"


def test_kml_and_plain_geometry_write_the_object_as_they_would_its_text():
    g = geojson_geometry(SHAPE)
    parsed = orjson.loads(geojson_text(SHAPE))
    factions = {"green": {"slug": "green", "name_en": "Green", "color": "#00aa44"}}
    assert kml.kml([_zone(g)], factions) == kml.kml([_zone(parsed)], factions)
    assert "<innerBoundaryIs>" in kml.kml([_zone(g)], factions)
    assert geojson.plain_geometry(g) == parsed
