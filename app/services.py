"""Use cases: each is one transaction and one commit, raising domain errors.

Writers are serialised by an advisory lock; a write names the revision it was based on and is refused
(409) when another write landed in between: concurrent edits conflict visibly, never merge silently.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import shapely
from shapely import wkb as shapely_wkb
from sqlalchemy import text
from sqlalchemy.orm import Session

from app import queries, webhooks
from app.domain.geojson import geometry_json
from app.domain.geometry import parse_polygonal
from app.domain.timeline import Change, ZoneVersion, fold
from app.errors import BadInput, Conflict, NotFound

OVERLAP_TOLERANCE_M2 = 5.0


def new_revision(session: Session, *, kind: str, reason: str = "", author_id: int | None = None,
                 reverts_id: int | None = None, details: dict | None = None) -> int:
    return session.execute(text("""
        INSERT INTO revisions (kind, reason, author_id, reverts_id, details)
        VALUES (:kind, :reason, :author, :reverts, CAST(:details AS jsonb)) RETURNING id
    """), {"kind": kind, "reason": reason, "author": author_id, "reverts": reverts_id,
           "details": json.dumps(details or {})}).scalar_one()


def _fold_from(session: Session, t: datetime | None):
    """Zone versions from instant t on (None: from the beginning), plus the live rows they replace."""
    # '-infinity' makes the "from t on" queries cover the whole history (a full recompute, e.g. on load).
    params = {"t": t if t is not None else "-infinity"}
    rows = session.execute(queries.LIVE_ZONES_FROM, params).mappings().all()
    changes_rows = session.execute(queries.ACTIVE_CHANGES_FROM, params).mappings().all()
    # The versions valid just before t are where the fold starts (none for a full recompute).
    originals = {r["faction"]: r for r in rows if t is not None and r["valid_from"] < t}
    initial = {f: ZoneVersion(f, r["valid_from"], None, shapely_wkb.loads(bytes(r["wkb"])), list(r["change_ids"] or []))
               for f, r in originals.items()}
    changes = [Change(r["id"], r["at"], r["faction"], shapely_wkb.loads(bytes(r["wkb"]))) for r in changes_rows]
    versions = fold(changes, initial=initial)
    return rows, versions, initial, originals


def recompute_from(session: Session, t: datetime | None, rev: int) -> dict:
    """Rebuild the live zones from instant t on as revision `rev` (same transaction as the edit)."""
    rows, versions, initial, originals = _fold_from(session, t)
    keep: set[int] = set()
    for f, v in initial.items():
        orig = originals[f]
        # Untouched, still open and it was open before: the old row stays as it is.
        if v.valid_to is None and orig["valid_to"] is None and any(x is v for x in versions):
            keep.add(orig["id"])
    retire = [r["id"] for r in rows if r["id"] not in keep]
    if retire:
        session.execute(queries.RETIRE_ZONES, {"rev": rev, "ids": retire})
    kept_versions = {id(initial[f]) for f in initial if originals[f]["id"] in keep}
    inserted = 0
    for v in versions:
        if id(v) in kept_versions:
            continue
        session.execute(queries.INSERT_ZONE, {"faction": v.faction, "valid_from": v.valid_from, "valid_to": v.valid_to,
                                              "rev": rev, "wkb": v.geom.wkb, "change_ids": json.dumps(v.change_ids)})
        inserted += 1
    return {"retired": len(retire), "inserted": inserted}


def check_overlaps(session: Session) -> list[dict]:
    return [dict(r) for r in session.execute(queries.OVERLAPS, {"tolerance_m2": OVERLAP_TOLERANCE_M2}).mappings()]


@dataclass
class ChangeInput:
    faction: str
    at: datetime
    geometry: dict
    confidence: str
    report_ids: list[int]
    note: str = ""
    summary_en: str = ""
    summary_ar: str = ""


def _dataset(session: Session):
    ds = session.execute(text("""SELECT id, start_at, end_at, ST_XMin(extent) x0, ST_YMin(extent) y0,
                                 ST_XMax(extent) x1, ST_YMax(extent) y1 FROM dataset LIMIT 1""")).mappings().one_or_none()
    if ds is None:
        raise NotFound("no data set is loaded")
    return ds


def validate_change(session: Session, data: ChangeInput, *, max_vertices: int):
    ds = _dataset(session)
    extent = (ds["x0"], ds["y0"], ds["x1"], ds["y1"])
    # One change may cover at most a quarter of the extent: larger is almost surely a slip of the mouse.
    max_area = (extent[2] - extent[0]) * (extent[3] - extent[1]) / 4
    geom = parse_polygonal(data.geometry, max_vertices=max_vertices, extent=extent, max_area_deg2=max_area)
    if not (ds["start_at"] <= data.at < ds["end_at"]):
        raise BadInput(f"at must lie within the data set's period [{ds['start_at'].isoformat()}, {ds['end_at'].isoformat()})")
    if data.confidence not in ("confirmed", "claimed"):
        raise BadInput("confidence must be 'confirmed' or 'claimed'")
    fid = session.execute(text("SELECT id FROM factions WHERE slug = :s"), {"s": data.faction}).scalar_one_or_none()
    if fid is None:
        slugs = session.execute(text("SELECT string_agg(slug, ', ' ORDER BY sort_order) FROM factions")).scalar_one()
        raise BadInput(f"unknown faction {data.faction[:40]!r}; use one of: {slugs}")
    if not data.report_ids:
        raise BadInput("cite at least one report (report_ids)")
    found = set(session.execute(text("SELECT id FROM reports WHERE id = ANY(:ids)"), {"ids": list(data.report_ids)}).scalars())
    missing = [i for i in data.report_ids if i not in found]
    if missing:
        raise BadInput(f"unknown report id(s): {missing[:10]}")
    return geom


def preview_change(session: Session, data: ChangeInput, *, max_vertices: int) -> dict:
    """What the map becomes at `at`: gained/lost km2 per faction. Computed in a savepoint that is rolled back."""
    geom = validate_change(session, data, max_vertices=max_vertices)
    nested = session.begin_nested()
    try:
        before = {r["faction"]: r for r in session.execute(text("""
            SELECT f.slug AS faction, z.area_km2, ST_AsBinary(z.geom) AS wkb FROM control_zones z JOIN factions f ON f.id = z.faction_id
            WHERE upper_inf(z.revs) AND z.valid @> CAST(:at AS timestamptz)"""), {"at": data.at}).mappings()}
        # A throw-away revision inside the savepoint: rolled back with it (its NOTIFY is discarded too).
        rev = new_revision(session, kind="change", reason="preview")
        _insert_change(session, data, geom, rev)
        recompute_from(session, data.at, rev)
        after = {r["faction"]: r for r in session.execute(text("""
            SELECT f.slug AS faction, z.area_km2, ST_AsBinary(z.geom) AS wkb FROM control_zones z JOIN factions f ON f.id = z.faction_id
            WHERE upper_inf(z.revs) AND z.valid @> CAST(:at AS timestamptz)"""), {"at": data.at}).mappings()}
        out = []
        for f in sorted(set(before) | set(after)):
            b, a = before.get(f), after.get(f)
            ga = shapely_wkb.loads(bytes(a["wkb"])) if a else None
            gb = shapely_wkb.loads(bytes(b["wkb"])) if b else None
            gained = ga if gb is None else (shapely.difference(ga, gb) if ga is not None else None)
            lost = gb if ga is None else (shapely.difference(gb, ga) if gb is not None else None)
            area_before = b["area_km2"] if b else 0.0
            area_after = a["area_km2"] if a else 0.0
            row = {"faction": f, "area_before_km2": round(area_before, 3), "area_after_km2": round(area_after, 3),
                   "delta_km2": round(area_after - area_before, 3)}
            row["gained"] = geometry_json(gained) if gained is not None and not gained.is_empty else None
            row["lost"] = geometry_json(lost) if lost is not None and not lost.is_empty else None
            out.append(row)
        return {"at": data.at.isoformat(), "factions": out}
    finally:
        nested.rollback()


def _insert_change(session: Session, data: ChangeInput, geom, rev: int) -> int:
    cid = session.execute(queries.INSERT_CHANGE, {
        "key": None, "at": data.at, "faction": data.faction, "confidence": data.confidence, "wkb": geom.wkb,
        "summary_en": data.summary_en or data.note[:300], "summary_ar": data.summary_ar, "note": data.note, "rev": rev}).scalar_one()
    for rid in dict.fromkeys(data.report_ids):
        session.execute(queries.CITE, {"change_id": cid, "report_id": rid})
    return cid


def _check_base(session: Session, base_revision: int) -> int:
    queries.lock_writes(session)
    current = queries.current_revision(session)
    if base_revision != current:
        raise Conflict(f"the map changed since you loaded it (you edited revision {base_revision}, the current one is "
                       f"{current}); reload, check the newer edits and apply your change again",
                       base_revision=base_revision, current_revision=current)
    return current


def record_change(session: Session, data: ChangeInput, *, base_revision: int, author_id: int, max_vertices: int) -> dict:
    geom = validate_change(session, data, max_vertices=max_vertices)
    _check_base(session, base_revision)
    rev = new_revision(session, kind="change", reason=data.note[:500], author_id=author_id, details={})
    cid = _insert_change(session, data, geom, rev)
    stats = recompute_from(session, data.at, rev)
    session.execute(text("UPDATE revisions SET details = CAST(:d AS jsonb) WHERE id = :id"),
                    {"d": json.dumps({"changes": [cid], "from": data.at.isoformat(), **stats}), "id": rev})
    overlaps = check_overlaps(session)
    if overlaps:  # cannot happen by construction; refuse rather than publish a broken map
        raise BadInput(f"the change would make zones overlap: {overlaps[:3]}")
    webhooks.enqueue_for_revision(session, rev)  # same transaction: queued exactly when published
    session.commit()
    return {"revision": rev, "change_id": cid}


def revert_revision(session: Session, target: int, *, base_revision: int, author_id: int, reason: str = "") -> dict:
    _check_base(session, base_revision)
    r = session.execute(text("SELECT id, kind, details FROM revisions WHERE id = :id"), {"id": target}).mappings().one_or_none()
    if r is None:
        raise NotFound(f"revision {target} does not exist")
    if r["kind"] in ("load", "import"):
        raise BadInput(f"revision {target} is the initial load of the data set; it cannot be reverted")
    if r["kind"] == "change":
        ids = list(session.execute(text("SELECT id FROM control_changes WHERE created_in = :r AND retracted_in IS NULL"), {"r": target}).scalars())
        if not ids:
            raise Conflict(f"revision {target} is already reverted")
        rev = new_revision(session, kind="revert", reason=reason or f"revert revision {target}", author_id=author_id,
                           reverts_id=target, details={"retracted": ids})
        session.execute(text("UPDATE control_changes SET retracted_in = :rev WHERE id = ANY(:ids)"), {"rev": rev, "ids": ids})
    else:
        ids = list(session.execute(text("SELECT id FROM control_changes WHERE retracted_in = :r"), {"r": target}).scalars())
        if not ids:
            raise Conflict(f"revision {target} has nothing left to undo")
        rev = new_revision(session, kind="revert", reason=reason or f"revert revision {target}", author_id=author_id,
                           reverts_id=target, details={"restored": ids})
        session.execute(text("UPDATE control_changes SET retracted_in = NULL WHERE id = ANY(:ids)"), {"ids": ids})
    t = session.execute(text("SELECT min(at) FROM control_changes WHERE id = ANY(:ids)"), {"ids": ids}).scalar_one()
    recompute_from(session, t, rev)
    webhooks.enqueue_for_revision(session, rev)  # same transaction: queued exactly when published
    session.commit()
    return {"revision": rev, "changes": ids}
