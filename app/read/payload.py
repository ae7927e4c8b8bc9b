"""A built response: its bytes, their gzip form, a strong ETag and the media type.

Everything the public read path serves from memory is a Payload, built once and kept in a byte cache
(app.read.cache.ByteLRU); the routes hand it to one `send` (app/api/deps.py), which answers 304 by the one
rule (app.platform.conditional) and picks the stored gzip when the client takes it.
"""
from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass


def strong_etag(body: bytes) -> str:
    """A strong ETag for these exact bytes (a hash of the body, quoted)."""
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


@dataclass(frozen=True)
class Payload:
    body: bytes
    # None for a body that is already compressed (pictures): it is sent as it is, never gzipped again.
    gz: bytes | None
    etag: str
    media_type: str

    @classmethod
    def build(cls, body: bytes, media_type: str, level: int) -> "Payload":
        """A body compressed once, at `level` (the same bytes every time: no timestamp in the gzip header)."""
        return cls(body, gzip.compress(body, compresslevel=level, mtime=0), strong_etag(body), media_type)

    @classmethod
    def compressed(cls, body: bytes, media_type: str) -> "Payload":
        """An already compressed body (PNG, GIF, MP4), served without Content-Encoding."""
        return cls(body, None, strong_etag(body), media_type)
