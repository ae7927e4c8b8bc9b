"""The SQL of the feeds (Atom, JSON Feed), the webhooks' payloads, the corrections log and `as_of`: which
published changes to list, with their places and reports, and which revisions rewrote the map's past.
Bound parameters always. app/read/feeds.py makes entries of these rows; app/read/formats/feeds.py writes them.

Public fields only: never an editor's note or user name. When an editor gave no summary, the save path fills
`summary_en` with the start of their private note; such a summary is read here as empty.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

MAX_PLACES = 12  # per entry: a change across a whole province would otherwise list every village

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
           -- The revision published before it (numbers can have gaps: not always its number minus one).
           (SELECT max(r2.id) FROM revisions r2 WHERE r2.id < rv.id) AS before_id,
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

DATASET_BRIEF = text("SELECT slug, title_en, utc_offset_minutes, tz_label, time_zone FROM dataset LIMIT 1")


def faction_slugs(session: Session) -> list[str]:
    return list(session.execute(FACTION_SLUGS).scalars())


def place(session: Session, slug: str) -> dict | None:
    row = session.execute(PLACE, {"slug": slug}).mappings().one_or_none()
    return dict(row) if row else None


def revision_before(session: Session, t: datetime, current: int) -> int | None:
    return session.execute(REVISION_BEFORE, {"t": t, "current": current}).scalar_one()


def revision(session: Session, rev: int) -> dict:
    return dict(session.execute(REVISION, {"rev": rev}).mappings().one())


def dataset(session: Session) -> dict:
    """The data set's slug, title and local time (a stand-in before a data set is loaded)."""
    row = session.execute(DATASET_BRIEF).mappings().one_or_none()
    return dict(row) if row else {"slug": "frontline", "title_en": "Frontline", "utc_offset_minutes": 0, "tz_label": "UTC"}


def feed_rows(session: Session, rev: int, params: dict, limit: int) -> list:
    """The changes published in `rev` that pass the filters (`params`, see app.read.feeds), newest first."""
    return session.execute(FEED, {"rev": rev, "limit": limit, **params}).mappings().all()


def rows_by_id(session: Session, ids: list[int]) -> list:
    return session.execute(ENTRIES_BY_ID, {"ids": ids}).mappings().all()


def touched(session: Session, rev: int) -> list[int]:
    return sorted(session.execute(TOUCHED, {"rev": rev}).scalars())


def correction_rows(session: Session, rev: int, limit: int) -> list:
    return session.execute(CORRECTIONS, {"rev": rev, "limit": limit}).mappings().all()
