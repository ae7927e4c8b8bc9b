"""Answers computed per request from the database, not built per revision: who holds a point (and why),
the gazetteer search, the list of published revisions, and the health check's revision. Each takes the
request's session (app/api/deps.py hands it out); the SQL is in the store.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.domain.times import iso
from app.store import places as store_places
from app.store import queries
from app.store.datasets import grid
from app.store.publication import reports_by_id


def current_revision(session: Session) -> int:
    """The newest revision in the database (raises when the database does not answer)."""
    return queries.current_revision(session)


def zone_at(session: Session, rev: int, at: datetime, lat: float, lon: float):
    """The stored piece holding (lat, lon) at `at` in revision `rev` (its faction and validity), or None. On an
    edge two cells share, the cell holding the point half-open answers (the same on every copy of the data)."""
    params = {"lat": lat, "lon": lon, "at": at, "rev": rev, "cells": grid(session).cells_at(lon, lat)}
    return session.execute(queries.ZONE_AT_POINT, params).mappings().first()


def point(session: Session, rev: int, at: datetime, lat: float, lon: float) -> dict:
    """Who holds (lat, lon) at `at` in revision `rev`, since when, and the changes and reports behind it."""
    params = {"lat": lat, "lon": lon, "at": at, "rev": rev}
    zone = zone_at(session, rev, at, lat, lon)
    chain = session.execute(queries.CHANGES_AT_POINT, params).mappings().all()
    reports = reports_by_id(session, sorted({rid for c in chain for rid in c["report_ids"]}))
    holder = zone["faction"] if zone else None
    # "Since when": the latest change covering the point that gave it to the holder, after the last one that did not.
    since = None
    for c in chain:
        if c["faction"] == holder:
            since = since or c["at"]
        else:
            since = None
    return {
        "revision": rev, "at": iso(at), "lat": lat, "lon": lon,
        "faction": holder,
        "since": iso(since) if since else (iso(zone["valid_from"]) if zone else None),
        "zone_valid_from": iso(zone["valid_from"]) if zone else None,
        "zone_valid_to": iso(zone["valid_to"]) if zone else None,
        "changes": [{"id": c["id"], "at": iso(c["at"]), "faction": c["faction"], "confidence": c["confidence"],
                     "summary_en": c["summary_en"], "summary_ar": c["summary_ar"],
                     "reports": [{"id": rid, "title": reports[rid]["title"], "publisher": reports[rid]["publisher"],
                                  "published_at": iso(reports[rid]["published_at"]), "url": reports[rid]["url"]}
                                 for rid in c["report_ids"] if rid in reports]}
                    for c in chain],
    }


def places(session: Session, key: str, limit: int) -> list[dict]:
    """Gazetteer places matching `key` (a name folded by app.usecases.load.fold_text; empty: the main places)."""
    return [{**r, "lon": round(r["lon"], 5), "lat": round(r["lat"], 5)} for r in store_places.search(session, key, limit)]


def revisions(session: Session, limit: int) -> list[dict]:
    """The published revisions, newest first. Public: numbers, times, kinds and what changed; never who (people
    mapping a war can be in danger) and never the reasons editors typed (private to editors; /api/corrections
    words corrections from public summaries)."""
    rows = session.execute(queries.PUBLIC_REVISIONS, {"l": limit}).mappings().all()
    return [{"id": r["id"], "created_at": iso(r["created_at"]), "kind": r["kind"], "reverts_id": r["reverts_id"],
             "changes": r["changes"], "retracted": r["retracted"]} for r in rows]
