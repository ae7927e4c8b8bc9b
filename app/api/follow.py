"""Following the front: feeds (Atom, JSON Feed), live revision events (SSE), the corrections log, and the
admins' view of webhook deliveries. The router's lifespan runs the webhook sender in this process."""
from __future__ import annotations

import asyncio
import math
import time
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.background import BackgroundTask

from app.usecases import accounts as auth

from app.read import feeds

from app.usecases import webhooks
from app.api.deps import PinDep, ReadModelDep, SessionDep, public_base, send, session_user, vary
from app.domain.times import parse_instant, zoned
from app.domain.errors import BadInput, Unavailable
from app.web.templating import render

MAX_STREAMS = 500          # concurrent /api/events streams per process; more get 503 and poll /api/health
STREAM_SECONDS = 60        # a stream ends after this and the browser reconnects (a shutdown waits at most this long)
HEARTBEAT_SECONDS = 15     # a comment line, so proxies do not close an idle stream
MAX_FEED_ENTRIES = 200


@asynccontextmanager
async def lifespan(app: FastAPI):
    s = app.state.settings
    base = s.public_url or f"http://{s.host}:{s.port}"  # FRONTLINE_PUBLIC_URL, else the address served on
    listen = s.database_url.replace("postgresql+psycopg://", "postgresql://")
    wars = app.state.wars
    workers = []

    def start_worker(war) -> None:  # one per war: a war's deliveries never wait behind another's
        if "webhooks" not in war.extra:
            # A war's links go to its own pages (the default war keeps the addresses of before wars).
            own = base if war.is_default or war.slug is None else f"{base}/w/{war.slug}"
            worker = war.extra["webhooks"] = webhooks.Worker(war.Session, base_url=own, listen_url=listen)
            workers.append(worker)
            worker.start()

    for war in wars.all() or [wars.default()]:
        start_worker(war)
    start_worker(wars.default())
    wars.on_new.append(start_worker)
    app.state.webhooks = wars.default().extra["webhooks"]
    app.state.sse_streams = 0
    try:
        yield
    finally:
        for worker in workers:
            worker.stop()


router = APIRouter(tags=["follow"], lifespan=lifespan)


# --- feed parameters ---------------------------------------------------------------------------------------

def _float(v: str, name: str) -> float:
    try:
        x = float(v)
    except ValueError:
        raise BadInput(f"{name} must be a number, not {v[:20]!r}") from None
    if not math.isfinite(x):
        raise BadInput(f"{name} must be a finite number")
    return x


def feed_filters(
    rm: ReadModelDep,
    faction: Annotated[str | None, Query(max_length=200, description="faction slug(s), comma-separated")] = None,
    place: Annotated[str | None, Query(max_length=100, description="gazetteer slug: changes containing it or within km of it")] = None,
    km: Annotated[str | None, Query(max_length=10, description="with place: distance in km (0-200, default 0)")] = None,
    bbox: Annotated[str | None, Query(max_length=100, description="minlon,minlat,maxlon,maxlat (EPSG:4326)")] = None,
    since: Annotated[str | None, Query(max_length=40, description="only changes at or after this instant (ISO 8601 with an offset)")] = None,
) -> feeds.Filters:
    asked = None if faction is None else tuple(dict.fromkeys(f.strip() for f in faction.split(",") if f.strip()))
    known, place_found = feeds.known_filters(rm, asked, place)
    factions: tuple[str, ...] = ()
    if asked is not None:
        factions = asked
        bad = [f for f in factions if f not in known]
        if bad or not factions:
            raise BadInput(f"unknown faction {', '.join(bad)[:60]!r}; use one of: {', '.join(known)}")
    if not place_found:
        raise BadInput(f"unknown place {place[:60]!r}; find its slug with /api/places?q=<name>")
    dist = 0.0
    if km is not None:
        if place is None:
            raise BadInput("km= needs place=")
        dist = _float(km, "km")
        if not 0 <= dist <= 200:
            raise BadInput("km must be between 0 and 200")
    box = None
    if bbox is not None:
        parts = bbox.split(",")
        if len(parts) != 4:
            raise BadInput("bbox must be four numbers: minlon,minlat,maxlon,maxlat")
        x0, y0, x1, y1 = (_float(p, "bbox") for p in parts)
        if not (-180 <= x0 < x1 <= 180 and -90 <= y0 < y1 <= 90):
            raise BadInput("bbox must be minlon,minlat,maxlon,maxlat with min < max, longitudes in [-180, 180], latitudes in [-90, 90]")
        box = (x0, y0, x1, y1)
    t = parse_instant(since, "since") if since is not None else None
    return feeds.Filters(factions=factions, place=place, km=dist, bbox=box, since=t)


FiltersDep = Annotated[feeds.Filters, Depends(feed_filters)]
Limit = Annotated[int, Query(ge=1, le=MAX_FEED_ENTRIES, description=f"at most this many entries (1-{MAX_FEED_ENTRIES})")]


def _feed(request: Request, rm, pin, flt: feeds.Filters, limit: int, fmt: str):
    base, from_host = public_base(request)
    return send(request, feeds.feed(rm, pin.rev, pin.pinned, flt, limit, fmt, base), pin.cache_control, vary_host=from_host)


@router.get("/api/changes.atom", summary="Atom 1.0 feed of the published changes, newest instant first")
def changes_atom(request: Request, rm: ReadModelDep, pin: PinDep, flt: FiltersDep, limit: Limit = feeds.DEFAULT_LIMIT):
    """One entry per published change: instant, faction, confidence, km2, the gazetteer places inside it,
    the public summary, the cited reports and a link opening the viewer there. Filters: `faction`,
    `place` (+`km`), `bbox`, `since`; `rev` or `as_of` pin a revision."""
    return _feed(request, rm, pin, flt, limit, "atom")


@router.get("/api/changes.json", summary="JSON Feed 1.1 of the published changes, newest instant first")
def changes_json(request: Request, rm: ReadModelDep, pin: PinDep, flt: FiltersDep, limit: Limit = feeds.DEFAULT_LIMIT):
    """The same entries as the Atom feed; structured fields in each item's `_frontline` object."""
    return _feed(request, rm, pin, flt, limit, "json")


# --- corrections -------------------------------------------------------------------------------------------

@router.get("/api/corrections", summary="Revisions that changed what the map had already published")
def corrections(request: Request, rm: ReadModelDep, pin: PinDep,
                limit: Annotated[int, Query(ge=1, le=500)] = 100):
    """Every revert, and every change recorded at an instant earlier than the latest one the map already
    showed: which instants and places, the area involved, a public reason, when, and links to the map
    before and after. No editor is named."""
    base, from_host = public_base(request)
    return send(request, feeds.corrections_payload(rm, pin.rev, base, limit), pin.cache_control, vary_host=from_host)


@router.get("/corrections", include_in_schema=False)
def corrections_page(request: Request, rm: ReadModelDep, pin: PinDep, lang: Annotated[str, Query(max_length=5)] = "en"):
    lang = "ar" if lang == "ar" else "en"
    base, from_host = public_base(request)
    rows, ds = feeds.corrections_of(rm, pin.rev, base, 100)

    def shown(t: str) -> str:  # in the data set's local time, labelled (as everywhere in the app)
        lt, label = zoned(parse_instant(t, "t"), ds)
        return lt.strftime("%Y-%m-%d %H:%M ") + label
    items = [{**c, "instants_shown": [shown(t) for t in c["instants"]], "published_shown": shown(c["published_at"])}
             for c in rows]
    return render(request, "corrections.html", {"config": {"revision": pin.rev}, "lang": lang, "items": items,
                                                "revision": pin.rev},
                  headers={"Cache-Control": pin.cache_control, **({"Vary": vary(gzip=False, host=True)} if from_host else {})})


# --- live events -------------------------------------------------------------------------------------------

class _Slot:
    def __init__(self, state):
        self.state, self.held = state, True

    def release(self):
        if self.held:
            self.held = False
            self.state.sse_streams -= 1


@router.get("/api/events", summary="Server-Sent Events: a `revision` event whenever a new revision is published")
async def events(request: Request, rm: ReadModelDep):
    """With `Accept: text/event-stream` (as EventSource sends): `event: revision` with `{"revision": N}` on
    connect and after each publish, and a comment every 15 s. Otherwise the current revision as JSON, once.
    Streams end after a minute (browsers reconnect by themselves). When too many are open, 503:
    poll `/api/health`'s `revision` instead."""
    state = request.app.state
    if "text/event-stream" not in request.headers.get("accept", ""):
        # Not an event-stream client (EventSource always asks for one): the current revision, once.
        return JSONResponse({"revision": rm.known_revision or 0}, headers={"Cache-Control": "no-store"})
    if state.sse_streams >= MAX_STREAMS:
        raise Unavailable("too many live connections right now; poll /api/health for the revision", retry_after=30)
    state.sse_streams += 1
    slot = _Slot(state)

    async def stream():
        try:
            yield b"retry: 5000\n\n"
            last, started = None, time.monotonic()
            beat = started
            while time.monotonic() - started < STREAM_SECONDS:
                rev = rm.known_revision
                if rev is not None and rev != last:
                    last = rev
                    yield f"event: revision\nid: {rev}\ndata: {{\"revision\": {rev}}}\n\n".encode()
                elif time.monotonic() - beat >= HEARTBEAT_SECONDS:
                    beat = time.monotonic()
                    yield b": keep-alive\n\n"
                await asyncio.sleep(0.5)
        finally:
            slot.release()

    return StreamingResponse(stream(), media_type="text/event-stream", background=BackgroundTask(slot.release),
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


# --- admins ------------------------------------------------------------------------------------------------

@router.get("/api/admin/webhooks", summary="Webhook endpoints and their recent deliveries (admins)")
def admin_webhooks(request: Request, session: SessionDep, limit: Annotated[int, Query(ge=1, le=500)] = 100):
    auth.require(session_user(request, session), "admin")
    return {"endpoints": webhooks.list_endpoints(session),
            "deliveries": webhooks.delivery_log(session, limit=limit)}
