"""Pictures of the map made by the server: PNG at an instant, GIF/MP4 of the period. Cached per revision."""
import threading

from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from app import render
from app.api.deps import AtInstant, PinDep, ReadModelDep, send
from app.domain.times import parse_instant
from app.errors import BadInput, Unavailable
from app.readmodel import Payload

router = APIRouter(prefix="/api", tags=["pictures"])
# Rendering is CPU work: at most two at once per process; others wait briefly, then get 503.
_slots = threading.BoundedSemaphore(2)

Side = Annotated[int, Query(ge=render.MIN_SIDE, le=render.MAX_SIDE)]
Lang = Annotated[Literal["en", "ar"], Query()]


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


def _factions(value: str | None):
    return None if value is None else tuple(sorted({s.strip() for s in value.split(",") if s.strip()}))


# What the reader sees: the factions left visible and the map's view (bbox, or c and z like the permalink).
Factions = Annotated[str | None, Query(max_length=300, description="comma-separated faction slugs to draw (default: all)")]
Center = Annotated[str | None, Query(max_length=60, description="view centre lat,lon (with z): what the viewer shows")]
Zoom = Annotated[float | None, Query(ge=0, le=18, description="view zoom (with c)")]


def _rendered(rm, key, build) -> Payload:
    def locked():
        if not _slots.acquire(timeout=30):
            raise Unavailable("the server is busy rendering other pictures; try again in a minute", retry_after=30)
        try:
            return build()
        finally:
            _slots.release()
    return rm.cached(key, locked)


@router.get("/render.png", summary="PNG of the map at an instant (zones, base geography, legend with km², attribution)")
def render_png(request: Request, rm: ReadModelDep, pin: PinDep, at: AtInstant, width: Side = 1200, height: Side = 900,
               lang: Lang = "en", bbox: Annotated[str | None, Query(max_length=200)] = None,
               factions: Factions = None, c: Center = None, z: Zoom = None):
    box, view, shown = _bbox(bbox), _view(c, z), _factions(factions)
    idx = rm.interval(pin.rev, at)
    key = ("png", pin.rev, idx, at.isoformat(), width, height, lang, box, view, shown)
    payload = _rendered(rm, key, lambda: Payload.build(
        render.png(rm.frames(pin.rev, [at]), at, width=width, height=height, lang=lang, bbox=box, view=view,
                   factions=shown), "image/png", 1))
    return send(request, payload, pin.cache_control)


def _animation(request, rm, pin, fmt, t_from, t_to, step_minutes, fps, width, height, lang, bbox,
               factions=None, c=None, z=None):
    t1, t2 = parse_instant(t_from, "from"), parse_instant(t_to, "to")
    box, view, shown = _bbox(bbox), _view(c, z), _factions(factions)
    instants = render.frame_instants(rm.publication(pin.rev).describe_doc(), t1, t2,
                                     timedelta(minutes=step_minutes) if step_minutes else None)
    key = (fmt, pin.rev, tuple(instants), fps, width, height, lang, box, view, shown)
    media = "image/gif" if fmt == "gif" else "video/mp4"
    payload = _rendered(rm, key, lambda: Payload.build(
        render.animation(rm.frames(pin.rev, instants), instants, fmt=fmt, fps=fps, width=width, height=height, lang=lang,
                         bbox=box, view=view, factions=shown), media, 1))
    return send(request, payload, pin.cache_control, filename=f"frontline.{fmt}")


Instant = Annotated[str, Query(max_length=40, description="ISO 8601 with an offset")]
Step = Annotated[int | None, Query(ge=1, le=10080, description="minutes between frames; omit for one frame per change")]
Fps = Annotated[float, Query(ge=0.2, le=30)]


@router.get("/render.gif", summary="Animated GIF of the period: one frame per change (or per step), gains highlighted")
def render_gif(request: Request, rm: ReadModelDep, pin: PinDep, from_: Annotated[str, Query(alias="from", max_length=40)],
               to: Instant, step: Step = None, fps: Fps = 1.5, width: Side = 800, height: Side = 600, lang: Lang = "en",
               bbox: Annotated[str | None, Query(max_length=200)] = None, factions: Factions = None, c: Center = None,
               z: Zoom = None):
    return _animation(request, rm, pin, "gif", from_, to, step, fps, width, height, lang, bbox, factions, c, z)


@router.get("/render.mp4", summary="MP4 video of the period: one frame per change (or per step)")
def render_mp4(request: Request, rm: ReadModelDep, pin: PinDep, from_: Annotated[str, Query(alias="from", max_length=40)],
               to: Instant, step: Step = None, fps: Fps = 1.5, width: Side = 800, height: Side = 600, lang: Lang = "en",
               bbox: Annotated[str | None, Query(max_length=200)] = None, factions: Factions = None, c: Center = None,
               z: Zoom = None):
    return _animation(request, rm, pin, "mp4", from_, to, step, fps, width, height, lang, bbox, factions, c, z)
