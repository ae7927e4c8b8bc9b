"""GeoJSON (RFC 7946) of zones and of the diff between two instants.

A zone is the read side's object for one faction's dissolved area over its validity: a dict with `faction`,
`valid_from`, `valid_to`, `area_km2`, `confidence`, `change_ids`, `report_ids` and `geometry`, a GeoJSON
MultiPolygon object whose rings are numpy arrays (app.domain.dissolve.geojson_geometry).
"""
from __future__ import annotations

from datetime import datetime

from app.domain.times import iso
from app.read.formats.json_ import dumps, fragment

MEDIA_TYPE = "application/geo+json"


def feature(z: dict) -> dict:
    return {"type": "Feature", "id": f"{z['faction']}@{iso(z['valid_from'])}", "geometry": z["geometry"], "properties": {
        "faction": z["faction"], "valid_from": iso(z["valid_from"]), "valid_to": iso(z["valid_to"]),
        "area_km2": z["area_km2"], "confidence": z["confidence"], "change_ids": z["change_ids"], "report_ids": z["report_ids"]}}


def feature_collection(rev: int, start: datetime | None, end: datetime | None, zones: list[dict]) -> dict:
    """The zones of one interval [start, end) of revision `rev` (a snapshot, a window's keyframe)."""
    return {"type": "FeatureCollection", "revision": rev, "at_interval": [iso(start), iso(end)],
            "features": [feature(z) for z in zones]}


def plain_geometry(geometry: dict) -> dict:
    """A zone's geometry with plain lists for coordinates (what the picture workers draw from)."""
    return {"type": geometry["type"],
            "coordinates": [[ring.tolist() if hasattr(ring, "tolist") else ring for ring in poly]
                            for poly in geometry["coordinates"]]}


def diff(rev: int, t1: datetime, t2: datetime, rows) -> bytes:
    """Per faction, the area held at both instants, and the area gained and lost in between as features
    (`rows`: app.store.queries.DIFF, with the gained and lost geometry as GeoJSON text)."""
    feats, summary = [], []
    for r in rows:
        summary.append({"faction": r["faction"], "area_from_km2": round(r["area_from"], 2), "area_to_km2": round(r["area_to"], 2),
                        "gained_km2": round(r["gained_km2"], 2), "lost_km2": round(r["lost_km2"], 2)})
        for kind in ("gained", "lost"):
            if r[f"{kind}_geometry"] and r[f"{kind}_km2"] > 0.0005:
                feats.append({"type": "Feature", "geometry": fragment(r[f"{kind}_geometry"]),
                              "properties": {"faction": r["faction"], "kind": kind, "area_km2": round(r[f"{kind}_km2"], 3)}})
    return dumps({"type": "FeatureCollection", "revision": rev, "from": iso(t1), "to": iso(t2), "factions": summary,
                  "features": feats})
