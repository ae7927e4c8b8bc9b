"""Base geography for the offline map: borders, governorates, rivers, places (data/geojson/base/).

The country layer is countries_display.geojson: Natural Earth's whole countries with the OpenStreetMap-derived
100 m border inside the data set's area (data/tools/extract_border.py), the line the zones are clipped to."""
from __future__ import annotations

import functools
import json

from app import PROJECT_ROOT
from app.domain.errors import NotFound
from app.read.payload import Payload

BASE = PROJECT_ROOT / "data" / "geojson" / "base"
LAYERS = {
    "countries": "countries_display.geojson",
    "governorates": "governorates_display.geojson",
    "rivers": "geomaps_rivers_syria_area.geojson",
    "places": "../places.geojson",
}
ATTRIBUTION = "Borders: Natural Earth, © OpenStreetMap contributors (ODbL) · Places: GeoNames (CC-BY 4.0), Frontline gazetteer · Rivers: © OpenStreetMap contributors (ODbL)"
# The same credits in one short line, for pictures (every licence that asks for attribution is still named).
ATTRIBUTION_SHORT = "Map: Natural Earth, © OpenStreetMap contributors (ODbL), GeoNames (CC-BY 4.0)"


@functools.lru_cache(maxsize=8)
def layer_payload(layer: str, level: int) -> Payload:
    if layer not in LAYERS:
        raise NotFound(f"no base layer {layer!r}; layers: {', '.join(LAYERS)}")
    path = (BASE / LAYERS[layer]).resolve()
    doc = json.loads(path.read_text(encoding="utf-8"))
    if layer == "governorates":
        for f in doc["features"]:
            f["properties"] = {k: f["properties"].get(k) for k in ("name_en", "name_ar", "iso_3166_2")}
    body = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    return Payload.build(body, "application/geo+json", level)
