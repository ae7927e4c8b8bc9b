"""OGC API - Features (Part 1: Core) under /ogc/: one collection, `control_zones`.

`datetime` is matched against each zone's validity interval [valid_from, valid_to): an instant selects the
zones valid at it; an interval `a/b` (either end may be `..`) the zones valid at any moment of it.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import text

from app.api.deps import PinDep, ReadSessionDep, ReadModelDep
from app.domain.times import iso, parse_instant
from app.errors import BadInput, NotFound
from app.readmodel import _frag
from app.web.render import render

router = APIRouter(prefix="/ogc", tags=["OGC API - Features"])
COLLECTION = "control_zones"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
GEOJSON = "application/geo+json"


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/ogc"


def _wants_html(request: Request, f: str | None) -> bool:
    if f:
        if f not in ("json", "html", "geojson"):
            raise BadInput("f must be json or html")
        return f == "html"
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "json" not in accept


def _out(request: Request, doc: dict, f: str | None, template: str, media_type: str = "application/json"):
    if _wants_html(request, f):
        return render(request, template, {"doc": doc})
    return Response(orjson.dumps(doc), media_type=media_type)


@router.get("/", summary="Landing page")
def landing(request: Request, f: Annotated[str | None, Query(max_length=10)] = None):
    b = _base(request)
    doc = {"title": "Frontline: control zones", "description": "Who controls what during a war, over time.",
           "links": [
               {"rel": "self", "type": "application/json", "href": f"{b}/"},
               {"rel": "alternate", "type": "text/html", "href": f"{b}/?f=html"},
               {"rel": "service-desc", "type": "application/vnd.oai.openapi+json;version=3.0", "href": str(request.base_url) + "openapi.json"},
               {"rel": "service-doc", "type": "text/html", "href": str(request.base_url) + "docs"},
               {"rel": "conformance", "type": "application/json", "href": f"{b}/conformance"},
               {"rel": "data", "type": "application/json", "href": f"{b}/collections"},
           ]}
    return _out(request, doc, f, "ogc_landing.html")


@router.get("/conformance", summary="Conformance classes")
def conformance(request: Request, f: Annotated[str | None, Query(max_length=10)] = None):
    return _out(request, {"conformsTo": CONFORMANCE}, f, "ogc_landing.html")


def _collection(request: Request, rm, rev: int) -> dict:
    meta = rm.meta(rev)
    ds = rm.dataset_json(meta) or {"extent": [-180, -90, 180, 90], "start": None, "end": None, "title_en": "control zones"}
    b = _base(request)
    return {
        "id": COLLECTION, "title": f"Control zones: {ds['title_en']}", "itemType": "feature",
        "description": "The area each faction holds over its validity interval [valid_from, valid_to).",
        "extent": {"spatial": {"bbox": [ds["extent"]], "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"},
                   "temporal": {"interval": [[ds["start"], None]], "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}},
        "crs": ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"],
        "links": [
            {"rel": "self", "type": "application/json", "href": f"{b}/collections/{COLLECTION}"},
            {"rel": "items", "type": GEOJSON, "href": f"{b}/collections/{COLLECTION}/items"},
            {"rel": "items", "type": "text/html", "href": f"{b}/collections/{COLLECTION}/items?f=html"},
        ],
    }


@router.get("/collections", summary="Collections")
def collections(request: Request, rm: ReadModelDep, pin: PinDep, f: Annotated[str | None, Query(max_length=10)] = None):
    b = _base(request)
    doc = {"links": [{"rel": "self", "type": "application/json", "href": f"{b}/collections"}],
           "collections": [_collection(request, rm, pin.rev)]}
    return _out(request, doc, f, "ogc_collections.html")


@router.get("/collections/{collection_id}", summary="A collection")
def collection(request: Request, rm: ReadModelDep, pin: PinDep, collection_id: str,
               f: Annotated[str | None, Query(max_length=10)] = None):
    if collection_id != COLLECTION:
        raise NotFound(f"no collection {collection_id[:50]!r}; the collection is {COLLECTION!r}")
    doc = _collection(request, rm, pin.rev)
    return _out(request, {"collections": [doc], **doc}, f, "ogc_collections.html")


def parse_datetime(value: str) -> tuple[datetime | None, datetime | None, bool]:
    """An instant (returns (t, t, True)) or an interval a/b with '..' or '' for an open end."""
    if "/" not in value:
        t = parse_instant(value, "datetime")
        return t, t, True
    a, _, b = value.partition("/")
    start = None if a in ("", "..") else parse_instant(a, "datetime start")
    end = None if b in ("", "..") else parse_instant(b, "datetime end")
    if start and end and start > end:
        raise BadInput("datetime interval starts after it ends")
    return start, end, False


def parse_bbox(value: str) -> tuple[float, float, float, float]:
    parts = value.split(",")
    if len(parts) != 4:
        raise BadInput("bbox must be four numbers: minlon,minlat,maxlon,maxlat")
    try:
        x0, y0, x1, y1 = (float(p) for p in parts)
    except ValueError:
        raise BadInput("bbox must be four numbers: minlon,minlat,maxlon,maxlat") from None
    if not all(map(lambda v: v == v and abs(v) != float("inf"), (x0, y0, x1, y1))):
        raise BadInput("bbox numbers must be finite")
    if not (-180 <= x0 <= 180 and -180 <= x1 <= 180 and -90 <= y0 <= 90 and -90 <= y1 <= 90):
        raise BadInput("bbox is outside longitude -180..180 / latitude -90..90")
    if x0 > x1 or y0 > y1:
        raise BadInput("bbox minimums must not exceed its maximums (minlon,minlat,maxlon,maxlat)")
    return x0, y0, x1, y1


_ITEMS = """
    SELECT z.id, f.slug AS faction, f.name_en, f.name_ar, f.color, lower(z.valid) AS valid_from, upper(z.valid) AS valid_to,
           z.area_km2, ST_AsGeoJSON(z.geom, 5) AS geometry, count(*) OVER () AS matched
    FROM control_zones z JOIN factions f ON f.id = z.faction_id
    WHERE z.revs @> CAST(:rev AS integer) {where}
    ORDER BY lower(z.valid), f.sort_order, z.id
    LIMIT :limit OFFSET :offset
"""


@router.get("/collections/{collection_id}/items", summary="Zones, filtered by datetime (validity) and bbox")
def items(request: Request, session: ReadSessionDep, pin: PinDep, collection_id: str,
          datetime_: Annotated[str | None, Query(alias="datetime", max_length=100,
                                                 description="instant or interval (a/b, '..' open) matched against validity")] = None,
          bbox: Annotated[str | None, Query(max_length=200, description="minlon,minlat,maxlon,maxlat")] = None,
          limit: Annotated[int, Query(ge=1, le=1000)] = 100,
          offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
          f: Annotated[str | None, Query(max_length=10)] = None):
    if collection_id != COLLECTION:
        raise NotFound(f"no collection {collection_id[:50]!r}; the collection is {COLLECTION!r}")
    where, params = [], {"rev": pin.rev, "limit": limit, "offset": offset}
    if datetime_:
        start, end, is_instant = parse_datetime(datetime_)
        if is_instant:
            where.append("z.valid @> CAST(:t AS timestamptz)")
            params["t"] = start
        else:
            where.append("z.valid && tstzrange(:t0, :t1, '[]')")
            params["t0"], params["t1"] = start, end
    if bbox:
        x0, y0, x1, y1 = parse_bbox(bbox)
        where.append("z.geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326) AND ST_Intersects(z.geom, ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326))")
        params.update(x0=x0, y0=y0, x1=x1, y1=y1)
    sql = _ITEMS.format(where="".join(" AND " + w for w in where))
    rows = session.execute(text(sql), params).mappings().all()
    matched = rows[0]["matched"] if rows else (0 if offset == 0 else session.execute(
        text(f"SELECT count(*) FROM control_zones z WHERE z.revs @> CAST(:rev AS integer) {''.join(' AND ' + w for w in where)}"),
        params).scalar_one())
    b = _base(request)
    query = {k: v for k, v in request.query_params.items() if k not in ("offset", "f")}
    self_q = urlencode({**query, "offset": offset})
    links = [{"rel": "self", "type": GEOJSON, "href": f"{b}/collections/{COLLECTION}/items?{self_q}"},
             {"rel": "alternate", "type": "text/html", "href": f"{b}/collections/{COLLECTION}/items?{self_q}&f=html"},
             {"rel": "collection", "type": "application/json", "href": f"{b}/collections/{COLLECTION}"}]
    if offset + len(rows) < matched:
        links.append({"rel": "next", "type": GEOJSON, "href": f"{b}/collections/{COLLECTION}/items?{urlencode({**query, 'offset': offset + limit})}"})
    if offset > 0:
        links.append({"rel": "prev", "type": GEOJSON, "href": f"{b}/collections/{COLLECTION}/items?{urlencode({**query, 'offset': max(0, offset - limit)})}"})
    doc = {"type": "FeatureCollection", "numberMatched": matched, "numberReturned": len(rows),
           "timeStamp": iso(datetime.now().astimezone()), "links": links,
           "features": [{"type": "Feature", "id": r["id"], "geometry": _frag(r["geometry"]),
                         "properties": {"faction": r["faction"], "faction_name": r["name_en"], "faction_name_ar": r["name_ar"],
                                        "color": r["color"], "valid_from": iso(r["valid_from"]), "valid_to": iso(r["valid_to"]),
                                        "area_km2": round(r["area_km2"], 3)}} for r in rows]}
    if _wants_html(request, f):
        return render(request, "ogc_items.html", {"doc": doc})
    return Response(orjson.dumps(doc), media_type=GEOJSON)


@router.get("/collections/{collection_id}/items/{item_id}", summary="One zone")
def item(request: Request, session: ReadSessionDep, collection_id: str, item_id: str,
         f: Annotated[str | None, Query(max_length=10)] = None):
    if collection_id != COLLECTION:
        raise NotFound(f"no collection {collection_id[:50]!r}")
    if not item_id.isdigit() or len(item_id) > 15:
        raise NotFound(f"no zone {item_id[:30]!r} (zone ids are whole numbers)")
    r = session.execute(text("""SELECT z.id, f.slug AS faction, f.name_en, lower(z.valid) AS valid_from, upper(z.valid) AS valid_to,
                                z.area_km2, ST_AsGeoJSON(z.geom, 5) AS geometry FROM control_zones z JOIN factions f ON f.id = z.faction_id
                                WHERE z.id = :id"""), {"id": int(item_id)}).mappings().one_or_none()
    if r is None:
        raise NotFound(f"no zone {item_id}")
    doc = {"type": "Feature", "id": r["id"], "geometry": _frag(r["geometry"]),
           "properties": {"faction": r["faction"], "faction_name": r["name_en"], "valid_from": iso(r["valid_from"]),
                          "valid_to": iso(r["valid_to"]), "area_km2": round(r["area_km2"], 3)},
           "links": [{"rel": "collection", "href": f"{_base(request)}/collections/{COLLECTION}"}]}
    if _wants_html(request, f):
        return render(request, "ogc_items.html", {"doc": {"features": [doc], "numberMatched": 1, "numberReturned": 1, "links": []}})
    return Response(orjson.dumps(doc), media_type=GEOJSON)
