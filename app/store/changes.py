"""Statements of the write path: revisions, and control changes recorded, retracted and restored.

The zone pieces a write refolds are in queries.py (shared with the read path); these are the statements only
the use cases of app/usecases/changes.py and app/usecases/archive.py run. Bound parameters always.
"""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

NEW_REVISION = text("""
    INSERT INTO revisions (id, kind, reason, author_id, reverts_id, details)
    VALUES (coalesce(CAST(:id AS integer), nextval('revisions_id_seq')), :kind, :reason, :author, :reverts,
            CAST(:details AS jsonb)) RETURNING id
""")
SET_REVISION_DETAILS = text("UPDATE revisions SET details = CAST(:d AS jsonb) WHERE id = :id")
REVISION = text("SELECT id, kind, details FROM revisions WHERE id = :id")

# Zones written before cells existed (whole polygons, cell -1) and still live.
HAS_LEGACY_ZONES = text("SELECT EXISTS (SELECT 1 FROM control_zones WHERE cell < 0 AND upper_inf(revs))")

ACTIVE_CREATED_IN = text("SELECT id FROM control_changes WHERE created_in = :r AND retracted_in IS NULL")
RETRACTED_IN = text("SELECT id FROM control_changes WHERE retracted_in = :r")
RETRACT = text("UPDATE control_changes SET retracted_in = :rev WHERE id = ANY(:ids)")
RESTORE = text("UPDATE control_changes SET retracted_in = NULL WHERE id = ANY(:ids)")
EARLIEST_AT = text("SELECT min(at) FROM control_changes WHERE id = ANY(:ids)")
GEOMETRIES = text("SELECT ST_AsBinary(geom) FROM control_changes WHERE id = ANY(:ids)")

# The distinct instants of the changes in effect now, in [t1, t2] (export-snapshots --every change).
# The changes in force up to :at that reach an area (by more than 1 m²), newest first, with the reports they
# cite: what already says who holds it (the editor's preview of a change that changes nothing names them).
CHANGES_OVER_AREA = text("""
    SELECT c.id, c.at, f.slug AS faction, c.summary_en, c.summary_ar,
           coalesce((SELECT json_agg(cr.report_id ORDER BY cr.report_id) FROM change_reports cr WHERE cr.change_id = c.id), '[]') AS report_ids
    FROM control_changes c JOIN factions f ON f.id = c.faction_id, (SELECT ST_GeomFromWKB(:wkb, 4326) AS geom) g
    WHERE c.retracted_in IS NULL AND c.at <= CAST(:at AS timestamptz) AND c.id <> :exclude AND c.geom && g.geom
      AND ST_Intersects(c.geom, g.geom) AND ST_Area(ST_Intersection(c.geom, g.geom)::geography) > 1
    ORDER BY c.at DESC, c.id DESC
    LIMIT 50
""")
ACTIVE_INSTANTS = text("""SELECT DISTINCT at FROM control_changes
                          WHERE retracted_in IS NULL AND at >= :t1 AND at <= :t2 ORDER BY at""")

# Every change in effect now, with its geometry and the keys of the reports it cites (export-dataset).
ACTIVE_FOR_EXPORT = text("""
    SELECT c.id, c.key, c.at, f.slug AS faction, c.confidence, c.summary_en, c.summary_ar, c.note,
           ST_AsGeoJSON(c.geom, 7) AS geom,
           ARRAY(SELECT cr.report_id FROM change_reports cr WHERE cr.change_id = c.id ORDER BY cr.report_id) AS report_ids
    FROM control_changes c JOIN factions f ON f.id = c.faction_id
    WHERE c.retracted_in IS NULL ORDER BY c.at, c.id""")


def new_revision(session: Session, *, kind: str, reason: str = "", author_id: int | None = None,
                 reverts_id: int | None = None, details: dict | None = None, explicit_id: int | None = None) -> int:
    return session.execute(NEW_REVISION, {"id": explicit_id, "kind": kind, "reason": reason, "author": author_id,
                                          "reverts": reverts_id, "details": json.dumps(details or {})}).scalar_one()


def set_revision_details(session: Session, rev: int, details: dict) -> None:
    session.execute(SET_REVISION_DETAILS, {"d": json.dumps(details), "id": rev})


def revision(session: Session, rev: int) -> RowMapping | None:
    return session.execute(REVISION, {"id": rev}).mappings().one_or_none()


def has_legacy_zones(session: Session) -> bool:
    return bool(session.execute(HAS_LEGACY_ZONES).scalar_one())


def active_created_in(session: Session, rev: int) -> list[int]:
    """The changes revision `rev` created that are still in effect."""
    return list(session.execute(ACTIVE_CREATED_IN, {"r": rev}).scalars())


def retracted_in(session: Session, rev: int) -> list[int]:
    return list(session.execute(RETRACTED_IN, {"r": rev}).scalars())


def retract(session: Session, ids: list[int], rev: int) -> None:
    session.execute(RETRACT, {"rev": rev, "ids": ids})


def restore(session: Session, ids: list[int]) -> None:
    session.execute(RESTORE, {"ids": ids})


def earliest_at(session: Session, ids: list[int]) -> datetime | None:
    return session.execute(EARLIEST_AT, {"ids": ids}).scalar_one()


def geometries_wkb(session: Session, ids: list[int]) -> list[bytes]:
    return [bytes(w) for w in session.execute(GEOMETRIES, {"ids": ids}).scalars()]


def changes_over_area(session: Session, at: datetime, wkb: bytes, exclude: int) -> list[RowMapping]:
    return list(session.execute(CHANGES_OVER_AREA, {"at": at, "wkb": wkb, "exclude": exclude}).mappings())


def active_instants(session: Session, t1: datetime, t2: datetime) -> list[datetime]:
    return list(session.execute(ACTIVE_INSTANTS, {"t1": t1, "t2": t2}).scalars())


def active_for_export(session: Session) -> list[RowMapping]:
    return list(session.execute(ACTIVE_FOR_EXPORT).mappings())
