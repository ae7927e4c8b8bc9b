"""What changed over the last hours of a war (`GET /api/summary`, the viewer's "last 24 hours", the feeds):
km² gained and lost per faction between `to - hours` and `to`, and the places that changed hands then.

`to` is now for a war going on (clamped to its period) and the end of an ended war. Built once per (revision,
hours, hour of `to`) in the war's read model cache, so anonymous readers cannot make the database overlay the
zones on every request.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy.orm import Session

from app.domain.times import iso
from app.read import feeds
from app.read.formats.json_ import dumps
from app.read.payload import Payload
from app.store import queries

HOURS = (24, 24 * 7, 24 * 30)


def summary_doc(rm, session: Session, rev: int, hours: int, *, base: str, now: datetime | None = None) -> dict:
    pub = rm.publication(rev)
    ds = pub.dataset_row or {}
    now = (now or datetime.now(timezone.utc)).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    end = ds.get("end_at")
    to = now if ds.get("ongoing") or end is None else min(now, end)
    start = to - timedelta(hours=hours)
    ids = [c["id"] for c in pub.rows or [] if start <= c["_at"] < to]
    out = {"revision": rev, "hours": hours, "from": iso(start), "to": iso(to),
           "latest_change": iso(pub.instants[-1]) if pub.instants else None,
           "factions": [], "places": [], "changes": len(ids)}
    if ids:
        rows = session.execute(queries.DIFF, {"t1": start, "t2": to - timedelta(microseconds=1), "rev": rev,
                                              "digits": queries.COORD_DIGITS}).mappings().all()
        out["factions"] = [{"faction": r["faction"], "gained_km2": round(r["gained_km2"], 2),
                            "lost_km2": round(r["lost_km2"], 2)}
                           for r in rows if r["gained_km2"] >= 0.005 or r["lost_km2"] >= 0.005]
        seen = {}
        for e in sorted(feeds.entries_by_id(session, ids, base=base), key=lambda e: e["at"]):
            for p in e["places"]:
                seen[p["slug"]] = {"slug": p["slug"], "name_en": p["name_en"], "name_ar": p.get("name_ar", ""),
                                   "faction": e["faction"], "at": iso(e["at"])}
        out["places"] = sorted(seen.values(), key=lambda p: p["at"], reverse=True)
    return out


def summary(rm, session: Session, rev: int, hours: int, *, base: str) -> Payload:
    hour = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    return rm.cached(("summary", rev, hours, hour, base),
                     lambda: Payload.build(dumps(summary_doc(rm, session, rev, hours, base=base)), "application/json",
                                           rm.gzip_level))
