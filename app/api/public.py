"""The public read API (see the contract in README.md). Routes only: parse, call the read side, send."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from app.api.deps import (AtInstant, FromInstant, PinDep, ReadModelDep, ReadSessionDep, SessionDep, ToInstant,
                          check_interval, public_base, send)
from app.read import lookup
from app.usecases.load import fold_text

router = APIRouter(prefix="/api", tags=["public"])


@router.get("/health", summary="Is the app up and does the database answer?")
def health(request: Request, session: SessionDep, rm: ReadModelDep):
    try:
        return {"status": "ok", "database": "up", "revision": lookup.current_revision(session)}
    except Exception:
        return JSONResponse({"status": "degraded", "database": "down", "revision": rm.known_revision}, status_code=503)


@router.get("/wars", summary="The wars this instance holds: slug, titles, status, period, time zone, revision")
def wars(request: Request):
    """Every war, the default first among equals: `slug` (give it as `war=` to any route), `title_en`/`title_ar`,
    `status` (`ongoing`: changes are recorded up to now; `ended`), `start`, `end` (an ongoing war's end is an
    hour after its latest change and grows), `time_zone`, `last_updated`, `latest_change`, `revision` (its own
    counter: a save in one war never moves another's), `viewer` and `embed` (its pages)."""
    from app.usecases.wars import public_list

    return JSONResponse(public_list(request.app.state.wars), headers={"Cache-Control": "public, max-age=10"})


@router.get("/summary", summary="What changed over the last 24 hours, 7 or 30 days: km² per faction, places")
def summary(request: Request, rm: ReadModelDep, pin: PinDep, session: ReadSessionDep,
            hours: Annotated[int, Query(description="24, 168 (7 days) or 720 (30 days)")] = 24):
    """For a war going on, the hours up to now; for one that ended, up to its end. `factions`: km² gained and
    lost by each faction over the span; `places`: the gazetteer places inside the changes of the span, with the
    faction that took each (the latest first); `changes`: how many changes the span holds."""
    from app.domain.errors import BadInput
    from app.read import summary as summaries

    if hours not in summaries.HOURS:
        raise BadInput(f"hours must be one of {', '.join(map(str, summaries.HOURS))}")
    base, from_host = public_base(request)
    return send(request, summaries.summary(rm, session, pin.rev, hours, base=base), "public, max-age=60",
                vary_host=from_host)


@router.get("/factions", summary="Factions with names (English, Arabic) and colours")
def factions(request: Request, rm: ReadModelDep, pin: PinDep):
    return send(request, rm.factions_payload(pin.rev), pin.cache_control)


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
    return send(request, rm.kml(pin.rev, at), pin.cache_control, filename=f"frontline-{at.strftime('%Y%m%dT%H%MZ')}.kml")


@router.get("/areas.csv", summary="CSV of per-faction areas (km2) at every change instant")
def areas_csv(request: Request, rm: ReadModelDep, pin: PinDep):
    return send(request, rm.areas_csv(pin.rev), pin.cache_control, filename="frontline-areas.csv")


@router.get("/diff", summary="Area gained and lost per faction between two instants (GeoJSON, km2)")
def diff(request: Request, rm: ReadModelDep, pin: PinDep, session: ReadSessionDep, t1: FromInstant, t2: ToInstant):
    check_interval(t1, t2)
    return send(request, rm.diff(session, pin.rev, t1, t2), pin.cache_control)


@router.get("/point", summary="Who holds a point at an instant, since when, and the changes and reports behind it")
def point(rm: ReadModelDep, pin: PinDep, session: ReadSessionDep, at: AtInstant,
          lat: Annotated[float, Query(ge=-90, le=90)], lon: Annotated[float, Query(ge=-180, le=180)]):
    return lookup.point(session, pin.rev, at, lat, lon)


@router.get("/reports", summary="The reports changes are based on")
def reports(request: Request, rm: ReadModelDep, pin: PinDep):
    return send(request, rm.reports_payload(pin.rev), pin.cache_control)


@router.get("/places", summary="Search the gazetteer (English, Arabic and variant names)")
def places(session: ReadSessionDep, q: Annotated[str, Query(max_length=100)] = "",
           limit: Annotated[int, Query(ge=1, le=500)] = 20):
    return lookup.places(session, fold_text(q), limit)


@router.get("/revisions", summary="The published revisions, newest first")
def revisions(session: ReadSessionDep, limit: Annotated[int, Query(ge=1, le=500)] = 50):
    # Public: numbers, times, kinds and what changed; never who, never the editors' reasons (lookup.revisions).
    return lookup.revisions(session, limit)


@router.get("/basemap/{layer}", summary="Base geography shipped with the project (offline fallback map)")
def basemap(request: Request, rm: ReadModelDep, layer: str):
    from app.read.basemap import layer_payload

    return send(request, layer_payload(layer, rm.gzip_level), "public, max-age=86400")
