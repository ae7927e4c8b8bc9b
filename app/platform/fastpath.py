"""A micro-cache in front of the app for the public read path (the outermost ASGI layer).

Public GET responses on a few routes depend only on the path, the query string, whether the client takes
gzip, and the published revision. The first request goes through FastAPI (validation, the read model, the
security headers); its 200 response is kept as bytes, and later identical requests are answered here
without routing, dependency resolution or thread hops. A new revision changes the key, so a publish
invalidates everything at once. `If-None-Match` is answered with 304 here too, by the one rule
(app.platform.conditional).

The replies are kept in the read model of the request's war (`state.wars.readmodel_for(scope).replies`, a ByteLRU bounded in bytes, least
recently used first out): this layer sits below the read side and does not import it, it uses the cache the
read model hands it, so there is one cache class for every byte cache of the app.
"""
from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from app.platform.conditional import none_match

ROUTES = frozenset({"/api/timeline", "/api/timeline/window", "/api/snapshot", "/api/factions", "/api/reports", "/api/areas.csv",
                    "/api/diff", "/api/snapshot.kml", "/embed", "/api/basemap/countries", "/api/basemap/governorates",
                    "/api/basemap/rivers", "/api/basemap/places"})
MAX_BODY = 8_000_000
KEEP_HEADERS = frozenset({b"content-type", b"content-encoding", b"etag", b"cache-control", b"vary", b"content-disposition",
                          b"content-security-policy", b"x-content-type-options", b"referrer-policy", b"x-frame-options",
                          b"strict-transport-security"})


def reply_size(reply: tuple) -> int:
    """Bytes held by a kept reply (headers, body, etag): the body, the headers and the key's bookkeeping."""
    headers, body, _ = reply
    return len(body) + sum(len(k) + len(v) for k, v in headers) + 200


class FastPath:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send):
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] not in ROUTES:
            return await self.app(scope, receive, send)
        wars = getattr(scope["app"].state, "wars", None)  # Starlette puts the app in the scope
        rm = wars.readmodel_for(scope) if wars is not None else None  # the war of the request's `war=`
        rev = rm.known_revision if rm is not None else None
        if rev is None:
            return await self.app(scope, receive, send)
        cache = rm.replies
        headers = dict(scope["headers"])
        gz = b"gzip" in headers.get(b"accept-encoding", b"")
        key = (scope["path"], scope["query_string"], gz, rev, rm.generation)
        hit = cache.get(key)
        if hit is not None:
            status_headers, body, etag = hit
            if none_match(headers.get(b"if-none-match"), etag):
                await send({"type": "http.response.start", "status": 304,
                            "headers": [(k, v) for k, v in status_headers if k != b"content-length" and k != b"content-type"]})
                await send({"type": "http.response.body", "body": b""})
                return
            await send({"type": "http.response.start", "status": 200, "headers": status_headers})
            await send({"type": "http.response.body", "body": body})
            return
        captured: dict = {}
        chunks: list[bytes] = []

        async def capture(message):
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = message.get("headers", [])
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body") and captured.get("status") == 200:
                    body = b"".join(chunks)
                    if len(body) <= MAX_BODY:
                        kept = [(k, v) for k, v in captured["headers"] if k.lower() in KEEP_HEADERS]
                        kept.append((b"content-length", str(len(body)).encode()))
                        etag = next((v for k, v in kept if k == b"etag"), None)
                        cache.put(key, (kept, body, etag))
            await send(message)

        await self.app(scope, receive, capture)
