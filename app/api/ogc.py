"""OGC API - Features (Part 1: Core) under /ogc/: one collection per war, `control_zones` (the default war's, or
the war the request names with `war=` or /w/SLUG/) and `control_zones-SLUG` for each other war (the path is
served as the war's own `control_zones`: app.platform.server.WarPaths).

`datetime` is matched against each zone's validity interval [valid_from, valid_to): an instant selects the
zones valid at it; an interval `a/b` (either end may be `..`) the zones valid at any moment of it.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.api.deps import PinDep, ReadModelDep, public_base, vary
from app.domain.times import iso, parse_instant
from app.domain.errors import BadInput, NotFound
from app.read.formats.json_ import dumps
from app.read.formats.ogc import ITEM_ID_FORMAT, zone_item
from app.web.templating import render

router = APIRouter(prefix="/ogc", tags=["OGC API - Features"])
COLLECTION = "control_zones"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
GEOJSON = "application/geo+json"
# Items are built on demand (each a dissolved zone, cached per revision): at most this many per page, so one
# request costs a bounded number of dissolves.
MAX_PAGE = 25


def _base(request: Request) -> str:
    """Links start at FRONTLINE_PUBLIC_URL when configured, else at the request's own address (then the
    response says `Vary: Host`: see app.api.deps.public_base). A collection named `control_zones-SLUG` links
    to itself under /ogc/, not under its war's prefix."""
    base = public_base(request)[0]
    if "frontline.collection" in request.scope:
        base = base.rsplit("/w/", 1)[0]
    return base + "/ogc"


def _cid(request: Request) -> str:
    """The id the request named its collection by (`control_zones`, or `control_zones-SLUG`)."""
    return request.scope.get("frontline.collection", COLLECTION)


def _headers(request: Request) -> dict:
    v = vary(gzip=False, host=public_base(request)[1])
    return {"Vary": v} if v else {}


def _wants_html(request: Request, f: str | None) -> bool:
    if f:
        if f not in ("json", "html", "geojson"):
            raise BadInput("f must be json or html")
        return f == "html"
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "json" not in accept


def _out(request: Request, doc: dict, f: str | None, template: str, media_type: str = "application/json"):
    if _wants_html(request, f):
        return render(request, template, {"doc": doc}, headers=_headers(request))
    return Response(dumps(doc), media_type=media_type, headers=_headers(request))


@router.get("/", summary="Landing page")
def landing(request: Request, f: Annotated[str | None, Query(max_length=10)] = None):
    b = _base(request)
    doc = {"title": "Frontline: control zones", "description": "Who controls what during a war, over time.",
           "links": [
               {"rel": "self", "type": "application/json", "href": f"{b}/"},
               {"rel": "alternate", "type": "text/html", "href": f"{b}/?f=html"},
               {"rel": "service-desc", "type": "application/vnd.oai.openapi+json;version=3.0", "href": public_base(request)[0] + "/openapi.json"},
               {"rel": "service-doc", "type": "text/html", "href": public_base(request)[0] + "/docs"},
               {"rel": "conformance", "type": "application/json", "href": f"{b}/conformance"},
               {"rel": "data", "type": "application/json", "href": f"{b}/collections"},
           ]}
    return _out(request, doc, f, "ogc_landing.html")


@router.get("/conformance", summary="Conformance classes")
def conformance(request: Request, f: Annotated[str | None, Query(max_length=10)] = None):
    return _out(request, {"conformsTo": CONFORMANCE}, f, "ogc_landing.html")


def _collection(request: Request, rm, rev: int, cid: str | None = None) -> dict:
    meta = rm.meta(rev)
    ds = rm.dataset_json(meta) or {"extent": [-180, -90, 180, 90], "start": None, "end": None, "title_en": "control zones"}
    b = _base(request)
    cid = cid or _cid(request)
    return {
        "id": cid, "title": f"Control zones: {ds['title_en']}", "itemType": "feature",
        "description": "The area each faction holds over its validity interval [valid_from, valid_to).",
        "extent": {"spatial": {"bbox": [ds["extent"]], "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"},
                   "temporal": {"interval": [[ds["start"], None]], "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}},
        "crs": ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"],
        "links": [
            {"rel": "self", "type": "application/json", "href": f"{b}/collections/{cid}"},
            {"rel": "items", "type": GEOJSON, "href": f"{b}/collections/{cid}/items"},
            {"rel": "items", "type": "text/html", "href": f"{b}/collections/{cid}/items?f=html"},
        ],
    }


@router.get("/collections", summary="Collections")
def collections(request: Request, rm: ReadModelDep, pin: PinDep, f: Annotated[str | None, Query(max_length=10)] = None):
    b = _base(request)
    wars = request.app.state.wars
    if "war" in request.query_params or len(wars.all()) < 2:
        listed = [_collection(request, rm, pin.rev)]
    else:  # every war: the default one as `control_zones`, the others as `control_zones-SLUG`
        listed = [_collection(request, w.readmodel, w.readmodel.revision,
                              COLLECTION if w.is_default else f"{COLLECTION}-{w.slug}")
                  for w in wars.all() if w.readmodel.revision]
    doc = {"links": [{"rel": "self", "type": "application/json", "href": f"{b}/collections"}],
           "collections": listed}
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


def _version_feature(rm, pub, faction: str, idx: int) -> dict | None:
    z = next((z for z in rm.zones(pub.rev, idx) if z["faction"] == faction), None)
    if z is None:
        return None
    return zone_item(z, next(f for f in pub.factions if f["slug"] == faction))


@router.get("/collections/{collection_id}/items", summary="Zones, filtered by datetime (validity) and bbox")
def items(request: Request, rm: ReadModelDep, pin: PinDep, collection_id: str,
          datetime_: Annotated[str | None, Query(alias="datetime", max_length=100,
                                                 description="instant or interval (a/b, '..' open) matched against validity")] = None,
          bbox: Annotated[str | None, Query(max_length=200, description="minlon,minlat,maxlon,maxlat")] = None,
          limit: Annotated[int, Query(ge=1, le=1000, description="at most 25 are returned per page")] = 25,
          offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
          f: Annotated[str | None, Query(max_length=10)] = None):
    """Each item is one faction's zone over one validity interval (its area is the same throughout it)."""
    if collection_id != COLLECTION:
        raise NotFound(f"no collection {collection_id[:50]!r}; the collection is {COLLECTION!r}")
    limit = min(limit, MAX_PAGE)
    pub = rm.publication(pin.rev)
    start = end = None
    if datetime_:
        start, end, _ = parse_datetime(datetime_)
    box = parse_bbox(bbox) if bbox else None
    # The zone versions: (faction, instant index where its area last changed), without building any geometry.
    versions = rm.zone_versions(pin.rev)
    matched_versions = []
    for fac, idx, vf, vt in versions:
        if start is not None and vt is not None and vt <= start:
            continue
        if end is not None and vf > end:
            continue
        matched_versions.append((fac, idx, vf, vt))
    if box is not None:
        hits = rm.versions_in_box(pin.rev, box)
        matched_versions = [v for v in matched_versions if (v[0], v[1]) in hits]
    matched = len(matched_versions)
    page = matched_versions[offset:offset + limit]
    features = [ft for ft in (_version_feature(rm, pub, fac, idx) for fac, idx, _, _ in page) if ft is not None]
    b = _base(request)
    query = {k: v for k, v in request.query_params.items() if k not in ("offset", "f")}
    self_q = urlencode({**query, "offset": offset})
    links = [{"rel": "self", "type": GEOJSON, "href": f"{b}/collections/{_cid(request)}/items?{self_q}"},
             {"rel": "alternate", "type": "text/html", "href": f"{b}/collections/{_cid(request)}/items?{self_q}&f=html"},
             {"rel": "collection", "type": "application/json", "href": f"{b}/collections/{_cid(request)}"}]
    if offset + len(page) < matched:
        links.append({"rel": "next", "type": GEOJSON, "href": f"{b}/collections/{_cid(request)}/items?{urlencode({**query, 'offset': offset + limit})}"})
    if offset > 0:
        links.append({"rel": "prev", "type": GEOJSON, "href": f"{b}/collections/{_cid(request)}/items?{urlencode({**query, 'offset': max(0, offset - limit)})}"})
    doc = {"type": "FeatureCollection", "numberMatched": matched, "numberReturned": len(features),
           "timeStamp": iso(datetime.now().astimezone()), "links": links, "features": features}
    if _wants_html(request, f):
        return render(request, "ogc_items.html", {"doc": doc})
    return Response(dumps(doc), media_type=GEOJSON, headers=_headers(request))


@router.get("/collections/{collection_id}/items/{item_id}", summary="One zone")
def item(request: Request, rm: ReadModelDep, pin: PinDep, collection_id: str, item_id: str,
         f: Annotated[str | None, Query(max_length=10)] = None):
    if collection_id != COLLECTION:
        raise NotFound(f"no collection {collection_id[:50]!r}")
    faction, _, stamp = item_id.partition("~")
    try:
        at = datetime.strptime(stamp, ITEM_ID_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        raise NotFound(f"no zone {item_id[:40]!r} (zone ids are <faction>~<YYYYMMDDTHHMMSSZ>, as in the items' ids)") from None
    pub = rm.publication(pin.rev)
    idx = pub.interval(at)
    doc = _version_feature(rm, pub, faction, idx) if idx >= 0 and pub.instants[idx] == at else None
    if doc is None or doc["id"] != item_id:
        raise NotFound(f"no zone {item_id[:40]!r} in revision {pin.rev}")
    doc["links"] = [{"rel": "collection", "href": f"{_base(request)}/collections/{_cid(request)}"}]
    if _wants_html(request, f):
        return render(request, "ogc_items.html", {"doc": {"features": [doc], "numberMatched": 1, "numberReturned": 1, "links": []}})
    return Response(dumps(doc), media_type=GEOJSON, headers=_headers(request))
