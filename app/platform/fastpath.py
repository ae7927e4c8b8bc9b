"""A micro-cache in front of the app for the public read path (the outermost ASGI layer).

Public GET responses on a few routes depend only on the path, the query string, whether the client takes
gzip, and the published revision. The first request goes through FastAPI (validation, the read model, the
security headers); its 200 response is kept as bytes, and later identical requests are answered here
without routing, dependency resolution or thread hops. A new revision changes the key, so a publish
invalidates everything at once. `If-None-Match` is answered with 304 here too.
"""
from __future__ import annotations

from collections import OrderedDict

from starlette.types import ASGIApp, Receive, Scope, Send

ROUTES = frozenset({"/api/timeline", "/api/timeline/window", "/api/snapshot", "/api/factions", "/api/reports", "/api/areas.csv",
                    "/api/diff", "/api/snapshot.kml", "/embed", "/api/basemap/countries", "/api/basemap/governorates",
                    "/api/basemap/rivers", "/api/basemap/places"})
MAX_ENTRIES = 4096
MAX_BODY = 8_000_000
# The replayed bodies are bounded in bytes too (least recently used first out).
MAX_BYTES = 128 * 1024 * 1024
KEEP_HEADERS = frozenset({b"content-type", b"content-encoding", b"etag", b"cache-control", b"vary", b"content-disposition",
                          b"content-security-policy", b"x-content-type-options", b"referrer-policy", b"x-frame-options",
                          b"strict-transport-security"})


class FastPath:
    def __init__(self, app: ASGIApp):
        self.app = app
        self.cache: OrderedDict = OrderedDict()
        self.bytes = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send):
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] not in ROUTES:
            return await self.app(scope, receive, send)
        rm = getattr(scope["app"].state, "readmodel", None)  # Starlette puts the app in the scope
        if rm is None or rm._revision is None:
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        gz = b"gzip" in headers.get(b"accept-encoding", b"")
        key = (scope["path"], scope["query_string"], gz, rm._revision, rm.generation)
        hit = self.cache.get(key)
        if hit is not None:
            self.cache.move_to_end(key)
            status_headers, body, etag = hit
            inm = headers.get(b"if-none-match")
            if inm is not None and etag is not None and etag in [t.strip() for t in inm.split(b",")]:
                await send({"type": "http.response.start", "status": 304,
                            "headers": [(k, v) for k, v in status_headers if k != b"content-length" and k != b"content-type"]})
                await send({"type": "http.response.body", "body": b""})
                return
            await send({"type": "http.response.start", "status": 200, "headers": status_headers})
            await send({"type": "http.response.body", "body": body})
            return
        old = self.cache.pop(key, None)
        if old is not None:
            self.bytes -= len(old[1])
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
                        prev = self.cache.pop(key, None)
                        if prev is not None:
                            self.bytes -= len(prev[1])
                        self.cache[key] = (kept, body, etag)
                        self.bytes += len(body)
                        while len(self.cache) > MAX_ENTRIES or self.bytes > MAX_BYTES:
                            _, (_, dropped, _) = self.cache.popitem(last=False)
                            self.bytes -= len(dropped)
            await send(message)

        await self.app(scope, receive, capture)
