"""The app factory, the composition root. The lifespan owns the database engines and the read model's cache.

May import: every package but the CLI (app.cli), which builds the app through it.
"""
from __future__ import annotations

import functools
import logging
import os
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from app import PROJECT_ROOT
from app.read.cache import ByteLRU
from app.platform.config import Settings
from app.platform.ratelimit import TokenBucket
from app.read.renderpool import RenderPool
from app.platform.server import PathGuard, SelectiveGZip, WarPaths
from app.store.db import Database
from app.api.errors import install_handlers
from app.read.model import ReadModel
from app.read.wars import Wars
from app.api.schemas import ERROR_RESPONSES
from app.platform.fastpath import FastPath
from app.platform.security import SecurityHeaders, BodyLimit

log = logging.getLogger("frontline")

# Front-end libraries installed from the npm registry at set-up (never committed), served by the app.
VENDOR = {
    "leaflet": PROJECT_ROOT / "node_modules" / "leaflet" / "dist",
    "geoman": PROJECT_ROOT / "node_modules" / "@geoman-io" / "leaflet-geoman-free" / "dist",
    # The API reference pages (/docs, /redoc): local copies, so they work offline and under the CSP.
    "swagger-ui": PROJECT_ROOT / "node_modules" / "swagger-ui-dist",
    "redoc": PROJECT_ROOT / "node_modules" / "redoc" / "bundles",
}


def create_app(settings: Settings, *, database: Database | None = None) -> FastAPI:
    if not settings.database_url:
        raise ValueError("create_app needs settings with database_url (the CLI resolves the private cluster)")

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        db = database or Database.connect(settings.database_url, settings.database_read_url)
        listen = settings.database_url.replace("postgresql+psycopg://", "postgresql://")

        def readmodel(ReadSession) -> ReadModel:  # one per war: its own revisions and caches
            return ReadModel(ReadSession, gzip_level=settings.gzip_level, listen_url=listen,
                             poll_seconds=settings.revision_poll_seconds, replica=db.read is not db.primary,
                             cache_bytes=settings.response_cache_bytes, prebuild_windows=settings.prebuild_windows)

        wars = Wars(db, readmodel)
        app.state.db, app.state.wars = db, wars
        wars.start()
        # The default war's read model under its old name (the health check, the pictures' cache key...).
        app.state.readmodel = wars.default().readmodel
        try:
            yield
        finally:
            wars.stop()
            app.state.render_pool.shutdown()
            if database is None:
                db.dispose()

    app = FastAPI(
        title="Frontline API",
        version="1.0",
        description="Who controls what during a war, over time: control zones with their validity, the changes "
                    "and the reports behind them. Times are ISO 8601 with an offset; validity is half-open "
                    "[valid_from, valid_to). Geometry is GeoJSON (RFC 7946, EPSG:4326).",
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
        # FastAPI's own /docs and /redoc load from a CDN and start with an inline script: both refused by
        # our CSP. api_docs() serves the same UIs from /vendor, started by a static file.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    # Rendered pictures: a cache bounded in bytes, worker processes, a per-address limit (app/api/pictures.py).
    app.state.pictures = ByteLRU(settings.response_cache_bytes)
    app.state.render_pool = RenderPool(settings.render_workers, settings.render_queue, settings.render_timeout_seconds)
    app.state.render_limiter = TokenBucket(settings.render_rate_per_minute)
    install_handlers(app)
    # Public JSON is pre-compressed by the read model; this only compresses the rest, at a cheap level, and
    # never pictures (already compressed: gzipping a 10 MB GIF would only burn the event loop's time).
    app.add_middleware(SelectiveGZip, minimum_size=1000, compresslevel=5, skip_prefixes=("/api/render",))
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders, secure=settings.secure_cookies)
    # Added last, so outermost: the micro-cache's copies carry the security headers too.
    app.add_middleware(FastPath)
    # /w/SLUG/... is the war SLUG's copy of every address (before the micro-cache, which keys on the result).
    app.add_middleware(WarPaths)
    # Outermost: a path with a NUL or control character is a 404 before anything tries to open it.
    app.add_middleware(PathGuard)

    from app.api import admin, editor, ogc, pictures, public
    from app.web import pages

    app.include_router(public.router)
    app.include_router(ogc.router)
    app.include_router(pictures.router)
    app.include_router(editor.router)
    from app.api import upload  # editor: upload a snapshot (app/archive.py)
    app.include_router(upload.router)
    app.include_router(admin.router)
    app.include_router(pages.router)
    app.include_router(__import__('app.api.follow', fromlist=['router']).router)  # feeds, events, webhooks, corrections
    _real_media_types(app)
    api_docs(app)
    app.mount("/static", StaticFiles(directory=PROJECT_ROOT / "static"), name="static")
    for name, path in VENDOR.items():
        if Path(path).is_dir():
            app.mount(f"/vendor/{name}", StaticFiles(directory=path), name=f"vendor-{name}")
        else:
            log.warning("front-end assets missing (%s); run `make run` or `npm ci`", path)
    return app


# The real media type of each response that is not plain JSON (the routes return prebuilt bytes, so FastAPI
# cannot see it): OpenAPI clients, schemathesis and the /docs page then know what comes back.
GEOJSON, HTML, TEXT = "application/geo+json", "text/html", {"type": "string"}
MEDIA_TYPES: dict[str, dict[str, dict | None]] = {
    "/api/snapshot": {GEOJSON: None},
    "/api/diff": {GEOJSON: None},
    "/api/basemap/{layer}": {GEOJSON: None},
    "/api/snapshot.kml": {"application/vnd.google-earth.kml+xml": TEXT},
    "/api/areas.csv": {"text/csv": TEXT},
    "/api/changes.atom": {"application/atom+xml": TEXT},
    "/api/changes.json": {"application/feed+json": None},
    "/ogc/": {"application/json": None, HTML: TEXT},
    "/ogc/conformance": {"application/json": None, HTML: TEXT},
    "/ogc/collections": {"application/json": None, HTML: TEXT},
    "/ogc/collections/{collection_id}": {"application/json": None, HTML: TEXT},
    "/ogc/collections/{collection_id}/items": {GEOJSON: None, HTML: TEXT},
    "/ogc/collections/{collection_id}/items/{item_id}": {GEOJSON: None, HTML: TEXT},
}


def _real_media_types(app: FastAPI) -> None:
    build = app.openapi

    def openapi():
        if app.openapi_schema is None:
            spec = build()
            for path, types in MEDIA_TYPES.items():
                ok = spec["paths"].get(path, {}).get("get", {}).get("responses", {}).get("200")
                if ok is None:
                    continue
                json_schema = ok.get("content", {}).get("application/json", {}).get("schema", {})
                ok["content"] = {media: {"schema": schema if schema is not None else json_schema}
                                 for media, schema in types.items()}
        return app.openapi_schema
    app.openapi = openapi


def api_docs(app: FastAPI) -> None:
    """/docs (Swagger UI, try requests) and /redoc (reading), from assets installed by npm at set-up."""
    from app.web.templating import render

    def page(kind: str, title: str):
        def handler(request: Request):
            return render(request, "apidocs.html", {"kind": kind, "title": title, "spec": app.openapi_url})
        return handler

    # ReDoc's sidebar shows Redocly's logo from their CDN: a request to a third party from every reader (and a
    # console error offline). Served with that one address replaced by an empty image (ReDoc hides it on error).
    redoc_js = VENDOR["redoc"] / "redoc.standalone.js"

    @functools.lru_cache(maxsize=1)
    def redoc_bundle() -> bytes:
        return redoc_js.read_bytes().replace(b"https://cdn.redoc.ly/redoc/logo-mini.svg", b"data:,")

    def redoc_script():
        return Response(redoc_bundle(), media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"})

    if redoc_js.is_file():
        app.add_api_route("/vendor/redoc/redoc.standalone.js", redoc_script, methods=["GET"], include_in_schema=False)
    app.add_api_route("/docs", page("swagger", "Frontline API · Swagger UI"), methods=["GET"], include_in_schema=False)
    app.add_api_route("/redoc", page("redoc", "Frontline API · ReDoc"), methods=["GET"], include_in_schema=False)


def app_from_env() -> FastAPI:
    """For `uvicorn --workers N --factory app.main:app_from_env` (each worker builds its own app)."""
    from app.platform.config import load_settings

    return create_app(load_settings())


if os.environ.get("FRONTLINE_DEBUG"):
    logging.basicConfig(level=logging.DEBUG)
