"""OGC API - Features items: a zone version (one faction's zone over one validity interval) as a GeoJSON
feature with the faction's names and colour. The item id is `<faction>~<valid_from as YYYYMMDDTHHMMSSZ>`."""
from __future__ import annotations

from app.domain.times import iso

ITEM_ID_FORMAT = "%Y%m%dT%H%M%SZ"


def zone_item(z: dict, faction: dict) -> dict:
    """`z`: a zone (see app.read.formats.geojson); `faction`: its faction row."""
    return {"type": "Feature", "id": f"{z['faction']}~{z['valid_from'].strftime(ITEM_ID_FORMAT)}", "geometry": z["geometry"],
            "properties": {"faction": z["faction"], "faction_name": faction["name_en"], "faction_name_ar": faction["name_ar"],
                           "color": faction["color"], "valid_from": iso(z["valid_from"]), "valid_to": iso(z["valid_to"]),
                           "area_km2": z["area_km2"]}}
