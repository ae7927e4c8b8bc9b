"""Typed dependencies that also validate: a bad value is a 4xx from one place, not parsing in every route."""

import logging
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.usecases import accounts as auth
from app.domain.times import parse_instant
from app.domain.errors import BadInput, NotFound
from app.platform.conditional import none_match
from app.read.model import ReadModel
from app.read.wars import War
from app.read.payload import Payload

log = logging.getLogger("frontline")
LIVE_CACHE = "public, max-age=30, stale-while-revalidate=300"
PINNED_CACHE = "public, max-age=31536000, immutable"


def _closing(s: Session):
    try:
        yield s
    finally:
        # Closing rolls back on the connection; if the database died under the request, that fails after the
        # response may have started. The answer already says what happened: the dead connection is dropped.
        try:
            s.close()
        except DBAPIError as e:
            log.warning("database connection lost: %s", e.orig.__class__.__name__ if e.orig else e.__class__.__name__)
            s.invalidate()


def get_war(request: Request,
            war: Annotated[str | None, Query(max_length=48, pattern=r"^[a-z0-9][a-z0-9-]*$",
                                             description="the war, by its slug (GET /api/wars lists them); "
                                                         "absent: the default war")] = None) -> War:
    """The war a request is about: `war=SLUG` (the pages under /w/SLUG/ send it, app.platform.server.WarPaths),
    else the default war. 404 for a slug no war has."""
    return request.app.state.wars.get(war)


WarDep = Annotated[War, Depends(get_war)]


def get_session(war: WarDep):
    yield from _closing(war.Session())


def get_read_session(war: WarDep):
    yield from _closing(war.ReadSession())


def get_readmodel(war: WarDep) -> ReadModel:
    return war.readmodel


SessionDep = Annotated[Session, Depends(get_session)]
ReadSessionDep = Annotated[Session, Depends(get_read_session)]
ReadModelDep = Annotated[ReadModel, Depends(get_readmodel)]


def instant(name: str, description: str):
    def dep(value: Annotated[str, Query(alias=name, description=description, max_length=40,
                                        examples=["2024-11-30T12:00:00+03:00"])]) -> datetime:
        return parse_instant(value, name)
    return dep


AtInstant = Annotated[datetime, Depends(instant("at", "the instant, ISO 8601 with an offset"))]
FromInstant = Annotated[datetime, Depends(instant("from", "start instant, ISO 8601 with an offset"))]
ToInstant = Annotated[datetime, Depends(instant("to", "end instant, ISO 8601 with an offset"))]


class Pin:
    """Which revision to read: `?rev=N` pins a published revision (immutable responses), else the live one."""

    def __init__(self, rev: int, pinned: bool):
        self.rev, self.pinned = rev, pinned

    @property
    def cache_control(self) -> str:
        return PINNED_CACHE if self.pinned else LIVE_CACHE


def get_pin(rm: ReadModelDep, rev: Annotated[int | None, Query(ge=1, le=2_000_000_000, description="pin to a published revision")] = None,
            as_of: Annotated[str | None, Query(max_length=40, description="the data as published at this instant (ISO 8601 with an offset): "
                                               "the latest revision created before it", examples=["2024-12-01T12:00:00+03:00"])] = None) -> Pin:
    current = rm.revision
    if as_of is not None:
        # "As published on": the latest revision created before the instant. Settled (immutable) once the
        # instant is safely in the past; a recent or future one follows the live data with a short lifetime.
        from app.read import feeds

        if rev is not None:
            raise BadInput("give either rev= or as_of=, not both")
        t = parse_instant(as_of, "as_of")
        found = feeds.revision_as_of(rm, t, current)
        if found is None:
            raise NotFound(f"nothing was published before as_of={as_of[:40]}")
        return Pin(found, feeds.as_of_is_settled(t))
    if rev is None:
        if current == 0:
            raise NotFound("no data set is loaded yet (run `frontline load`)")
        return Pin(current, False)
    # A number at or below the latest may be a gap (a rolled-back write, a crash): 404, never another's data.
    rm.check_revision(rev)
    return Pin(rev, True)


PinDep = Annotated[Pin, Depends(get_pin)]


def public_base(request: Request) -> tuple[str, bool]:
    """The address absolute links start with, and whether it came from the request: FRONTLINE_PUBLIC_URL when
    configured, else the request's own (its Host header, which any client can forge: a response whose links
    were built from it must say `Vary: Host`, or a shared cache would serve a forged Host's links to all)."""
    configured = getattr(request.app.state.settings, "public_url", None)
    # A war named by the request (`war=`, or the /w/SLUG/ pages): its links go to its own pages and API.
    slug = request.query_params.get("war")
    prefix = f"/w/{slug}" if slug else ""
    if configured:
        return configured + prefix, False
    return str(request.base_url).rstrip("/") + prefix, True


def vary(*, gzip: bool, host: bool) -> str | None:
    """The Vary header of a response: its gzip form depends on Accept-Encoding, links built from the request on Host."""
    return ", ".join(h for h, on in (("Accept-Encoding", gzip), ("Host", host)) if on) or None


def send(request: Request, payload: Payload, cache_control: str, *, filename: str | None = None,
         vary_host: bool = False) -> Response:
    """Serve prebuilt bytes: 304 when If-None-Match matches (app.platform.conditional, the one rule), the stored
    gzip when the client accepts it. A payload without a gzip form (pictures) is sent as it is. `vary_host`: the
    bytes hold links built from the request's Host (see public_base)."""
    headers = {"ETag": payload.etag, "Cache-Control": cache_control}
    v = vary(gzip=payload.gz is not None, host=vary_host)
    if v:
        headers["Vary"] = v
    if filename:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    if none_match(request.headers.get("if-none-match"), payload.etag):
        return Response(status_code=304, headers=headers)
    if payload.gz is not None and "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(payload.gz, media_type=payload.media_type, headers=headers)
    return Response(payload.body, media_type=payload.media_type, headers=headers)


def session_user(request: Request, session: SessionDep) -> dict | None:
    return auth.current_user(session, request.cookies.get(auth.SESSION_COOKIE))


def is_signed_in(request: Request) -> bool:
    """Whether the request carries a live editor session (outside the dependency graph: a picture asks only
    when it must be rendered, so cached pictures never open a session)."""
    token = request.cookies.get(auth.SESSION_COOKIE)
    if not token:
        return False
    with request.app.state.wars.default().Session() as s:
        return auth.current_user(s, token) is not None


def signed_in_as(role: str):
    """A dependency: the user signed in with `role` or above (editors get 403 on admin routes); for unsafe
    methods the CSRF token must match too."""
    def dep(request: Request, session: SessionDep, war: WarDep) -> dict:
        user = auth.require(session_user(request, session), role)
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            auth.check_csrf(user, request.headers.get("x-csrf-token"))
        # An editor edits the wars an admin gave them (admins: every war); the war of the request decides.
        auth.require_war(session, user, war.id, war.slug)
        return user
    return dep


current_editor = signed_in_as("editor")
CurrentEditor = Annotated[dict, Depends(current_editor)]
CurrentAdmin = Annotated[dict, Depends(signed_in_as("admin"))]


def login_redirect(path: str, lang: str) -> RedirectResponse:
    """Where a page that needs an account sends a visitor who is not signed in: the sign-in page, back after."""
    return RedirectResponse(f"/login?next={path}%3Flang%3Dar&lang=ar" if lang == "ar" else f"/login?next={path}",
                            status_code=303)


def check_interval(t1: datetime, t2: datetime) -> None:
    if t1 > t2:
        raise BadInput("from must not be after to")
