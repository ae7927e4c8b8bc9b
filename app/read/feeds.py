"""Following the front: the changes of a revision as Atom 1.0 and JSON Feed 1.1 entries, the corrections
log, and `as_of` resolution. This module holds its own SQL (bound parameters only).

Public fields only: the instant, faction, confidence, area, the gazetteer places inside, the public summary
and the cited reports. Never an editor's note or user name. When an editor gave no summary, the save path
fills `summary_en` with the start of their private note; such a summary is treated as absent here.

Stored text goes out through the text rule's `storable` (app.domain.text): a text stored before the rule (or by
hand) that holds what XML cannot carry shows U+FFFD there; no feed, live or pinned, fails on data.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.domain.text import storable, storable_all
from app.domain.times import iso, local

MAX_PLACES = 12  # per entry: a change across a whole province would otherwise list every village


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


# The public summary: a summary that is only the start of the editors' note is not public text.
_PUBLIC_SUMMARY = "CASE WHEN c.note <> '' AND c.summary_en = left(c.note, 300) THEN '' ELSE c.summary_en END"

_ENTRY_COLS = f"""
    c.id, c.at, f.slug AS faction, f.name_en AS faction_en, f.name_ar AS faction_ar, c.confidence,
    {_PUBLIC_SUMMARY} AS summary_en, c.summary_ar, c.created_in, rv.created_at AS published_at,
    ST_Area(c.geom::geography) / 1e6 AS area_km2,
    ST_X(ST_PointOnSurface(c.geom)) AS lon, ST_Y(ST_PointOnSurface(c.geom)) AS lat,
    ST_XMin(c.geom) AS minx, ST_YMin(c.geom) AS miny, ST_XMax(c.geom) AS maxx, ST_YMax(c.geom) AS maxy,
    (SELECT coalesce(json_agg(json_build_object('slug', p.slug, 'name_en', p.name_en, 'name_ar', p.name_ar)
                              ORDER BY p.rank, p.name_en), '[]')
     FROM (SELECT p.slug, p.name_en, p.name_ar, p.rank FROM places p WHERE ST_Covers(c.geom, p.geom)
           ORDER BY p.rank, p.name_en LIMIT {MAX_PLACES}) p) AS places,
    (SELECT coalesce(json_agg(json_build_object('id', r.id, 'title', r.title, 'publisher', r.publisher,
                              'published_at', to_char(r.published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                              'url', r.url) ORDER BY r.published_at, r.id), '[]')
     FROM change_reports cr JOIN reports r ON r.id = cr.report_id WHERE cr.change_id = c.id) AS reports
"""

_FILTERS = """
    AND (CAST(:factions AS text[]) IS NULL OR f.slug = ANY(CAST(:factions AS text[])))
    AND (CAST(:since AS timestamptz) IS NULL OR c.at >= CAST(:since AS timestamptz))
    AND (CAST(:x0 AS float8) IS NULL OR ST_Intersects(c.geom, ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)))
    AND (CAST(:place AS text) IS NULL OR EXISTS (
         SELECT 1 FROM places p WHERE p.slug = CAST(:place AS text)
         AND ST_DWithin(c.geom::geography, p.geom::geography, :meters)))
"""

# The changes published in revision :rev (created by then, not retracted by then), newest instant first.
FEED = text(f"""
    SELECT {_ENTRY_COLS}
    FROM control_changes c JOIN factions f ON f.id = c.faction_id JOIN revisions rv ON rv.id = c.created_in
    WHERE c.created_in <= :rev AND (c.retracted_in IS NULL OR c.retracted_in > :rev) {_FILTERS}
    ORDER BY c.at DESC, c.id DESC
    LIMIT :limit
""")

# Given change rows whatever their state (a webhook announces retractions too).
ENTRIES_BY_ID = text(f"""
    SELECT {_ENTRY_COLS}, c.retracted_in
    FROM control_changes c JOIN factions f ON f.id = c.faction_id JOIN revisions rv ON rv.id = c.created_in
    WHERE c.id = ANY(:ids)
    ORDER BY c.at DESC, c.id DESC
""")

# The changes a revision touched: created, retracted, or restored (a revert of a revert).
TOUCHED = text("""
    SELECT id FROM control_changes WHERE created_in = :rev OR retracted_in = :rev
    UNION
    SELECT CAST(x AS integer) FROM revisions r, jsonb_array_elements_text(
        CASE WHEN jsonb_typeof(r.details->'restored') = 'array' THEN r.details->'restored' ELSE '[]' END) x
    WHERE r.id = :rev
""")

REVISION = text("SELECT id, created_at, kind, reverts_id FROM revisions WHERE id = :rev")

# The latest revision created strictly before an instant ("as published on").
REVISION_BEFORE = text("SELECT max(id) FROM revisions WHERE created_at < :t AND id <= :current")

FACTION_SLUGS = text("SELECT slug FROM factions ORDER BY sort_order")
PLACE = text("SELECT slug, name_en, name_ar, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM places WHERE slug = :slug")

# Revisions that rewrote what the map had already published: every revert, and every change whose instant
# lies before the latest instant the map showed just before it. Newest first, up to revision :rev.
CORRECTIONS = text(f"""
    WITH rv AS (
        SELECT r.id, r.created_at, r.kind, r.reverts_id FROM revisions r
        WHERE r.kind IN ('change', 'revert') AND r.id <= :rev
    ), touched_ids AS (
        SELECT created_in AS rev, id AS change_id FROM control_changes WHERE created_in <= :rev
        UNION SELECT retracted_in, id FROM control_changes WHERE retracted_in <= :rev
        UNION SELECT r.id, CAST(x AS integer) FROM revisions r, jsonb_array_elements_text(
            CASE WHEN jsonb_typeof(r.details->'restored') = 'array' THEN r.details->'restored' ELSE '[]' END) x
        WHERE r.id <= :rev AND r.kind = 'revert'
    ), latest_before AS (
        -- The latest instant the map had shown before each revision: a running maximum over revisions.
        SELECT r.id AS rev, max(p.m) OVER (ORDER BY r.id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS latest
        FROM revisions r LEFT JOIN (SELECT created_in, max(at) AS m FROM control_changes GROUP BY created_in) p
             ON p.created_in = r.id
        WHERE r.id <= :rev
    ), past AS (
        -- The changes each revision touched that lie in the map's past (all of a revert's).
        SELECT ti.rev, ti.change_id FROM touched_ids ti JOIN rv ON rv.id = ti.rev
        JOIN control_changes c ON c.id = ti.change_id JOIN latest_before lb ON lb.rev = ti.rev
        WHERE rv.kind = 'revert' OR (lb.latest IS NOT NULL AND c.at < lb.latest)
    ), picked AS (
        SELECT DISTINCT rev FROM past ORDER BY rev DESC LIMIT :limit
    ), touched AS (
        SELECT past.rev, c.at, c.geom, {_PUBLIC_SUMMARY} AS summary_en, c.summary_ar, f.slug AS faction
        FROM past JOIN picked ON picked.rev = past.rev JOIN control_changes c ON c.id = past.change_id
        JOIN factions f ON f.id = c.faction_id
    )
    SELECT rv.id, rv.created_at, rv.kind, rv.reverts_id,
           array_agg(DISTINCT t.at ORDER BY t.at) AS instants,
           array_agg(DISTINCT t.faction) AS factions,
           ST_Area(ST_Union(t.geom)::geography) / 1e6 AS area_km2,
           ST_X(ST_PointOnSurface(ST_Union(t.geom))) AS lon, ST_Y(ST_PointOnSurface(ST_Union(t.geom))) AS lat,
           ST_XMin(ST_Collect(t.geom)) AS minx, ST_YMin(ST_Collect(t.geom)) AS miny,
           ST_XMax(ST_Collect(t.geom)) AS maxx, ST_YMax(ST_Collect(t.geom)) AS maxy,
           array_agg(DISTINCT t.summary_en) FILTER (WHERE t.summary_en <> '') AS summaries_en,
           array_agg(DISTINCT t.summary_ar) FILTER (WHERE t.summary_ar <> '') AS summaries_ar,
           (SELECT coalesce(json_agg(json_build_object('slug', q.slug, 'name_en', q.name_en, 'name_ar', q.name_ar)
                                     ORDER BY q.rank, q.name_en), '[]')
            FROM (SELECT DISTINCT p.slug, p.name_en, p.name_ar, p.rank FROM touched t2
                  JOIN places p ON ST_Covers(t2.geom, p.geom) WHERE t2.rev = rv.id
                  ORDER BY p.rank, p.name_en LIMIT {MAX_PLACES}) q) AS places
    FROM rv JOIN touched t ON t.rev = rv.id
    GROUP BY rv.id, rv.created_at, rv.kind, rv.reverts_id
    ORDER BY rv.id DESC
""")




def faction_slugs(session: Session) -> list[str]:
    return list(session.execute(FACTION_SLUGS).scalars())


def place(session: Session, slug: str) -> dict | None:
    row = session.execute(PLACE, {"slug": slug}).mappings().one_or_none()
    return dict(row) if row else None


def revision_before(session: Session, t: datetime, current: int) -> int | None:
    return session.execute(REVISION_BEFORE, {"t": t, "current": current}).scalar_one()


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
    row = session.execute(text("SELECT slug, title_en, utc_offset_minutes, tz_label FROM dataset LIMIT 1")).mappings().one_or_none()
    if row is None:
        return {"slug": "frontline", "title_en": "Frontline", "utc_offset_minutes": 0, "tz_label": "UTC"}
    return storable_all(dict(row))


def entries(session: Session, rev: int, flt: Filters, *, base: str, limit: int) -> list[dict]:
    ds = dataset(session)
    rows = session.execute(FEED, {"rev": rev, "limit": limit, **_params(flt)}).mappings().all()
    return [_entry(r, base, ds["utc_offset_minutes"]) for r in rows]


def entries_by_id(session: Session, ids: list[int], *, base: str) -> list[dict]:
    ds = dataset(session)
    return [_entry(r, base, ds["utc_offset_minutes"]) for r in session.execute(ENTRIES_BY_ID, {"ids": ids}).mappings()]


def touched(session: Session, rev: int) -> list[int]:
    return sorted(session.execute(TOUCHED, {"rev": rev}).scalars())


# --- formats ----------------------------------------------------------------------------------------------

def _title(e: dict) -> str:
    where = ", ".join(p["name_en"] for p in e["places"][:3] if p["name_en"])
    conf = "" if e["confidence"] == "confirmed" else " (claimed)"
    verb = "contested" if e["faction"] == "contested" else f"held by {e['faction_en']}"
    return f"{e['area_km2']:g} km² {verb}{conf}" + (f": {where}" if where else "")


def _text(e: dict, tz_label: str, offset: int) -> str:
    lines = [f"{local(e['at'], offset).strftime('%Y-%m-%d %H:%M')} {tz_label}: {e['faction_en']} ({e['faction']}), "
             f"{e['confidence']}, {e['area_km2']:g} km²."]
    if e["summary_en"]:
        lines.append(e["summary_en"])
    if e["places"]:
        lines.append("Places: " + ", ".join(p["name_en"] or p["slug"] for p in e["places"]) + ".")
    for r in e["reports"]:
        lines.append(f"Source: {r['publisher']}, \"{r['title']}\" ({r['published_at'][:10]})" + (f" {r['url']}" if r["url"] else ""))
    return "\n".join(lines)


def _html(e: dict, tz_label: str, offset: int) -> str:
    from html import escape as h

    out = [f"<p><strong>{h(local(e['at'], offset).strftime('%Y-%m-%d %H:%M'))} {h(tz_label)}</strong>: "
           f"{h(e['faction_en'])}, {h(e['confidence'])}, {e['area_km2']:g} km².</p>"]
    if e["summary_en"]:
        out.append(f"<p>{h(e['summary_en'])}</p>")
    if e["summary_ar"]:
        out.append(f'<p dir="rtl" lang="ar">{h(e["summary_ar"])}</p>')
    if e["places"]:
        out.append("<p>Places: " + ", ".join(h(p["name_en"] or p["slug"]) for p in e["places"]) + "</p>")
    if e["reports"]:
        items = []
        for r in e["reports"]:
            label = f"{h(r['publisher'])}: {h(r['title'])} ({h(r['published_at'][:10])})"
            items.append(f'<li><a href="{h(r["url"])}">{label}</a></li>' if r["url"] else f"<li>{label}</li>")
        out.append("<p>Sources:</p><ul>" + "".join(items) + "</ul>")
    out.append(f'<p><a href="{h(e["link"])}">Open the map at this moment</a></p>')
    return "".join(out)


def json_item(e: dict, ds: dict) -> dict:
    """One JSON Feed 1.1 item; the structured fields sit in the `_frontline` extension (JSON Feed's rule for
    extensions: a key starting with an underscore)."""
    off = ds["utc_offset_minutes"]
    ext = {"change_id": e["id"], "at": iso(e["at"]), "faction": e["faction"], "faction_name_en": e["faction_en"],
           "faction_name_ar": e["faction_ar"], "confidence": e["confidence"], "area_km2": e["area_km2"],
           "summary_en": e["summary_en"], "summary_ar": e["summary_ar"], "places": e["places"], "reports": e["reports"],
           "center": e["center"], "zoom": e["zoom"], "bbox": e["bbox"], "revision": e["revision"]}
    if "retracted_in" in e:
        ext["retracted_in"] = e["retracted_in"]
    return {"id": f"urn:frontline:{ds['slug']}:change:{e['id']}", "url": e["link"], "title": _title(e),
            "content_text": _text(e, ds["tz_label"], off), "content_html": _html(e, ds["tz_label"], off),
            "summary": e["summary_en"] or _title(e), "date_published": iso(e["published_at"]),
            "tags": [e["faction"], e["confidence"]] + [p["slug"] for p in e["places"]], "_frontline": ext}


def json_feed(items: list[dict], ds: dict, *, base: str, self_url: str, rev: int) -> bytes:
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": f"{ds['title_en']}: control changes",
           "home_page_url": f"{base}/", "feed_url": self_url,
           "description": "Each published change of control: instant, faction, confidence, area, places and sources.",
           "language": "en", "_frontline": {"revision": rev},
           "items": [json_item(e, ds) for e in items]}
    return orjson.dumps(doc)


def atom_feed(items: list[dict], ds: dict, *, base: str, self_url: str, rev: int, updated: datetime) -> bytes:
    """Atom 1.0 (RFC 4287), written with lxml (escaping, namespaces). feedgen was tried first: its 1.0 drops
    every attribute but href from entry links, which turns "related" source links into duplicate
    "alternate" ones, something RFC 4287 forbids."""
    from lxml import etree

    ns = "http://www.w3.org/2005/Atom"

    def el(parent, tag, text=None, **attrs):
        # The last guard (entries and the data set are cleaned already): lxml refuses what XML 1.0 cannot carry.
        e = etree.SubElement(parent, f"{{{ns}}}{tag}", {k: storable(v) for k, v in attrs.items() if v is not None})
        if text is not None:
            e.text = storable(text)
        return e

    def stamp(t: datetime) -> str:
        return t.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")

    feed = etree.Element(f"{{{ns}}}feed", nsmap={None: ns})
    feed.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
    el(feed, "id", f"urn:frontline:{ds['slug']}:changes")
    el(feed, "title", f"{ds['title_en']}: control changes")
    el(feed, "subtitle", f"Each published change of control (revision {rev}): instant, faction, confidence, area, places and sources.")
    el(feed, "updated", stamp(updated))
    el(el(feed, "author"), "name", "Frontline")
    el(feed, "link", href=self_url, rel="self", type="application/atom+xml")
    el(feed, "link", href=f"{base}/", rel="alternate", type="text/html")
    el(feed, "generator", "Frontline")
    off = ds["utc_offset_minutes"]
    for e in items:
        entry = el(feed, "entry")
        el(entry, "id", f"urn:frontline:{ds['slug']}:change:{e['id']}")
        el(entry, "title", _title(e))
        el(entry, "updated", stamp(e["published_at"]))
        el(entry, "published", stamp(e["published_at"]))
        el(entry, "link", href=e["link"], rel="alternate", type="text/html")
        for r in e["reports"]:
            if r["url"]:
                el(entry, "link", href=r["url"], rel="related", title=f"{r['publisher']}: {r['title']}"[:200])
        el(entry, "category", term=e["faction"], label=e["faction_en"], scheme=f"{base}/api/factions")
        el(entry, "category", term=e["confidence"], scheme=f"{base}/#confidence")
        for p in e["places"]:
            el(entry, "category", term=p["slug"], label=p["name_en"] or p["slug"], scheme=f"{base}/api/places")
        el(entry, "summary", _text(e, ds["tz_label"], off), type="text")
        el(entry, "content", _html(e, ds["tz_label"], off), type="html")
    return etree.tostring(feed, xml_declaration=True, encoding="utf-8")


# --- corrections ------------------------------------------------------------------------------------------

def corrections(session: Session, rev: int, *, base: str, limit: int) -> list[dict]:
    """Revisions that changed the past, newest first. The reason shown is public text only: the summaries
    of the changes involved, or which revision a revert undid (never the editor's own reason or note)."""
    ds = dataset(session)
    off = ds["utc_offset_minutes"]
    out = []
    for r in session.execute(CORRECTIONS, {"rev": rev, "limit": limit}).mappings():
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
            "before": viewer_link(base, first, r["lat"], r["lon"], z, off, rev=r["id"] - 1),
            "after": viewer_link(base, first, r["lat"], r["lon"], z, off, rev=r["id"]),
        })
    return out


def as_of_is_settled(t: datetime, now: datetime | None = None) -> bool:
    """Whether what was published before `t` can no longer change: `t` lies in the past by more than any
    write transaction lasts (a revision's time is its transaction's start, so one that started just before
    `t` may still be committing)."""
    return t < (now or datetime.now(timezone.utc)) - timedelta(minutes=5)
