"""Security headers and the request body limit (pure ASGI middleware: no per-request buffering)."""
from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

# Pages meant to be framed by anyone (newsrooms); every other page refuses framing.
FRAMEABLE_PREFIXES = ("/embed",)


def csp(path: str) -> str:
    frame = "*" if path.startswith(FRAMEABLE_PREFIXES) else "'none'"
    return ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data: blob: https:; connect-src 'self'; font-src 'self'; object-src 'none'; "
            f"base-uri 'none'; form-action 'self'; frame-ancestors {frame}")


class SecurityHeaders:
    def __init__(self, app: ASGIApp, secure: bool = False):
        self.app, self.secure = app, secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")

        async def wrapped(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                add = [(b"x-content-type-options", b"nosniff"),
                       (b"referrer-policy", b"strict-origin-when-cross-origin"),
                       (b"content-security-policy", csp(path).encode())]
                if not path.startswith(FRAMEABLE_PREFIXES):
                    add.append((b"x-frame-options", b"DENY"))
                if self.secure:
                    add.append((b"strict-transport-security", b"max-age=31536000"))
                headers += [(k, v) for k, v in add if k not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, wrapped)


class BodyLimit:
    """Refuse bodies over max_bytes with 413 before the app reads them (declared or streamed)."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        qs = scope.get("query_string", b"")
        if b"%00" in qs or b"\x00" in qs or len(qs) > 8192:
            return await _refuse(send, 422 if len(qs) <= 8192 else 414,
                                 "the query string contains a NUL character" if len(qs) <= 8192 else "the query string is too long")
        if scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            return await _too_large(send, self.max_bytes)
        seen = 0

        async def limited():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge()
            return message

        try:
            await self.app(scope, limited, send)
        except BodyTooLarge:
            await _too_large(send, self.max_bytes)


class BodyTooLarge(Exception):
    pass


async def _too_large(send: Send, limit: int):
    await _refuse(send, 413, f"request body is larger than {limit} bytes", code="too_large")


async def _refuse(send: Send, status: int, message: str, code: str = "bad_input"):
    import json

    body = json.dumps({"error": code, "message": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
