"""Following the front: the changes of a revision as feed entries (written as Atom 1.0 and JSON Feed 1.1 by
app.read.formats.feeds), the corrections log, and `as_of` resolution. The SQL is in app.store.feeds.

Public fields only: the instant, faction, confidence, area, the gazetteer places inside, the public summary
and the cited reports. Never an editor's note or user name. When an editor gave no summary, the save path
fills `summary_en` with the start of their private note; app.store.feeds reads such a summary as empty.

Stored text goes out through the text rule's `storable` (app.domain.text): a text stored before the rule (or by
hand) that holds what XML cannot carry shows U+FFFD there; no feed, live or pinned, fails on data.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from app.domain.text import storable, storable_all
from app.domain.times import iso, local
from app.read.formats.feeds import atom_feed, json_feed, json_item  # noqa: F401 (the formats of these entries)
from app.read.payload import Payload
from app.store import feeds as store
# The store's look-ups the webhooks use through this module (app.usecases.webhooks).
from app.store.feeds import MAX_PLACES, REVISION, faction_slugs, place, revision_before, touched  # noqa: F401


@dataclass(frozen=True)
class Filters:
    """What a feed (or a webhook endpoint) follows. All optional; `km` applies to `place`."""
    factions: tuple[str, ...] = ()
    place: str | None = None
    km: float = 0.0
    bbox: tuple[float, float, float, float] | None = None
    since: datetime | None = None

    def key(self) -> tuple:
        return (self.factions, self.place, self.km, self.bbox, self.since.isoformat() if self.since else None)

    def query(self) -> dict:
        q = {}
        if self.factions:
            q["faction"] = ",".join(self.factions)
        if self.place:
            q["place"] = self.place
            if self.km:
                q["km"] = f"{self.km:g}"
        if self.bbox:
            q["bbox"] = ",".join(f"{v:g}" for v in self.bbox)
        if self.since:
            q["since"] = iso(self.since)
        return q


def _params(flt: Filters) -> dict:
    x0, y0, x1, y1 = flt.bbox or (None, None, None, None)
    return {"factions": list(flt.factions) or None, "since": flt.since, "x0": x0, "y0": y0, "x1": x1, "y1": y1,
            "place": flt.place, "meters": flt.km * 1000.0}


def zoom_for(minx: float, miny: float, maxx: float, maxy: float) -> int:
    """A web-map zoom that shows a box of this size (degrees) with some margin."""
    span = max(maxx - minx, (maxy - miny) * 1.4, 1e-4)
    return max(5, min(14, int(math.floor(math.log2(360.0 / span))) - 1))


def viewer_link(base: str, at: datetime, lat: float, lon: float, zoom: int, offset_minutes: int, *,
                rev: int | None = None) -> str:
    """The viewer at that instant and place; with `rev`, the embeddable viewer pinned to that revision
    (the one page that reads `rev=`)."""
    q = {"t": local(at, offset_minutes).isoformat(), "c": f"{lat:.4f},{lon:.4f}", "z": str(zoom)}
    if rev is not None:
        q["rev"] = str(rev)
    return f"{base}/{'embed' if rev is not None else ''}?{urlencode(q, safe=',:')}"


def _entry(r, base: str, offset: int) -> dict:
    z = zoom_for(r["minx"], r["miny"], r["maxx"], r["maxy"])
    # Every stored text through the text rule's `storable`: text stored before the rule (or by hand) holding what
    # XML cannot carry is shown with U+FFFD there, and never makes a feed (or a pinned copy of it) fail.
    e = {"id": r["id"], "at": r["at"], "faction": storable(r["faction"]), "faction_en": storable(r["faction_en"]),
         "faction_ar": storable(r["faction_ar"]), "confidence": r["confidence"],
         "summary_en": storable(r["summary_en"] or ""), "summary_ar": storable(r["summary_ar"] or ""),
         "revision": r["created_in"], "published_at": r["published_at"], "area_km2": round(r["area_km2"], 2),
         "center": [round(r["lat"], 5), round(r["lon"], 5)], "zoom": z,
         "bbox": [round(r["minx"], 5), round(r["miny"], 5), round(r["maxx"], 5), round(r["maxy"], 5)],
         "places": storable_all(r["places"]), "reports": storable_all(r["reports"]),
         "link": viewer_link(base, r["at"], r["lat"], r["lon"], z, offset)}
    if "retracted_in" in r.keys():
        e["retracted_in"] = r["retracted_in"]
    return e


def dataset(session: Session) -> dict:
    """The data set's public names and time settings, its texts through the text rule."""
    return storable_all(store.dataset(session))


def entries(session: Session, rev: int, flt: Filters, *, base: str, limit: int) -> list[dict]:
    ds = dataset(session)
    rows = store.feed_rows(session, rev, _params(flt), limit)
    return [_entry(r, base, ds["utc_offset_minutes"]) for r in rows]


def entries_by_id(session: Session, ids: list[int], *, base: str) -> list[dict]:
    ds = dataset(session)
    return [_entry(r, base, ds["utc_offset_minutes"]) for r in store.rows_by_id(session, ids)]


# --- corrections ------------------------------------------------------------------------------------------

def corrections(session: Session, rev: int, *, base: str, limit: int) -> list[dict]:
    """Revisions that changed the past, newest first. The reason shown is public text only: the summaries
    of the changes involved, or which revision a revert undid (never the editor's own reason or note)."""
    ds = dataset(session)
    off = ds["utc_offset_minutes"]
    out = []
    for r in store.correction_rows(session, rev, limit):
        z = zoom_for(r["minx"], r["miny"], r["maxx"], r["maxy"])
        first = r["instants"][0]
        if r["kind"] == "revert":
            reason = f"Revision {r['reverts_id']} was undone."
        else:
            reason = "Correction to an earlier moment."
        summaries = sorted(storable(x) for x in r["summaries_en"] or [])
        out.append({
            "revision": r["id"], "published_at": iso(r["created_at"]), "kind": r["kind"], "reverts": r["reverts_id"],
            "instants": [iso(t) for t in r["instants"]], "factions": sorted(storable(f) for f in r["factions"]),
            "area_km2": round(r["area_km2"] or 0.0, 2), "places": storable_all(r["places"]),
            "reason": reason + (" " + " ".join(summaries) if summaries else ""),
            "summaries_en": summaries, "summaries_ar": sorted(storable(x) for x in r["summaries_ar"] or []),
            "link": viewer_link(base, first, r["lat"], r["lon"], z, off),
            "before": viewer_link(base, first, r["lat"], r["lon"], z, off, rev=r["before_id"]) if r["before_id"] else None,
            "after": viewer_link(base, first, r["lat"], r["lon"], z, off, rev=r["id"]),
        })
    return out


def as_of_is_settled(t: datetime, now: datetime | None = None) -> bool:
    """Whether what was published before `t` can no longer change: `t` lies in the past by more than any
    write transaction lasts (a revision's time is its transaction's start, so one that started just before
    `t` may still be committing)."""
    return t < (now or datetime.now(timezone.utc)) - timedelta(minutes=5)


# --- built once per (revision, parameters), kept in the read model's cache --------------------------------

DEFAULT_LIMIT = 50  # entries in a feed when the reader does not say


def feed(rm, rev: int, pinned: bool, flt: Filters, limit: int, fmt: str, base: str) -> Payload:
    """The Atom (`fmt` "atom") or JSON Feed ("json") of revision `rev`'s changes that pass `flt`; its links
    start with `base` (the server's address). `rm`: the app's read model (its sessions and cache)."""
    # A war going on: the feed says what changed over the last 24 hours too (app.read.summary), so it is kept
    # per hour as well as per revision.
    ongoing = bool((rm.publication(rev).dataset_row or {}).get("ongoing"))
    hour = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) if ongoing and not pinned else None

    def build():
        nonlocal recent
        with rm.Session() as s:
            items = entries(s, rev, flt, base=base, limit=limit)
            ds = dataset(s)
            rev_time = store.revision(s, rev)["created_at"]
            if hour is not None:
                from app.read.summary import summary_doc

                recent = summary_doc(rm, s, rev, 24, base=base)
        q = flt.query()
        if pinned:
            q["rev"] = str(rev)
        if limit != DEFAULT_LIMIT:
            q["limit"] = str(limit)
        self_url = f"{base}/api/changes.{fmt}" + (f"?{urlencode(q)}" if q else "")
        if fmt == "atom":
            return Payload.build(atom_feed(items, ds, base=base, self_url=self_url, rev=rev, updated=rev_time,
                                           recent=recent),
                                 "application/atom+xml; charset=utf-8", rm.gzip_level)
        return Payload.build(json_feed(items, ds, base=base, self_url=self_url, rev=rev, recent=recent),
                             "application/feed+json", rm.gzip_level)
    # The base URL is part of the key as the entries' links use it.
    recent = None
    return rm.cached(("feed", fmt, rev, base, flt.key(), limit) + ((hour,) if hour else ()), build)


def corrections_of(rm, rev: int, base: str, limit: int) -> tuple[list[dict], dict]:
    """The corrections log of revision `rev` (see `corrections`) and the data set's brief (its local time)."""
    def build():
        with rm.Session() as s:
            return corrections(s, rev, base=base, limit=limit), dataset(s)
    return rm.cached(("corrections-of", rev, base, limit), build)


def corrections_payload(rm, rev: int, base: str, limit: int) -> Payload:
    """`/api/corrections`: the corrections log as JSON."""
    from app.read.formats.json_ import dumps

    def build():
        rows, _ = corrections_of(rm, rev, base, limit)
        return Payload.build(dumps({"revision": rev, "corrections": rows}), "application/json", rm.gzip_level)
    return rm.cached(("corrections", rev, base, limit), build)


def revision_as_of(rm, t: datetime, current: int) -> int | None:
    """The latest revision (up to `current`) created before `t`: what was published then."""
    with rm.Session() as s:
        return revision_before(s, t, current)


def known_filters(rm, factions: tuple[str, ...] | None, place_slug: str | None) -> tuple[list[str], bool]:
    """For a feed's filters: the faction slugs that exist (read only when `factions` is given) and whether the
    place exists (True when none is given)."""
    with rm.Session() as s:
        known = faction_slugs(s) if factions is not None else []
        found = place_slug is None or place(s, place_slug) is not None
    return known, found
