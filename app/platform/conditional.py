"""The one 304 rule: does a request's `If-None-Match` match the ETag of what we would send (RFC 9110 13.1.2)?

Every place that answers conditional GETs asks this function: the public read routes (app/api/deps.py `send`),
the pictures (app/api/pictures.py) and the micro-cache in front of the app (app/platform/fastpath.py). It lives
in the platform because the micro-cache, below the read side in the layering, needs it too.

The header is `*` or a comma-separated list of entity tags, each `"opaque"` or `W/"opaque"`. If-None-Match
uses the weak comparison: two tags match when their opaque parts are equal, whether either is weak or not
(a client may send back a weak form of our strong tag). `*` matches any current representation. An opaque
tag may itself hold a comma, so the list is read tag by tag, not split at commas; a malformed element is
skipped.
"""
from __future__ import annotations

import re

_TAG = re.compile(r'\s*(?:W/)?("[^"]*")\s*(?:,|$)')


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def none_match(if_none_match: str | bytes | None, etag: str | bytes | None) -> bool:
    """True when the request's If-None-Match matches `etag` (then a GET or HEAD is answered 304)."""
    if not if_none_match or not etag:
        return False
    if isinstance(if_none_match, bytes):
        if_none_match = if_none_match.decode("latin-1")
    if isinstance(etag, bytes):
        etag = etag.decode("latin-1")
    value = if_none_match.strip()
    if value == "*":
        return True
    mine = _opaque(etag)
    pos = 0
    while pos < len(value):
        m = _TAG.match(value, pos)
        if m is None:  # a malformed element (an unquoted tag): skipped, the rest of the list still counts
            comma = value.find(",", pos)
            if comma < 0:
                return False
            pos = comma + 1
            continue
        if m.group(1) == mine:
            return True
        pos = m.end()
    return False
