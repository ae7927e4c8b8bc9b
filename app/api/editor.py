"""Editor endpoints: sign-in, recording changes (with preview), reports, reverts. All writes authorised here."""
from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from app.usecases import accounts as auth
from app.usecases import changes as services
from app.usecases import history, reports
from app.api.deps import CurrentEditor, ReadModelDep, SessionDep, session_user
from app.domain.frontedit import approx_km2, difference, parse_line, split_along
from app.domain.geojson import geometry_json
from app.domain.geometry import parse_polygonal
from app.domain.times import parse_instant
from app.domain.errors import BadInput, Forbidden, NotAuthenticated, TooManyAttempts
from app.tools.matching import match_places
from app.api.schemas import (ChangeCreate, ChangePreview, ChangeSaved, MatchRequest, ReportCreate, ReportPublic,
                         RevertRequest, Reverted)

router = APIRouter(tags=["editor"])


class SplitRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    zone: dict[str, Any] = Field(description="the zone to cut: GeoJSON Polygon or MultiPolygon")
    line: dict[str, Any] = Field(description="GeoJSON LineString drawn across the zone")


class DifferenceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    before: dict[str, Any] = Field(description="the zone as it was (GeoJSON Polygon or MultiPolygon)")
    after: dict[str, Any] = Field(description="the zone as the editor reshaped it")


def client_ip(request: Request) -> str:
    """The client's address: the peer's, or (behind a proxy listed in FRONTLINE_TRUSTED_PROXIES) the one it forwards."""
    return auth.client_address(request.client.host if request.client else None, request.headers,
                               auth.parse_proxies(request.app.state.settings.trusted_proxies))


def _safe_next(value: str) -> str:
    """Only a path on this site (never "//other.site" or "/\\other.site"): no open redirect after sign-in."""
    if value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/editor"


def _set_session_cookies(request: Request, response: Response, token: str, csrf: str) -> None:
    secure = request.app.state.settings.secure_cookies or request.url.scheme == "https"
    response.set_cookie(auth.SESSION_COOKIE, token, httponly=True, samesite="strict", secure=secure,
                        max_age=auth.SESSION_DAYS * 86400, path="/")
    # Readable by the editor's script, which sends it back in X-CSRF-Token.
    response.set_cookie(auth.CSRF_COOKIE, csrf, httponly=False, samesite="strict", secure=secure,
                        max_age=auth.SESSION_DAYS * 86400, path="/")


@router.post("/login", summary="Sign in (form fields username, password); sets the session and csrf_token cookies")
def login(request: Request, session: SessionDep, username: Annotated[str, Form(max_length=200)],
          password: Annotated[str, Form(max_length=1000)], next: Annotated[str, Form(max_length=200)] = ""):
    # A login form posted from another site is refused: the Origin, when sent, must be ours.
    origin = request.headers.get("origin")
    if origin and origin != f"{request.url.scheme}://{request.url.netloc}":
        raise Forbidden("sign-in from another site is refused")
    ip = client_ip(request)
    wants_html = "text/html" in request.headers.get("accept", "")
    target = _safe_next(next)
    # Any session the browser had is dropped: a fresh id at every sign-in (no session fixation).
    auth.logout(session, request.cookies.get(auth.SESSION_COOKIE))
    try:
        token, csrf, user = auth.login(session, username, password, ip)
    except (NotAuthenticated, TooManyAttempts) as exc:
        if not wants_html:
            raise  # scripts get the JSON 401 / 429
        # The form flow: back to the sign-in page (303: the browser follows with GET). The page shows a fixed
        # sentence for the code, so a crafted link cannot put words of its own on our sign-in page.
        code = "throttled" if isinstance(exc, TooManyAttempts) else "credentials"
        query = {"error": code, "next": target, **({"lang": "ar"} if "lang=ar" in target else {})}
        resp = RedirectResponse("/login?" + urlencode(query), status_code=303)
        if isinstance(exc, TooManyAttempts):
            resp.headers["Retry-After"] = str(exc.detail.get("retry_after", 60))
        resp.delete_cookie(auth.SESSION_COOKIE, path="/")
        return resp
    response: Response = RedirectResponse(target, status_code=303) if wants_html else JSONResponse({"user": user["username"], "role": user["role"]})
    _set_session_cookies(request, response, token, csrf)
    return response


@router.post("/logout", summary="Sign out (invalidates the session on the server)")
def logout(request: Request, session: SessionDep, user: CurrentEditor):  # CSRF-checked: no forced sign-out
    auth.logout(session, request.cookies.get(auth.SESSION_COOKIE))
    response = JSONResponse({"signed_out": True})
    response.delete_cookie(auth.SESSION_COOKIE, path="/")
    response.delete_cookie(auth.CSRF_COOKIE, path="/")
    return response


@router.get("/api/me", summary="The signed-in user, if any")
def me(request: Request, session: SessionDep):
    u = session_user(request, session)
    return {"user": None} if u is None else {"user": u["username"], "role": u["role"]}


def _change_input(body: ChangeCreate | ChangePreview) -> services.ChangeInput:
    return services.ChangeInput(faction=body.faction, at=parse_instant(body.at, "at"), geometry=body.geometry,
                                confidence=body.confidence, report_ids=body.report_ids, note=body.note,
                                summary_en=getattr(body, "summary_en", "").strip(), summary_ar=getattr(body, "summary_ar", "").strip())


def _require_summary(body: ChangeCreate) -> None:
    """Every change carries a public summary written for viewers; the editors' note is private and is never used
    in its place."""
    if not body.summary_en.strip():
        raise BadInput("write a public summary (summary_en, in English; summary_ar in Arabic is optional): it is what "
                       "viewers read; the note stays private to editors")


@router.post("/api/changes/preview", summary="What the map becomes with this change (nothing is stored)")
def preview(request: Request, session: SessionDep, user: CurrentEditor, body: ChangePreview):
    return services.preview_change(session, _change_input(body), max_vertices=request.app.state.settings.max_vertices)


@router.post("/api/changes", status_code=201, response_model=ChangeSaved,
             summary="Record a control change (editor; CSRF token in X-CSRF-Token; base_revision for concurrency)")
def create_change(request: Request, session: SessionDep, readers: ReadModelDep, user: CurrentEditor, body: ChangeCreate):
    _require_summary(body)
    return services.record_change(session, _change_input(body), base_revision=body.base_revision, author_id=user["id"],
                                  max_vertices=request.app.state.settings.max_vertices, readers=readers,
                                  confirm_adds_source=body.confirm_adds_source, confirm_large=body.confirm_large)


@router.post("/api/revisions/{revision_id}/revert", response_model=Reverted, summary="Revert a revision (itself a new revision)")
def revert(session: SessionDep, readers: ReadModelDep, user: CurrentEditor, revision_id: int, body: RevertRequest):
    if not (1 <= revision_id <= 2_000_000_000):
        raise BadInput("revision id out of range")
    return services.revert_revision(session, revision_id, base_revision=body.base_revision, author_id=user["id"],
                                    reason=body.reason, readers=readers)


@router.post("/api/reports", status_code=201, response_model=ReportPublic, summary="Add a report (editor)")
def create_report(session: SessionDep, user: CurrentEditor, body: ReportCreate):
    data = reports.ReportInput(title=body.title, publisher=body.publisher,
                               published_at=parse_instant(body.published_at, "published_at"),
                               url=str(body.url) if body.url else None, language=body.language, summary=body.summary)
    return reports.add_report(session, data, author_id=user["id"])


@router.get("/api/editor/reports", summary="Every stored report, fresh (editor; never cached)")
def editor_reports(request: Request, session: SessionDep, rm: ReadModelDep, user: CurrentEditor):
    # Public responses list only reports cited by a published change; the editor needs every stored report,
    # including one added a moment ago (by anyone) and not cited yet.
    return JSONResponse(rm.reports(session, None), headers={"Cache-Control": "no-store"})


@router.post("/api/match-places", summary="Places of the gazetteer named in a report's text (editor)")
def match(session: SessionDep, user: CurrentEditor, body: MatchRequest):
    return {"places": match_places(session, body.text)}


# --- History for editors: who changed what, when and why (never public: it names authors and shows notes) ---

@router.get("/api/editor/revisions", summary="The edit history with authors, notes and what each revision did (editor; never cached)")
def editor_revisions(session: SessionDep, user: CurrentEditor,
                     limit: Annotated[int, Query(ge=1, le=500)] = 100,
                     before: Annotated[int | None, Query(ge=1, le=2_000_000_000)] = None):
    return JSONResponse(history.revisions(session, limit=limit, before=before), headers={"Cache-Control": "no-store"})


@router.get("/api/editor/changes/{change_id}", summary="One change's area, to show it on the map (editor)")
def editor_change(session: SessionDep, user: CurrentEditor, change_id: int):
    if not (1 <= change_id <= 2_000_000_000):
        raise BadInput("change id out of range")
    return JSONResponse(history.change_area(session, change_id), headers={"Cache-Control": "no-store"})


# --- Geometry helpers for moving the front (nothing is stored; the result goes through preview and save) ---

@router.post("/api/editor/split", summary="Cut a zone along a line into the pieces on either side (editor)")
def split_zone(request: Request, user: CurrentEditor, body: SplitRequest):
    zone = _polygonal(body.zone, request, "zone")
    return {"pieces": [{"geometry": geometry_json(p, 7), "area_km2": round(approx_km2(p), 3)}
                       for p in split_along(zone, _line(body.line, request))]}


@router.post("/api/editor/difference", summary="What an edited zone gained and lost against the original (editor)")
def zone_difference(request: Request, user: CurrentEditor, body: DifferenceRequest):
    before = _polygonal(body.before, request, "before")
    after = _polygonal(body.after, request, "after")
    gained, lost = difference(before, after)
    return {"gained": geometry_json(gained, 7) if gained is not None else None,
            "gained_km2": round(approx_km2(gained), 3) if gained is not None else 0.0,
            "lost": geometry_json(lost, 7) if lost is not None else None,
            "lost_km2": round(approx_km2(lost), 3) if lost is not None else 0.0}


def _polygonal(geojson, request: Request, name: str):
    try:
        return parse_polygonal(geojson, max_vertices=request.app.state.settings.max_vertices)
    except BadInput as exc:
        raise BadInput(f"{name}: {exc.message}") from None


def _line(geojson, request: Request):
    return parse_line(geojson, max_vertices=request.app.state.settings.max_vertices)
