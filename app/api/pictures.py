"""Pictures of the map made by the server: PNG at an instant, GIF/MP4 of the period.

Each picture is the most expensive public read, so it is metered and isolated:
- a cost budget per request (width x height x frames, `render_budget_pixels`): above it, 422 saying how to
  ask for less;
- rendered in worker processes (app.read.renderpool), never in the request threads; when the pool and its short
  queue are full the answer is 503 with Retry-After at once;
- kept per revision and parameters in a cache bounded in bytes (app.read.cache.ByteLRU, the class of every byte
  cache of the app; an instance of its own, `state.pictures`, so a few large GIFs never push the cheap JSON
  payloads out of the read model's cache, nor the reverse), so the common pictures (a change instant's PNG, the
  period's GIF at the default size) are rendered once per revision, and answered 304 by the one rule (`send`);
- anonymous clients get a per-address rate limit on renders that are not cached yet (`render_rate_per_minute`).
Pictures are already compressed: they are sent as they are, never gzipped again.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from app.read import pictures as render
from app.api.deps import AtInstant, Pin, PinDep, ReadModelDep, is_signed_in, send
from app.domain.times import parse_instant
from app.domain.errors import BadInput, TooManyAttempts
from app.read.payload import Payload

router = APIRouter(prefix="/api", tags=["pictures"])

Side = Annotated[int | None, Query(ge=render.MIN_SIDE, le=render.MAX_SIDE, description="pixels (default: the preset's, or the route's)")]
Preset = Annotated[Literal[tuple(render.PRESETS)] | None, Query(
    description="a social size: " + ", ".join(f"{k} {w}x{h}" for k, (w, h) in render.PRESETS.items()))]
Lang = Annotated[Literal["en", "ar"], Query()]
Instant = Annotated[str, Query(max_length=40, description="ISO 8601 with an offset")]
Step = Annotated[int | None, Query(ge=1, le=10080, description="minutes between frames; omit for one frame per change")]
Fps = Annotated[float, Query(ge=0.2, le=30)]
Bbox = Annotated[str | None, Query(max_length=200, description="minLon,minLat,maxLon,maxLat (default: the data set's extent)")]
MEDIA = {"png": "image/png", "gif": "image/gif", "mp4": "video/mp4"}


def _responses(fmt: str) -> dict:
    return {200: {"content": {MEDIA[fmt]: {"schema": {"type": "string", "format": "binary"}}},
                  "description": f"the picture ({MEDIA[fmt]})"},
            429: {"description": "too many uncached pictures from this address; see Retry-After"},
            503: {"description": "the picture workers are busy or the database is down; see Retry-After"}}


def _bbox(value: str | None):
    if not value:
        return None
    from app.api.ogc import parse_bbox
    return parse_bbox(value)


def _view(c: str | None, z: float | None):
    """The viewer's view (c=lat,lon and z, as in its permalink), or None."""
    if c is None and z is None:
        return None
    try:
        lat, lon = (float(v) for v in (c or "").split(","))
    except ValueError:
        raise BadInput("c must be lat,lon (decimal degrees), given together with z") from None
    if not (-85 <= lat <= 85 and -180 <= lon <= 180) or z is None:
        raise BadInput("c must be lat,lon within -85..85 and -180..180, given together with z (0 to 18)")
    return (lat, lon, z)


def _size(preset: str | None, width: int | None, height: int | None, default: tuple[int, int]) -> tuple[int, int]:
    """The picture's size: the preset's, the route's default, or width and height (each may replace one side)."""
    w, h = render.PRESETS[preset] if preset else default
    return width or w, height or h


def _factions(value: str | None):
    return None if value is None else tuple(sorted({s.strip() for s in value.split(",") if s.strip()}))


# What the reader sees: the factions left visible and the map's view (bbox, or c and z like the permalink).
Factions = Annotated[str | None, Query(max_length=300, description="comma-separated faction slugs to draw (default: all)")]
Center = Annotated[str | None, Query(max_length=60, description="view centre lat,lon (with z): what the viewer shows")]
Zoom = Annotated[float | None, Query(ge=0, le=18, description="view zoom (with c)")]


def check_budget(budget: int, width: int, height: int, frames: int) -> None:
    cost = width * height * frames
    if cost > budget:
        raise BadInput(f"this picture would cost {width} x {height} pixels x {frames} frame{'s' if frames != 1 else ''} = "
                       f"{cost:,} pixel-frames; the limit is {budget:,}. Ask for a smaller size, a longer step or a "
                       f"shorter period", cost=cost, budget=budget)


async def _picture(request: Request, rm, pin: Pin, key: tuple, fmt: str, fn, kwargs: dict, *, filename=None) -> Response:
    state = request.app.state
    cache = state.pictures
    hit = cache.get(key)
    if hit is None:
        state.render_pool.check(key)  # full: 503 now, before any work
        limiter = state.render_limiter
        if limiter.burst > 0 and not await run_in_threadpool(is_signed_in, request):
            from app.api.editor import client_ip
            wait = limiter.take(client_ip(request))
            if wait:
                raise TooManyAttempts("too many new pictures from your address; cached pictures are still served. "
                                      f"Try again in {limiter.retry_after(wait)} s", retry_after=limiter.retry_after(wait))
        # What the pictures need (zones of each instant, the changes of each step) is gathered in a thread once
        # a worker slot is held, then handed to the worker process.
        instants = kwargs.get("instants") or [kwargs["at"]]
        data = await state.render_pool.run(key, fn, **kwargs,
                                           prepare=lambda: run_in_threadpool(rm.frames, pin.rev, instants))
        hit = cache.get(key) or cache.put(key, Payload.compressed(data, MEDIA[fmt]))
    return send(request, hit, pin.cache_control, filename=filename)


async def _change_instants(rm, rev: int) -> list[str]:
    """The change instants of a revision (ISO strings), off the event loop (the read model keeps them)."""
    return await run_in_threadpool(rm.change_instants, rev)


def _utc(t: datetime) -> str:
    return t.astimezone(timezone.utc).isoformat()


@router.get("/render.png", summary="PNG of the map at an instant (zones, base geography, legend with km², attribution)",
            response_class=Response, responses=_responses("png"))
async def render_png(request: Request, rm: ReadModelDep, pin: PinDep, at: AtInstant, width: Side = None, height: Side = None,
                     lang: Lang = "en", bbox: Bbox = None, factions: Factions = None, c: Center = None, z: Zoom = None,
                     preset: Preset = None):
    box, view, shown = _bbox(bbox), _view(c, z), _factions(factions)
    width, height = _size(preset, width, height, (1200, 900))
    check_budget(request.app.state.settings.render_budget_pixels, width, height, 1)
    key = ("png", id(rm), pin.rev, _utc(at), width, height, lang, box, view, shown)
    return await _picture(request, rm, pin, key, "png", render.png,
                          {"at": at, "width": width, "height": height, "lang": lang, "bbox": box, "view": view,
                           "factions": shown})


async def _animation(request, rm, pin, fmt, t_from, t_to, step_minutes, fps, width, height, lang, bbox,
                     factions=None, c=None, z=None, preset=None):
    width, height = _size(preset, width, height, (800, 600))
    t1, t2 = parse_instant(t_from, "from"), parse_instant(t_to, "to")
    box, view, shown = _bbox(bbox), _view(c, z), _factions(factions)
    tl = {"instants": await _change_instants(rm, pin.rev)}
    instants = render.frame_instants(tl, t1, t2, timedelta(minutes=step_minutes) if step_minutes else None)
    check_budget(request.app.state.settings.render_budget_pixels, width, height, len(instants))
    key = (fmt, id(rm), pin.rev, tuple(_utc(t) for t in instants), fps, width, height, lang, box, view, shown)
    return await _picture(request, rm, pin, key, fmt, render.animation,
                          {"instants": instants, "fmt": fmt, "fps": fps, "width": width, "height": height, "lang": lang,
                           "bbox": box, "view": view, "factions": shown}, filename=f"frontline.{fmt}")


@router.get("/render.gif", summary="Animated GIF of the period: one frame per change (or per step), gains highlighted; the last frame, "
                    "the period's end, is held",
            response_class=Response, responses=_responses("gif"))
async def render_gif(request: Request, rm: ReadModelDep, pin: PinDep, from_: Annotated[str, Query(alias="from", max_length=40)],
                     to: Instant, step: Step = None, fps: Fps = 1.5, width: Side = None, height: Side = None, lang: Lang = "en",
                     bbox: Bbox = None, factions: Factions = None, c: Center = None, z: Zoom = None, preset: Preset = None):
    return await _animation(request, rm, pin, "gif", from_, to, step, fps, width, height, lang, bbox, factions, c, z, preset)


@router.get("/render.mp4", summary="MP4 video of the period: one frame per change (or per step)",
            response_class=Response, responses=_responses("mp4"))
async def render_mp4(request: Request, rm: ReadModelDep, pin: PinDep, from_: Annotated[str, Query(alias="from", max_length=40)],
                     to: Instant, step: Step = None, fps: Fps = 1.5, width: Side = None, height: Side = None, lang: Lang = "en",
                     bbox: Bbox = None, factions: Factions = None, c: Center = None, z: Zoom = None, preset: Preset = None):
    return await _animation(request, rm, pin, "mp4", from_, to, step, fps, width, height, lang, bbox, factions, c, z, preset)
