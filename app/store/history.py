"""The edit history for editors: revisions with their authors, the changes each made, one change's area.

Never public (it names authors and shows editors' notes); app/usecases/history.py shapes it.
"""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

REVISIONS = text("""
    SELECT r.id, r.kind, r.created_at, r.reason, r.reverts_id, r.details, u.username AS author
    FROM revisions r LEFT JOIN users u ON u.id = r.author_id
    WHERE (CAST(:before AS int) IS NULL OR r.id < :before)
    ORDER BY r.id DESC LIMIT :limit""")

CHANGES = text("""
    SELECT c.id, c.created_in, c.retracted_in, c.at, f.slug AS faction, c.confidence, c.summary_en, c.summary_ar, c.note,
           ST_Area(c.geom::geography) / 1e6 AS area_km2,
           ST_XMin(c.geom) AS minx, ST_YMin(c.geom) AS miny, ST_XMax(c.geom) AS maxx, ST_YMax(c.geom) AS maxy,
           coalesce((SELECT json_agg(json_build_object('id', rp.id, 'title', rp.title, 'publisher', rp.publisher)
                                     ORDER BY rp.id)
                     FROM change_reports cr JOIN reports rp ON rp.id = cr.report_id WHERE cr.change_id = c.id), '[]') AS reports
    FROM control_changes c JOIN factions f ON f.id = c.faction_id
    WHERE c.created_in = ANY(:revs) OR c.id = ANY(:ids)""")

CHANGE_GEOMETRY = text("""
    SELECT c.id, f.slug AS faction, c.at, ST_AsGeoJSON(c.geom, 6) AS geometry
    FROM control_changes c JOIN factions f ON f.id = c.faction_id WHERE c.id = :id""")


def revisions(session: Session, *, limit: int, before: int | None) -> list[dict]:
    """The latest `limit` revisions (below `before` when given), newest first, with the author's user name."""
    return [dict(r) for r in session.execute(REVISIONS, {"before": before, "limit": limit}).mappings()]


def changes(session: Session, *, created_in: list[int], ids: list[int]) -> list[RowMapping]:
    """The changes the revisions `created_in` created, and the changes `ids`, with their cited reports."""
    return list(session.execute(CHANGES, {"revs": created_in, "ids": ids}).mappings())


def change_geometry(session: Session, change_id: int) -> RowMapping | None:
    """One change's faction, instant and area (GeoJSON text, 6 decimals)."""
    return session.execute(CHANGE_GEOMETRY, {"id": change_id}).mappings().one_or_none()
