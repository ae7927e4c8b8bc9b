"""The domain error tree, the one table mapping each error to an HTTP status, and the handlers.

Services raise these; routes never build HTTPException themselves. Error bodies carry a message a person can
act on and never a stack trace or SQL.
"""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("frontline")


class SetupError(Exception):
    """The machine or configuration is not ready; the message says exactly what to do."""


class FrontlineError(Exception):
    code = "error"

    def __init__(self, message: str, **detail):
        super().__init__(message)
        self.message = message
        self.detail = detail


class BadInput(FrontlineError):
    code = "bad_input"


class InvalidGeometry(BadInput):
    code = "invalid_geometry"


class NotFound(FrontlineError):
    code = "not_found"


class NotAuthenticated(FrontlineError):
    code = "not_authenticated"


class Forbidden(FrontlineError):
    code = "forbidden"


class CsrfFailed(Forbidden):
    code = "csrf_failed"


class Conflict(FrontlineError):
    """A stale write: the editor's base revision is not the current one."""
    code = "conflict"


class TooLarge(BadInput):
    code = "too_large"


class TooManyAttempts(FrontlineError):
    code = "too_many_attempts"


class Unavailable(FrontlineError):
    code = "unavailable"


STATUS: dict[type[FrontlineError], int] = {
    BadInput: 422,
    InvalidGeometry: 422,
    TooLarge: 413,
    NotFound: 404,
    NotAuthenticated: 401,
    Forbidden: 403,
    CsrfFailed: 403,
    Conflict: 409,
    TooManyAttempts: 429,
    Unavailable: 503,
}


def status_for(exc: FrontlineError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def error_body(code: str, message: str, **detail) -> dict:
    return {"error": code, "message": message, **({"detail": detail} if detail else {})}


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(FrontlineError)
    async def _domain(request: Request, exc: FrontlineError):
        headers = {"Retry-After": str(exc.detail.get("retry_after", 5))} if isinstance(exc, (TooManyAttempts, Unavailable)) else None
        return JSONResponse(error_body(exc.code, exc.message, **exc.detail), status_code=status_for(exc), headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        problems = []
        for e in exc.errors()[:20]:
            where = ".".join(str(p) for p in e.get("loc", ()) if p != "body")
            problems.append(f"{where}: {e.get('msg')}")
        return JSONResponse(error_body("bad_input", "; ".join(problems) or "invalid request", fields=problems), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        msg = exc.detail if isinstance(exc.detail, str) else "request refused"
        return JSONResponse(error_body("http_" + str(exc.status_code), msg), status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(OperationalError)
    async def _db_down(request: Request, exc: OperationalError):
        log.warning("database unavailable: %s", exc.orig.__class__.__name__ if exc.orig else exc)
        return JSONResponse(error_body("unavailable", "The database is not answering right now. Nothing was changed; try again in a moment."),
                            status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(DataError)
    async def _bad_value(request: Request, exc: DataError):
        # e.g. a NUL character or a number out of PostgreSQL's range in otherwise valid JSON
        return JSONResponse(error_body("bad_input", "a value in the request cannot be stored or searched "
                                       "(NUL characters and out-of-range numbers are refused); nothing was changed"), status_code=422)

    @app.exception_handler(DBAPIError)
    async def _db_error(request: Request, exc: DBAPIError):
        log.exception("database error")
        if exc.connection_invalidated:
            return JSONResponse(error_body("unavailable", "The database connection was lost. Nothing was changed; try again in a moment."),
                                status_code=503, headers={"Retry-After": "5"})
        return JSONResponse(error_body("internal", "The server could not complete the request."), status_code=500)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unexpected error")
        return JSONResponse(error_body("internal", "The server could not complete the request."), status_code=500)
