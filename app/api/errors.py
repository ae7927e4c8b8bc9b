"""The HTTP edge of the error tree: the one table mapping each domain error to a status, and the handlers.

Routes never build HTTPException themselves; they let domain errors (app/domain/errors.py) rise to here.
Database failures become 503 (unavailable) or 422 (a value PostgreSQL cannot store), never a stack trace.
"""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.domain.errors import (BadInput, Conflict, CsrfFailed, Forbidden, FrontlineError, InvalidGeometry, NotAuthenticated,
                               NotFound, TooLarge, TooManyAttempts, Unavailable)

log = logging.getLogger("frontline")


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


class RepeatFilter(logging.Filter):
    """At most one line per cause (logger, message, arguments, exception type) per `window` seconds.

    During an outage every request fails the same way; thousands of identical lines hide the one that
    matters. The first is written at once; the repeats are counted and the next line written for that cause
    says how many were left out."""

    def __init__(self, window: float = 10.0, clock=None):
        super().__init__()
        import threading
        import time

        self.window = window
        self.clock = clock or time.monotonic
        self._seen: dict[tuple, list] = {}
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        exc = record.exc_info[1].__class__.__name__ if record.exc_info and record.exc_info[1] else None
        key = (record.name, str(record.msg)[:200], str(record.args)[:200], exc)
        now = self.clock()
        with self._lock:
            entry = self._seen.get(key)
            if entry is not None and now - entry[0] < self.window:
                entry[1] += 1
                return False
            skipped = entry[1] if entry else 0
            self._seen[key] = [now, 0]
            if len(self._seen) > 1000:
                for k in [k for k, v in self._seen.items() if now - v[0] >= self.window]:
                    del self._seen[k]
        if skipped:
            record.msg = f"{record.msg} ({skipped} more like this in the last {self.window:g} s)"
        return True


REPEAT_FILTER = RepeatFilter()
QUIET_LOGGERS = ("frontline", "frontline.readmodel", "frontline.webhooks", "uvicorn.error", "sqlalchemy.pool.impl.QueuePool")


def quiet_repeats() -> None:
    for name in QUIET_LOGGERS:
        logger = logging.getLogger(name)
        if REPEAT_FILTER not in logger.filters:
            logger.addFilter(REPEAT_FILTER)


def _connection_lost(exc: BaseException) -> bool:
    """A database connection that died under the request (server restarted, network cut, backend killed),
    raised by SQLAlchemy or straight from psycopg (a session closing on a dead connection)."""
    import psycopg

    for e in (exc, getattr(exc, "orig", None), exc.__cause__, exc.__context__):
        if isinstance(e, (psycopg.OperationalError, psycopg.errors.AdminShutdown, psycopg.errors.ConnectionFailure,
                          psycopg.InterfaceError)):
            return True
        if isinstance(e, DBAPIError) and e.connection_invalidated:
            return True
    return False


def install_handlers(app: FastAPI) -> None:
    quiet_repeats()
    @app.exception_handler(FrontlineError)
    async def _domain(request: Request, exc: FrontlineError):
        headers = {"Retry-After": str(exc.detail.get("retry_after", 5))} if isinstance(exc, (TooManyAttempts, Unavailable)) else None
        return JSONResponse(error_body(exc.code, exc.message, **exc.detail), status_code=status_for(exc), headers=headers)

    from app.api.schemas import UNSTORABLE

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        problems = []
        for e in exc.errors()[:20]:
            where = ".".join(str(p) for p in e.get("loc", ()) if p != "body")
            # The text rule's message reads on from the field's name: "summary_en contains U+FFFE at position 12, ..."
            problems.append(f"{where} {e.get('msg')}" if e.get("type") == UNSTORABLE else f"{where}: {e.get('msg')}")
        return JSONResponse(error_body("bad_input", "; ".join(problems) or "invalid request", fields=problems), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        from app.platform.security import BodyTooLarge

        if isinstance(exc.__cause__, BodyTooLarge):
            # FastAPI turns any failure while reading a JSON body into 400; a streamed (chunked) body that went
            # over the limit is the client's size, not its syntax.
            limit = request.app.state.settings.max_body_bytes
            return JSONResponse(error_body("too_large", f"request body is larger than {limit} bytes"), status_code=413,
                                headers={"Connection": "close"})
        msg = exc.detail if isinstance(exc.detail, str) else "request refused"
        return JSONResponse(error_body("http_" + str(exc.status_code), msg), status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(OperationalError)
    async def _db_down(request: Request, exc: OperationalError):
        log.warning("database unavailable: %s", exc.orig.__class__.__name__ if exc.orig else exc.__class__.__name__)
        return JSONResponse(error_body("unavailable", "The database is not answering right now. Nothing was changed; try again in a moment."),
                            status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(DataError)
    async def _bad_value(request: Request, exc: DataError):
        # e.g. a NUL character or a number out of PostgreSQL's range in otherwise valid JSON
        return JSONResponse(error_body("bad_input", "a value in the request cannot be stored or searched "
                                       "(NUL characters and out-of-range numbers are refused); nothing was changed"), status_code=422)

    @app.exception_handler(DBAPIError)
    async def _db_error(request: Request, exc: DBAPIError):
        if exc.connection_invalidated or _connection_lost(exc):
            log.warning("database connection lost: %s", exc.orig.__class__.__name__ if exc.orig else exc.__class__.__name__)
            return JSONResponse(error_body("unavailable", "The database is not answering right now. Nothing was changed; try again in a moment."),
                                status_code=503, headers={"Retry-After": "5"})
        log.exception("database error")
        return JSONResponse(error_body("internal", "The server could not complete the request."), status_code=500)

    import psycopg

    @app.exception_handler(psycopg.OperationalError)
    @app.exception_handler(psycopg.InterfaceError)
    async def _pg_lost(request: Request, exc: Exception):
        # psycopg's own error, not wrapped by SQLAlchemy: a session closing on a connection that died
        log.warning("database connection lost: %s", exc.__class__.__name__)
        return JSONResponse(error_body("unavailable", "The database is not answering right now. Nothing was changed; try again in a moment."),
                            status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        if _connection_lost(exc):
            log.warning("database connection lost: %s", exc.__class__.__name__)
            return JSONResponse(error_body("unavailable", "The database is not answering right now. Nothing was changed; try again in a moment."),
                                status_code=503, headers={"Retry-After": "5"})
        log.exception("unexpected error")
        return JSONResponse(error_body("internal", "The server could not complete the request."), status_code=500)
