"""The public read API (see the contract in README.md). Routes only: parse, call the read model, shape."""
from __future__ import annotations

import csv
import io
from typing import Annotated
from xml.sax.saxutils import escape

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app.store import queries
from app.api.deps import (AtInstant, FromInstant, PinDep, ReadModelDep, ReadSessionDep, SessionDep, ToInstant,
                          check_interval, send)
from app.domain.text import storable
from app.domain.times import iso
from app.usecases.load import fold_text
from app.read.model import Payload, _frag, _json

router = APIRouter(prefix="/api", tags=["public"])


@router.get("/health", summary="Is the app up and does the database answer?")
def health(request: Request, session: SessionDep):
    rm = request.app.state.readmodel
    try:
        rev = queries.current_revision(session)
        return {"status": "ok", "database": "up", "revision": rev}
    except Exception:
        return JSONResponse({"status": "degraded", "database": "down", "revision": rm._revision}, status_code=503)


@router.get("/factions", summary="Factions with names (English, Arabic) and colours")
def factions(request: Request, rm: ReadModelDep, pin: PinDep):
    payload = rm.cached(("factions", pin.rev), lambda: Payload.build(_json(rm.meta(pin.rev)["factions"]), "application/json", rm.gzip_level))
    return send(request, payload, pin.cache_control)


@router.get("/timeline", summary="The time axis of the whole period and the windows that hold its geometry")
def timeline(request: Request, rm: ReadModelDep, pin: PinDep):
    """Factions, the change instants, per-faction area (km2) at each instant, the cited reports, and the list of
    windows: each window is a keyframe (the zones at its first instant) plus the changes up to the next window,
    fetched from `/api/timeline/window?i=K`. A period that fits in one window carries it inline
    (`windows[0].data`), so a short war plays from this one response."""
    return send(request, rm.timeline(pin.rev), pin.cache_control)


@router.get("/timeline/window", summary="One window of the timeline: a keyframe and the changes after it")
def timeline_window(request: Request, rm: ReadModelDep, pin: PinDep,
                    i: Annotated[int, Query(ge=0, le=1_000_000, description="the window's number (see /api/timeline)")]):
    """`keyframe`: GeoJSON of the zones valid at the window's first instant; `changes`: every change with
    from <= at < to, in order, each with its geometry. The map at t is the keyframe with the changes up to t
    painted over it in order (a change gives its whole area to its faction)."""
    return send(request, rm.window(pin.rev, i), pin.cache_control)


@router.get("/snapshot", summary="GeoJSON FeatureCollection of the zones valid at an instant")
def snapshot(request: Request, rm: ReadModelDep, pin: PinDep, at: AtInstant,
             download: Annotated[bool, Query(description="serve as a file download")] = False):
    return send(request, rm.snapshot(pin.rev, at), pin.cache_control,
                filename=f"frontline-{at.strftime('%Y%m%dT%H%MZ')}.geojson" if download else None)


@router.get("/snapshot.kml", summary="KML of the zones valid at an instant")
def snapshot_kml(request: Request, rm: ReadModelDep, pin: PinDep, at: AtInstant):
    idx = rm.interval(pin.rev, at)

    def build():
        colors = {f["slug"]: f for f in rm.meta(pin.rev)["factions"]}
        return Payload.build(kml(rm.zones(pin.rev, idx), colors).encode(), "application/vnd.google-earth.kml+xml", rm.gzip_level)
    payload = rm.cached(("kml", pin.rev, idx), build)
    return send(request, payload, pin.cache_control, filename=f"frontline-{at.strftime('%Y%m%dT%H%MZ')}.kml")


def kml(zones: list[dict], factions: dict) -> str:
    def coords(ring):
        return " ".join(f"{x},{y}" for x, y in ring)

    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<kml xmlns="http://www.opengis.net/kml/2.2"><Document>',
           "<name>Frontline control zones</name>"]
    for slug, f in factions.items():
        c = f["color"].lstrip("#")
        out.append(f'<Style id="{escape(slug)}"><LineStyle><color>ff{c[4:6]}{c[2:4]}{c[0:2]}</color><width>1.5</width></LineStyle>'
                   f'<PolyStyle><color>80{c[4:6]}{c[2:4]}{c[0:2]}</color></PolyStyle></Style>')
    for z in zones:
        name = factions.get(z["faction"], {}).get("name_en", z["faction"])
        begin, end = iso(z["valid_from"]), iso(z["valid_to"])
        out.append(f"<Placemark><name>{escape(name)}</name><styleUrl>#{escape(z['faction'])}</styleUrl>"
                   f"<TimeSpan><begin>{begin}</begin>{'<end>' + end + '</end>' if end else ''}</TimeSpan>"
                   f"<ExtendedData><Data name=\"faction\"><value>{escape(z['faction'])}</value></Data>"
                   f"<Data name=\"area_km2\"><value>{z['area_km2']}</value></Data></ExtendedData><MultiGeometry>")
        for poly in orjson.loads(z["geometry"])["coordinates"]:
            out.append("<Polygon><outerBoundaryIs><LinearRing><coordinates>" + coords(poly[0]) + "</coordinates></LinearRing></outerBoundaryIs>")
            for hole in poly[1:]:
                out.append("<innerBoundaryIs><LinearRing><coordinates>" + coords(hole) + "</coordinates></LinearRing></innerBoundaryIs>")
            out.append("</Polygon>")
        out.append("</MultiGeometry></Placemark>")
    out.append("</Document></kml>")
    # A name stored before the text rule may hold what XML cannot carry (app.domain.text): KML is XML too.
    return storable("\n".join(out))


@router.get("/areas.csv", summary="CSV of per-faction areas (km2) at every change instant")
def areas_csv(request: Request, rm: ReadModelDep, pin: PinDep):
    def build():
        pub = rm.publication(pin.rev)
        buf = io.StringIO()
        w = csv.writer(buf)
        slugs = [f["slug"] for f in pub.factions]
        w.writerow(["instant_utc", *[f"{s}_km2" for s in slugs]])
        for i, t in enumerate(pub.instants):
            w.writerow([iso(t), *[pub.areas[s][i] for s in slugs]])
        return Payload.build(buf.getvalue().encode(), "text/csv; charset=utf-8", rm.gzip_level)
    return send(request, rm.cached(("csv", pin.rev), build), pin.cache_control, filename="frontline-areas.csv")


@router.get("/diff", summary="Area gained and lost per faction between two instants (GeoJSON, km2)")
def diff(request: Request, rm: ReadModelDep, pin: PinDep, session: ReadSessionDep, t1: FromInstant, t2: ToInstant):
    check_interval(t1, t2)
    i1, i2 = rm.interval(pin.rev, t1), rm.interval(pin.rev, t2)

    def build():
        s1, s2 = rm.interval_start(pin.rev, i1), rm.interval_start(pin.rev, i2)
        rows = session.execute(queries.DIFF, {"t1": s1 or t1, "t2": s2 or t2, "rev": pin.rev, "digits": queries.COORD_DIGITS}).mappings().all()
        feats, summary = [], []
        for r in rows:
            summary.append({"faction": r["faction"], "area_from_km2": round(r["area_from"], 2), "area_to_km2": round(r["area_to"], 2),
                            "gained_km2": round(r["gained_km2"], 2), "lost_km2": round(r["lost_km2"], 2)})
            for kind in ("gained", "lost"):
                if r[f"{kind}_geometry"] and r[f"{kind}_km2"] > 0.0005:
                    feats.append({"type": "Feature", "geometry": _frag(r[f"{kind}_geometry"]),
                                  "properties": {"faction": r["faction"], "kind": kind, "area_km2": round(r[f"{kind}_km2"], 3)}})
        doc = {"type": "FeatureCollection", "revision": pin.rev, "from": iso(t1), "to": iso(t2), "factions": summary, "features": feats}
        return Payload.build(_json(doc), "application/geo+json", rm.gzip_level)
    return send(request, rm.cached(("diff", pin.rev, i1, i2), build), pin.cache_control)


@router.get("/point", summary="Who holds a point at an instant, since when, and the changes and reports behind it")
def point(rm: ReadModelDep, pin: PinDep, session: ReadSessionDep, at: AtInstant,
          lat: Annotated[float, Query(ge=-90, le=90)], lon: Annotated[float, Query(ge=-180, le=180)]):
    params = {"lat": lat, "lon": lon, "at": at, "rev": pin.rev}
    zone = session.execute(queries.ZONE_AT_POINT, params).mappings().first()
    chain = session.execute(queries.CHANGES_AT_POINT, params).mappings().all()
    report_ids = sorted({rid for c in chain for rid in c["report_ids"]})
    reports = {r["id"]: r for r in session.execute(text(
        "SELECT id, title, publisher, published_at, url, summary FROM reports WHERE id = ANY(:ids)"), {"ids": report_ids}).mappings()}
    holder = zone["faction"] if zone else None
    # "Since when": the latest change covering the point that gave it to the holder, after the last one that did not.
    since = None
    for c in chain:
        if c["faction"] == holder:
            since = since or c["at"]
        else:
            since = None
    return {
        "revision": pin.rev, "at": iso(at), "lat": lat, "lon": lon,
        "faction": holder,
        "since": iso(since) if since else (iso(zone["valid_from"]) if zone else None),
        "zone_valid_from": iso(zone["valid_from"]) if zone else None,
        "zone_valid_to": iso(zone["valid_to"]) if zone else None,
        "changes": [{"id": c["id"], "at": iso(c["at"]), "faction": c["faction"], "confidence": c["confidence"],
                     "summary_en": c["summary_en"], "summary_ar": c["summary_ar"],
                     "reports": [{"id": rid, "title": reports[rid]["title"], "publisher": reports[rid]["publisher"],
                                  "published_at": iso(reports[rid]["published_at"]), "url": reports[rid]["url"]}
                                 for rid in c["report_ids"] if rid in reports]}
                    for c in chain],
    }


@router.get("/reports", summary="The reports changes are based on")
def reports(request: Request, rm: ReadModelDep, pin: PinDep):
    def build():
        with rm.Session() as s:
            return Payload.build(_json(rm.reports(s, pin.rev)), "application/json", rm.gzip_level)
    return send(request, rm.cached(("reports", pin.rev), build), pin.cache_control)


@router.get("/places", summary="Search the gazetteer (English, Arabic and variant names)")
def places(session: ReadSessionDep, q: Annotated[str, Query(max_length=100)] = "",
           limit: Annotated[int, Query(ge=1, le=500)] = 20):
    key = fold_text(q)
    if not key:
        rows = session.execute(text("""SELECT slug, name_en, name_ar, variants, kind, rank, ST_X(geom) lon, ST_Y(geom) lat
                                       FROM places ORDER BY rank, name_en LIMIT :limit"""), {"limit": limit}).mappings().all()
    else:
        rows = session.execute(text("""
            SELECT slug, name_en, name_ar, variants, kind, rank, ST_X(geom) lon, ST_Y(geom) lat
            FROM places
            WHERE search_text LIKE '%' || :k || '%' OR word_similarity(:k, search_text) > 0.5
            ORDER BY (search_text LIKE :k || '%' OR search_text LIKE '%| ' || :k || '%') DESC,
                     word_similarity(:k, search_text) DESC, rank, name_en
            LIMIT :limit"""), {"k": key.replace("%", "").replace("_", " "), "limit": limit}).mappings().all()
    return [{**dict(r), "lon": round(r["lon"], 5), "lat": round(r["lat"], 5)} for r in rows]


@router.get("/revisions", summary="The published revisions, newest first")
def revisions(session: ReadSessionDep, limit: Annotated[int, Query(ge=1, le=500)] = 50):
    # Public: numbers, times, kinds and what changed; never who (people mapping a war can be in danger) and never
    # the reasons editors typed (private to editors; /api/corrections words corrections from public summaries).
    rows = session.execute(queries.PUBLIC_REVISIONS, {"l": limit}).mappings().all()
    return [{"id": r["id"], "created_at": iso(r["created_at"]), "kind": r["kind"], "reverts_id": r["reverts_id"],
             "changes": r["changes"], "retracted": r["retracted"]} for r in rows]


@router.get("/basemap/{layer}", summary="Base geography shipped with the project (offline fallback map)")
def basemap(request: Request, rm: ReadModelDep, layer: str):
    from app.read.basemap import layer_payload

    return send(request, layer_payload(layer, rm.gzip_level), "public, max-age=86400")
