"""Editor endpoints: sign-in, recording changes (with preview), reports, reverts. All writes authorised here."""
from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import text

from app import auth, services
from app.api.deps import CurrentEditor, SessionDep, session_user
from app.domain.times import iso, parse_instant
from app.errors import BadInput, Forbidden, NotAuthenticated, TooManyAttempts
from app.matching import match_places
from app.schemas import (ChangeCreate, ChangePreview, ChangeSaved, MatchRequest, ReportCreate, ReportPublic,
                         RevertRequest, Reverted)

router = APIRouter(tags=["editor"])


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
    ip = request.client.host if request.client else "?"
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
        resp = RedirectResponse("/login?" + urlencode({"error": code, "next": target}), status_code=303)
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
                                summary_en=getattr(body, "summary_en", ""), summary_ar=getattr(body, "summary_ar", ""))


@router.post("/api/changes/preview", summary="What the map becomes with this change (nothing is stored)")
def preview(request: Request, session: SessionDep, user: CurrentEditor, body: ChangePreview):
    return services.preview_change(session, _change_input(body), max_vertices=request.app.state.settings.max_vertices)


@router.post("/api/changes", status_code=201, response_model=ChangeSaved,
             summary="Record a control change (editor; CSRF token in X-CSRF-Token; base_revision for concurrency)")
def create_change(request: Request, session: SessionDep, user: CurrentEditor, body: ChangeCreate):
    out = services.record_change(session, _change_input(body), base_revision=body.base_revision, author_id=user["id"],
                                 max_vertices=request.app.state.settings.max_vertices)
    request.app.state.readmodel.note_write(out["revision"])
    return out


@router.post("/api/revisions/{revision_id}/revert", response_model=Reverted, summary="Revert a revision (itself a new revision)")
def revert(request: Request, session: SessionDep, user: CurrentEditor, revision_id: int, body: RevertRequest):
    if not (1 <= revision_id <= 2_000_000_000):
        raise BadInput("revision id out of range")
    out = services.revert_revision(session, revision_id, base_revision=body.base_revision, author_id=user["id"], reason=body.reason)
    request.app.state.readmodel.note_write(out["revision"])
    return out


@router.post("/api/reports", status_code=201, response_model=ReportPublic, summary="Add a report (editor)")
def create_report(request: Request, session: SessionDep, user: CurrentEditor, body: ReportCreate):
    published = parse_instant(body.published_at, "published_at")
    row = session.execute(text("""INSERT INTO reports (title, publisher, published_at, url, language, summary, created_by)
                                  VALUES (:t, :p, :at, :url, :lang, :s, :u)
                                  RETURNING id, title, publisher, published_at, url, language, summary"""),
                          {"t": body.title.strip(), "p": body.publisher.strip(), "at": published,
                           "url": str(body.url) if body.url else None, "lang": body.language, "s": body.summary,
                           "u": user["id"]}).mappings().one()
    session.commit()
    # No cache to drop: public responses list only reports cited by a published change (see ReadModel.reports).
    return {**dict(row), "published_at": iso(row["published_at"])}


@router.get("/api/editor/reports", summary="Every stored report, fresh (editor; never cached)")
def editor_reports(request: Request, session: SessionDep, user: CurrentEditor):
    # Public responses list only reports cited by a published change; the editor needs every stored report,
    # including one added a moment ago (by anyone) and not cited yet.
    return JSONResponse(request.app.state.readmodel.reports(session, None), headers={"Cache-Control": "no-store"})


@router.post("/api/match-places", summary="Places of the gazetteer named in a report's text (editor)")
def match(session: SessionDep, user: CurrentEditor, body: MatchRequest):
    return {"places": match_places(session, body.text)}
