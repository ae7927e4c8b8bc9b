"""The pages: viewer (/), embed (/embed), editor (/editor), sign-in (/login)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.api.deps import SessionDep, WarDep, login_redirect, session_user
from app.read.basemap import ATTRIBUTION
from app.web.strings import lang_of
from app.web.templating import render

router = APIRouter(include_in_schema=False)


def war_prefix(request: Request) -> str:
    """`/w/SLUG` when the request names a war (its pages' addresses stay inside it), else ""."""
    slug = request.query_params.get("war")
    return f"/w/{slug}" if slug else ""


def client_config(request: Request, war=None, **extra) -> dict:
    """Everything the front end needs to know about the server: URL templates, tiles, attribution. A page of a
    named war gets every address under its prefix (/w/SLUG/...: app.platform.server.WarPaths)."""
    s = request.app.state.settings
    war = war or request.app.state.wars.get(request.query_params.get("war"))
    rm = war.readmodel
    prefix = war_prefix(request)
    config = {
        "urls": {
            "timeline": "/api/timeline", "snapshot": "/api/snapshot", "diff": "/api/diff", "point": "/api/point",
            "factions": "/api/factions", "reports": "/api/reports", "places": "/api/places",
            "basemap": "/api/basemap/{layer}", "embed": "/embed", "viewer": "/", "embedScript": "/static/js/embed-loader.js",
            "changes": "/api/changes", "preview": "/api/changes/preview", "revisions": "/api/revisions",
            "revert": "/api/revisions/{id}/revert", "newReport": "/api/reports", "match": "/api/match-places",
            "me": "/api/me", "logout": "/logout", "login": "/login", "kml": "/api/snapshot.kml", "csv": "/api/areas.csv",
            "ogc": "/ogc/", "renderPng": "/api/render.png", "renderGif": "/api/render.gif",
            "events": "/api/events", "health": "/api/health", "summary": "/api/summary", "feedAtom": "/api/changes.atom", "feedJson": "/api/changes.json",
        },
        "tiles": {"url": s.tile_url, "attribution": s.tile_attribution},
        "baseAttribution": ATTRIBUTION,
        "revision": rm.known_revision or 0,
        **extra,
    }
    if prefix:
        config["war"] = war.slug
        config["urls"] = {k: v if k == "embedScript" else prefix + v for k, v in config["urls"].items()}
        for key in ("editorUrls",):
            if key in config:
                config[key] = {k: prefix + v for k, v in config[key].items()}
        if "editorReports" in config:
            config["editorReports"] = prefix + config["editorReports"]
    return config


@router.get("/")
def viewer(request: Request, war: WarDep, lang: Annotated[str, Query(max_length=5)] = "en"):
    lang = "ar" if lang == "ar" else "en"
    wars = request.app.state.wars
    home = request.app.state.settings.home_page
    if "war" not in request.query_params and (home == "list" or (home == "auto" and len(wars.all()) > 1)):
        return wars_page(request, lang)
    return render(request, "viewer.html", {"config": client_config(request, war), "lang": lang})


def wars_page(request: Request, lang: str):
    """`/` of an instance with several wars: each with its title, status, last update and a small map."""
    from app.usecases.wars import public_list

    items = public_list(request.app.state.wars)
    return render(request, "wars.html", {"lang": lang, "wars": items, "config": {"revision": 0}},
                  headers={"Cache-Control": "public, max-age=30"})


@router.get("/wars")
def wars_list(request: Request, lang: Annotated[str, Query(max_length=5)] = "en"):
    return wars_page(request, "ar" if lang == "ar" else "en")


@router.get("/embed")
def embed(request: Request, lang: str = "en", theme: str | None = None, t: str | None = None,
          rev: str | None = None, war: str | None = None):
    # Never a 404 or 422 here: this page is what a newsroom's article shows, so a mistyped value (rev=abc, rev=0,
    # t=yesterday, a war this server does not have) is explained inside the frame, in the reader's language, with
    # the title and the source footer, by the embed's script (badParam, config.unknownWar in
    # static/js/viewer/embed.js). An unknown language or theme is the default.
    from app.domain.errors import NotFound

    lang = "ar" if lang == "ar" else "en"
    # No theme: the reader's system setting decides (prefers-color-scheme in app.css); light or dark forces it.
    theme = theme if theme in ("dark", "light") else None
    pin = _revision_number(rev)
    wars = request.app.state.wars
    try:
        w, unknown = wars.get(war), None
    except NotFound:  # nothing of that war is shown or asked for: the page only says it is not here
        w, unknown = wars.default(), war[:64]
    config = client_config(request, w, embed=True)
    if unknown:  # no address at all: the page asks nothing of a war that is not here (nor follows its events)
        config.update(urls={}, unknownWar=unknown)
    return render(request, "embed.html", {"config": config, "lang": lang, "theme": theme,
                                          "description": "" if unknown else _description(w.readmodel, t, pin, lang),
                                          "title": "" if unknown else _title(w.readmodel, lang)},
                  headers={"Cache-Control": "public, max-age=300"})


def _revision_number(rev: str | None) -> int | None:
    """`rev=` as a revision number; 0 when it cannot be one (abc, 0, -3, 1.5, too long); None when absent."""
    if rev is None:
        return None
    return int(rev) if rev.isascii() and rev.isdigit() and len(rev) <= 10 and 0 < int(rev) <= 2_000_000_000 else 0


def _title(rm, lang: str) -> str:
    """The war's title at its latest revision: the footer shows it even when the map cannot be shown."""
    if not rm.revision:
        return ""
    ds = rm.publication(rm.revision).dataset or {}
    return (lang == "ar" and ds.get("title_ar")) or ds.get("title_en") or ""


def _description(rm, t: str | None, rev: int | None, lang: str) -> str:
    """What the map shows at `t` (or the start), in words: served in the page for screen readers and for
    readers without scripts; the embed's script keeps it current while the map plays."""
    from app.domain.describe import describe
    from app.domain.times import parse_instant
    from app.domain.errors import FrontlineError

    current = rm.revision
    if not current:
        return ""
    if rev is not None:
        try:
            if not rev:
                return ""  # not a revision number: the script says so
            rm.check_revision(rev)  # a number that names no revision describes nothing (its API answers 404)
        except FrontlineError:
            return ""
    r = rev if rev and rev <= current else current
    pub = rm.publication(r)
    if not pub.instants:
        return ""
    try:
        at = parse_instant(t, "t") if t else pub.instants[0]
    except FrontlineError:
        at = pub.instants[0]
    return describe(pub.describe_doc(), at, lang)


@router.get("/editor")
def editor(request: Request, session: SessionDep, war: WarDep, lang: Annotated[str, Query(max_length=5)] = "en"):
    from app.usecases.wars import editable_by

    lang = lang_of(lang)
    user = session_user(request, session)
    if user is None:
        return login_redirect(war_prefix(request) + "/editor", lang)
    config = client_config(request, war, wars=editable_by(session, user, request.app.state.wars), user={"name": user["username"], "role": user["role"]},
                           editorReports="/api/editor/reports",
                           editorUrls={"editorRevisions": "/api/editor/revisions", "editorChange": "/api/editor/changes/{id}",
                                       "split": "/api/editor/split", "difference": "/api/editor/difference",
                                       "admin": "/admin"})
    return render(request, "editor.html", {"config": config, "lang": lang, "user": user},
                  headers={"Cache-Control": "no-store"})


# Sign-in errors arrive as codes (from POST /login's form flow); the page words them itself (keys of the strings table).
LOGIN_ERRORS = {
    "credentials": "ed_loginWrong",
    "throttled": "ed_loginThrottled",
    "signed_out": "ed_signedOut",
    "expired": "ed_loginExpired",
}


@router.get("/login")
def login_page(request: Request, session: SessionDep, next: Annotated[str, Query(max_length=200)] = "/editor",
               error: Annotated[str | None, Query(max_length=40)] = None,
               lang: Annotated[str, Query(max_length=5)] = "en"):
    lang = lang_of(lang)
    safe_next = next if next.startswith("/") and not next.startswith("//") and "\\" not in next else "/editor"
    if lang == "ar" and "lang=" not in safe_next:  # stay in Arabic after signing in
        safe_next += ("&" if "?" in safe_next else "?") + "lang=ar"
    user = session_user(request, session)
    message = LOGIN_ERRORS.get(error, "ed_loginFailed") if error else None
    return render(request, "login.html", {"next": safe_next, "error": message, "notice": error == "signed_out",
                                          "user": user, "lang": lang},
                  headers={"Cache-Control": "no-store"})


@router.get("/robots.txt")
def robots():
    return Response("User-agent: *\nDisallow: /editor\nDisallow: /login\n", media_type="text/plain")
