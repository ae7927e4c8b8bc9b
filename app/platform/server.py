"""How `frontline serve` runs uvicorn: connection limits that uvicorn does not enforce by itself.

uvicorn's default HTTP parser (httptools) accepts a request head of any size and waits forever for one to
finish: a 1 MB header is served, 20,000 headers too, and a thousand slow clients each trickling a header
hold a thousand connections and their buffers. `GuardedHttpToolsProtocol` adds:
- a bound on the request head (`max_header_bytes`, counted as the bytes arrive, so an unfinished header
  cannot grow a buffer either) and on the number of headers -> 431; on the request line -> 414;
- a header timeout: a connection must deliver a complete request head within `header_timeout_seconds` of
  opening (or of its first byte after a keep-alive pause), else it is closed;
- a body timeout: a request body must arrive within `body_timeout_seconds`, else the connection is closed.
uvicorn's own `limit_concurrency` (503 above it) bounds concurrent connections and `timeout_keep_alive`
idle ones. The same limits belong in the reverse proxy in front (docs/deploy.md).
"""
from __future__ import annotations

from dataclasses import dataclass

import httptools
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


@dataclass(frozen=True)
class Limits:
    max_header_bytes: int = 32 * 1024
    max_header_count: int = 100
    max_request_line_bytes: int = 8 * 1024
    header_timeout: float = 10.0
    body_timeout: float = 30.0

    @classmethod
    def from_settings(cls, s) -> "Limits":
        return cls(s.max_header_bytes, s.max_header_count, s.max_request_line_bytes, s.header_timeout_seconds,
                   s.body_timeout_seconds)


_REASONS = {408: b"Request Timeout", 414: b"URI Too Long", 431: b"Request Header Fields Too Large",
            400: b"Bad Request"}


class _Refuse(Exception):
    def __init__(self, status: int, message: str):
        self.status, self.message = status, message


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, config, *args, **kwargs):
        super().__init__(config, *args, **kwargs)
        self.limits: Limits = getattr(config, "frontline_limits", None) or Limits()
        self._in_head = True
        self._head_bytes = 0
        self._header_count = self._header_size = 0
        self._head_timer = None
        self._body_timer = None

    # --- timers ------------------------------------------------------------------------------------
    def _arm_head_timer(self):
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.limits.header_timeout, self._timed_out)

    def _cancel(self, name):
        timer = getattr(self, name)
        if timer is not None:
            timer.cancel()
            setattr(self, name, None)

    def _timed_out(self):
        self._head_timer = self._body_timer = None
        if not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport):
        super().connection_made(transport)
        self._arm_head_timer()

    def connection_lost(self, exc):
        self._cancel("_head_timer")
        self._cancel("_body_timer")
        super().connection_lost(exc)

    # --- parsing -----------------------------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        if self._in_head:
            self._head_bytes += len(data)
        try:
            self.parser.feed_data(data)
            if self._in_head:
                self._arm_head_timer()
                if self._head_bytes > self.limits.max_header_bytes:
                    # The head is unfinished and already too big: refuse rather than keep buffering it.
                    raise _Refuse(431, "request header fields too large")
        except _Refuse as r:
            self._refuse(r.status, r.message)
        except httptools.HttpParserCallbackError as e:
            if isinstance(e.__context__, _Refuse):
                self._refuse(e.__context__.status, e.__context__.message)
            else:
                self._refuse(400, "Invalid HTTP request received.")
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
        except httptools.HttpParserError:
            self._refuse(400, "Invalid HTTP request received.")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self._header_count = 0
        self._header_size = 0

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > self.limits.max_request_line_bytes:
            raise _Refuse(414, "request line too long")

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        self._header_size += len(name) + len(value) + 4
        if self._header_count > self.limits.max_header_count:
            raise _Refuse(431, "too many request header fields")
        if self._header_size > self.limits.max_header_bytes:
            raise _Refuse(431, "request header fields too large")
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._head_bytes = 0
        self._cancel("_head_timer")
        super().on_headers_complete()
        if self.cycle is not None and self.cycle.more_body and self._expects_body():
            self._body_timer = self.loop.call_later(self.limits.body_timeout, self._timed_out)

    def _expects_body(self) -> bool:
        for name, value in self.headers:
            if name == b"transfer-encoding" or (name == b"content-length" and value.strip() not in (b"0", b"")):
                return True
        return False

    def on_message_complete(self) -> None:
        self._cancel("_body_timer")
        super().on_message_complete()

    def _refuse(self, status: int, message: str) -> None:
        self._cancel("_head_timer")
        self._cancel("_body_timer")
        if self.transport.is_closing():
            return
        body = message.encode()
        self.transport.write(b"HTTP/1.1 %d %s\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: %d\r\n"
                             b"connection: close\r\n\r\n%s" % (status, _REASONS.get(status, b"Error"), len(body), body))
        self.transport.close()


def uvicorn_config(app, settings, *, host: str, port: int, **kw):
    """A uvicorn Config with Frontline's connection limits (used by `frontline serve` and the tests)."""
    import uvicorn

    config = uvicorn.Config(app, host=host, port=port, http=GuardedHttpToolsProtocol,
                            limit_concurrency=settings.max_connections, timeout_keep_alive=settings.keep_alive_seconds,
                            **kw)
    config.frontline_limits = Limits.from_settings(settings)
    return config


class SelectiveGZip:
    """GZip for everything but the paths whose bodies are already compressed (pictures)."""

    def __init__(self, app: ASGIApp, *, minimum_size: int, compresslevel: int, skip_prefixes: tuple[str, ...]):
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=minimum_size, compresslevel=compresslevel)
        self.skip = skip_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send):
        if scope["type"] == "http" and scope["path"].startswith(self.skip):
            return await self.app(scope, receive, send)
        return await self.gzip(scope, receive, send)


class PathGuard:
    """A path holding a NUL or another control character names no resource: 404 before any route or the
    static files see it (the operating system refuses such file names with an error, not a miss)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send):
        if scope["type"] == "http" and not scope["path"].isprintable():
            body = b'{"error":"not_found","message":"no such address (the path holds a control character)"}'
            await send({"type": "http.response.start", "status": 404,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


class WarPaths:
    """Every address of the app under a war's prefix: `/w/SLUG/PATH?Q` is served as `/PATH?Q&war=SLUG`, so a
    war's viewer (`/w/SLUG/`), embed (`/w/SLUG/embed`), editor and API calls need no route of their own and the
    pages' relative URLs stay inside the war. The prefix is kept in the scope (`frontline.war_prefix`) for the
    pages to build their links with; `/w/SLUG` without the slash redirects to it."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send):
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path.startswith(OGC_WAR_COLLECTION):  # /ogc/collections/control_zones-SLUG[/...]: that war's collection
            slug, _, rest = path[len(OGC_WAR_COLLECTION):].partition("/")
            scope = _with_war(scope, "/ogc/collections/control_zones" + (f"/{rest}" if _ else ""), slug)
            scope["frontline.collection"] = f"control_zones-{slug}"
            return await self.app(scope, receive, send)
        if not path.startswith("/w/"):
            return await self.app(scope, receive, send)
        slug, _, rest = path[3:].partition("/")
        if not _:  # /w/SLUG: the viewer is /w/SLUG/
            location = f"/w/{slug}/" + (("?" + scope["query_string"].decode("latin-1")) if scope.get("query_string") else "")
            await send({"type": "http.response.start", "status": 308,
                        "headers": [(b"location", location.encode("latin-1")), (b"content-length", b"0")]})
            await send({"type": "http.response.body", "body": b""})
            return
        scope = _with_war(scope, "/" + rest, slug)
        scope["frontline.war_prefix"] = f"/w/{slug}"
        await self.app(scope, receive, send)


OGC_WAR_COLLECTION = "/ogc/collections/control_zones-"


def _with_war(scope: Scope, path: str, slug: str) -> Scope:
    """The request as if made to `path` with `war=slug` (any war= it carried replaced)."""
    query = [p for p in scope.get("query_string", b"").split(b"&") if p and not p.startswith(b"war=")]
    query.append(b"war=" + slug.encode("latin-1", "replace"))
    return dict(scope, path=path, raw_path=path.encode("latin-1", "replace"), query_string=b"&".join(query))
