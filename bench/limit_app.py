"""The limit for a Python server here: a ~20-line ASGI app returning fixed bytes from memory.

Usage: uvicorn bench.limit_app:app  (BENCH_BODIES=/path/to/dir holding <name>.gz files; path /<name>)
"""
import os
from pathlib import Path

BODIES = {f"/{p.stem}": p.read_bytes() for p in Path(os.environ.get("BENCH_BODIES", ".")).glob("*.gz")}
TYPES = {"/embed": b"text/html; charset=utf-8"}


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    body = BODIES.get(scope["path"])
    if body is None:
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({"type": "http.response.start", "status": 200, "headers": [
        (b"content-type", TYPES.get(scope["path"], b"application/json")), (b"content-encoding", b"gzip"),
        (b"etag", b'"limit"'), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
