"""Recording, previewing and reverting a change: each is one transaction and one commit, raising domain errors.

Writers are serialised by an advisory lock; a write names the revision it was based on and is refused
(409) when another write landed in between: concurrent edits conflict visibly, never merge silently. A write
that makes a revision ends with publish(): the commit, then the readers told (app/usecases/publish.py).
The statements are in app/store (changes.py, datasets.py, reports.py, queries.py).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import numpy as np
import shapely
from shapely import wkb as shapely_wkb
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from app.store import changes as store
from app.store import datasets, queries, reports
from app.store.changes import new_revision
from app.store.publication import reports_by_id

from app.usecases import webhooks
from app.usecases.publish import Readers, publish
from app.domain.geojson import geometry_json
from app.domain.geometry import parse_polygonal
from app.domain import cells as quadtree
from app.domain import citations
from app.domain.cells import Grid, reaching
from app.domain.times import iso
from app.domain.timeline import Change, ZoneVersion, fold
from app.domain.errors import BadInput, Conflict, NeedsConfirmation, NotFound, require_storable
from app.store.models import CONFIDENCE

OVERLAP_TOLERANCE_M2 = 5.0


def grid(session: Session) -> Grid:
    return datasets.grid(session)


def split_busy_cells(session: Session, g: Grid, area: BaseGeometry, rev: int) -> Grid:
    """Split the leaves `area` reaches that hold more than SPLIT_PIECES live pieces into four, as revision `rev`,
    where that is worth it (the changes there are smaller than the children: Grid.child_reach).

    Every piece of such a cell, at every instant, is cut into the children; in a child, consecutive pieces of a
    faction that come out the same (the change that ended one lay in another child) are merged into one, which is
    what makes the children's histories shorter. The zones stay exactly the same. One level per edit: a cell that
    stays busy is split again by a later edit there, so no single save pays for more than its cells' history."""
    leaves = g.cells_for(area)
    counts = dict(session.execute(queries.LIVE_PIECE_COUNTS, {"cells": leaves}).all()) if leaves else {}
    busy = [c for c in leaves if counts.get(c, 0) > quadtree.SPLIT_PIECES and g.decode(c)[0] < g.max_level]
    if busy:  # worth splitting only where the changes there are smaller than the children would be
        x0, y0, x1, y1 = g.envelope(busy)
        changes = session.execute(queries.ACTIVE_CHANGES_FROM_IN_BOX, {"t": "-infinity", "x0": x0, "y0": y0, "x1": x1, "y1": y1}).all()
        geoms = shapely.from_wkb([bytes(r.wkb) for r in changes])
        boxes = g.boxes(busy)
        busy = [c for c, b in zip(busy, boxes)
                if g.child_reach(c, geoms, list(np.flatnonzero(reaching(geoms, b)))) is not None]
    if not busy:
        return g
    rows = session.execute(queries.LIVE_ZONES_FROM_IN_CELLS, {"t": "-infinity", "cells": busy}).mappings().all()
    by_cell: dict[int, dict[str, list]] = {}
    for r in rows:
        by_cell.setdefault(r["cell"], {}).setdefault(r["faction"], []).append(r)
    inserts = []
    for cell, factions in by_cell.items():
        for kid in g.children(cell):
            for faction, versions in factions.items():
                run = None  # [valid_from, valid_to, geometry, normalised wkb, change ids]
                for r in sorted(versions, key=lambda r: r["valid_from"]):
                    part = g.clip(shapely_wkb.loads(bytes(r["wkb"])), kid)
                    key = shapely.normalize(part).wkb if not part.is_empty else None
                    if run is not None and key is not None and run[1] == r["valid_from"] and run[3] == key:
                        run[1] = r["valid_to"]
                        continue
                    if run is not None:
                        inserts.append(_piece_row(faction, kid, run, rev))
                    run = [r["valid_from"], r["valid_to"], part, key, list(r["change_ids"] or [])] if key is not None else None
                if run is not None:
                    inserts.append(_piece_row(faction, kid, run, rev))
    session.execute(queries.RETIRE_ZONES, {"rev": rev, "ids": [r["id"] for r in rows]})
    if inserts:
        session.execute(queries.INSERT_ZONE, inserts)
    session.execute(queries.ADD_CELL_SPLITS, {"cells": busy})
    return g.with_splits(busy)


def _piece_row(faction: str, cell: int, run: list, rev: int) -> dict:
    return {"faction": faction, "cell": cell, "valid_from": run[0], "valid_to": run[1], "rev": rev,
            "wkb": run[2].wkb, "change_ids": json.dumps(run[4])}


def recompute_from(session: Session, t: datetime | None, rev: int, area: BaseGeometry | None = None, *,
                   split: bool = True) -> dict:
    """Rebuild the live zone pieces from instant t on as revision `rev` (same transaction as the edit).

    Only the cells `area` reaches are refolded (None: every cell, e.g. on load), and in them only the changes
    from t on that reach those cells; a piece that comes out the same as before is kept as it is. Busy cells
    are split first (`split`): on a full refold where many changes reach them, else where many pieces are."""
    g = grid(session)
    params = {"t": t if t is not None else "-infinity"}
    if area is None:
        changes_rows = session.execute(queries.ACTIVE_CHANGES_FROM, params).mappings().all()
        rows = session.execute(queries.LIVE_ZONES_FROM, params).mappings().all()
        cells = None
        geoms = shapely.from_wkb([bytes(r["wkb"]) for r in changes_rows])
        if split:
            refined = g.refine(list(geoms))
            if refined.splits != g.splits:
                session.execute(queries.ADD_CELL_SPLITS, {"cells": sorted(refined.splits - g.splits)})
                g = refined
    else:
        if split:
            g = split_busy_cells(session, g, area, rev)
        cells = set(g.cells_for(area))
        if not cells:
            return {"cells": 0, "retired": 0, "inserted": 0, "later_instants": []}
        x0, y0, x1, y1 = g.envelope(cells)
        changes_rows = session.execute(queries.ACTIVE_CHANGES_FROM_IN_BOX, {**params, "x0": x0, "y0": y0, "x1": x1, "y1": y1}).mappings().all()
        rows = session.execute(queries.LIVE_ZONES_FROM_IN_CELLS, {**params, "cells": sorted(cells)}).mappings().all()
        geoms = shapely.from_wkb([bytes(r["wkb"]) for r in changes_rows])
    by_cell_changes: dict[int, list[Change]] = {}

    def add(c: int, i: int) -> None:
        part = g.clip(geoms[i], c)
        if not part.is_empty:
            r = changes_rows[i]
            by_cell_changes.setdefault(c, []).append(Change(r["id"], r["at"], r["faction"], part))
    if cells is None:  # everything: each change cut into the cells it reaches
        for i, geom in enumerate(geoms):
            for c in g.cells_for(geom):
                add(c, i)
    else:  # a few cells: each tested against the changes in their envelope at once
        for c, b in zip(sorted(cells), g.boxes(sorted(cells))):
            for i in np.flatnonzero(reaching(geoms, b)):
                add(c, i)
    by_cell_rows: dict[int, list] = {}
    for r in rows:
        by_cell_rows.setdefault(r["cell"], []).append(r)
    todo = set(by_cell_changes) | set(by_cell_rows) if cells is None else cells
    retire: list[int] = []
    inserts: list[dict] = []
    for cell in todo:
        cell_rows = by_cell_rows.get(cell, [])
        if cell < 0:  # whole polygons from before cells existed: replaced by the refold
            retire += [r["id"] for r in cell_rows]
            continue
        # The pieces valid just before t are where the fold starts (none for a full recompute).
        originals = {r["faction"]: r for r in cell_rows if t is not None and r["valid_from"] < t}
        initial = {f: ZoneVersion(f, r["valid_from"], None, shapely_wkb.loads(bytes(r["wkb"])), list(r["change_ids"] or []))
                   for f, r in originals.items()}
        versions = fold(by_cell_changes.get(cell, []), initial=initial)  # the same pure fold, on one cell
        # Untouched and still open, as it was before: the old row stays as it is.
        same = [f for f, v in initial.items() if v.valid_to is None and originals[f]["valid_to"] is None]
        kept = {id(initial[f]) for f in same}
        kept_rows = {originals[f]["id"] for f in same}
        # A later piece that comes out exactly as it was (same faction, validity and geometry: a later change took
        # the edited area again) stays as it is too: storage grows with what the edit changed, not with the history.
        later_rows = {(r["faction"], r["valid_from"], r["valid_to"]): r for r in cell_rows
                      if r["id"] not in kept_rows and (t is None or r["valid_from"] >= t)}
        for v in versions:
            if id(v) in kept:
                continue
            old = later_rows.get((v.faction, v.valid_from, v.valid_to))
            if old is not None and bytes(old["wkb"]) == v.geom.wkb:
                kept_rows.add(old["id"])
                continue
            inserts.append({"faction": v.faction, "cell": cell, "valid_from": v.valid_from, "valid_to": v.valid_to,
                            "rev": rev, "wkb": v.geom.wkb, "change_ids": json.dumps(v.change_ids)})
        retire += [r["id"] for r in cell_rows if r["id"] not in kept_rows]
    if retire:
        session.execute(queries.RETIRE_ZONES, {"rev": rev, "ids": retire})
    if inserts:
        session.execute(queries.INSERT_ZONE, inserts)
    later = sorted({i["valid_from"] for i in inserts if t is not None and i["valid_from"] > t})
    return {"cells": len(todo), "retired": len(retire), "inserted": len(inserts), "later_instants": [iso(x) for x in later]}


def refold_legacy(session: Session) -> int | None:
    """Zones written before cells existed (whole polygons, cell -1) are refolded into cells as a new revision."""
    if not store.has_legacy_zones(session):
        return None
    queries.lock_writes(session)
    rev = new_revision(session, kind="load", reason="zones stored in grid cells")
    recompute_from(session, None, rev)
    session.commit()
    return rev


def check_overlaps(session: Session, rev: int | None = None) -> list[dict]:
    """Invariant 1 where revision `rev` wrote (None: everywhere): pieces of different factions in one cell
    (pieces of different cells never overlap) valid at a common instant that overlap beyond the tolerance."""
    return [dict(r) for r in session.execute(queries.OVERLAPS, {"tolerance_m2": OVERLAP_TOLERANCE_M2, "rev": rev}).mappings()]


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
    ds = datasets.row(session)
    if ds is None:
        raise NotFound("no data set is loaded")
    return ds


# How far ahead of this server's clock an instant of a war going on may be (the editor's clock, the report's).
CLOCK_SKEW = timedelta(minutes=5)


def check_period(ds, at: datetime, *, now: datetime | None = None) -> None:
    """An ended war takes changes within its period [start, end); one going on from its start up to now
    (CLOCK_SKEW allowed), never in the future."""
    if ds["ended_at"] is None:
        now = now or datetime.now(timezone.utc)
        if at < ds["start_at"]:
            raise BadInput(f"at must not be before the war's start ({ds['start_at'].isoformat()})")
        if at > now + CLOCK_SKEW:
            raise BadInput(f"at {at.isoformat()} is in the future (the time here is {now.replace(microsecond=0).isoformat()}): "
                           "a war going on takes changes up to now")
        return
    if not (ds["start_at"] <= at < ds["ended_at"]):
        raise BadInput(f"at must lie within the data set's period [{ds['start_at'].isoformat()}, {ds['ended_at'].isoformat()})")


def validate_change(session: Session, data: ChangeInput, *, max_vertices: int):
    for field in ("note", "summary_en", "summary_ar"):  # the API's schemas check these first; other callers too
        require_storable(getattr(data, field), field)
    ds = _dataset(session)
    extent = (ds["x0"], ds["y0"], ds["x1"], ds["y1"])
    # One change may cover at most a quarter of the extent: larger is almost surely a slip of the mouse.
    max_area = (extent[2] - extent[0]) * (extent[3] - extent[1]) / 4
    geom = parse_polygonal(data.geometry, max_vertices=max_vertices, extent=extent, max_area_deg2=max_area)
    check_period(ds, data.at)
    if data.confidence not in CONFIDENCE:
        raise BadInput("confidence must be 'confirmed', 'claimed' (a faction's or one source's claim) or 'inferred' "
                       "(the editor's own inference, explained in the summary)")
    if datasets.faction_id(session, data.faction) is None:
        slugs = ", ".join(f["slug"] for f in datasets.factions(session))
        raise BadInput(f"unknown faction {data.faction[:40]!r}; use one of: {slugs}")
    # The one citation rule (app/domain/citations.py), as the loader and `frontline data check` apply it.
    distinct = list(dict.fromkeys(data.report_ids))
    why = citations.citation_problem(distinct, reports.existing_ids(session, distinct[:citations.MAX_CITATIONS + 1]))
    if why is not None:
        raise BadInput(f"report_ids: {why}")
    return geom


# Below this many km² changing hands a change changes nothing (a redrawn edge, rounding): saving it would only
# add a source, which the editor must say (confirm_adds_source).
NO_CHANGE_KM2 = 0.01
# A flip this large (km², or this share of a faction's area at the instant) is saved only when confirmed
# (confirm_large): an upload or a slip of the mouse flips a whole zone as easily as a village.
LARGE_FLIP_KM2 = 100.0
LARGE_FLIP_SHARE = 0.05


def _apply_measured(session: Session, data: ChangeInput, geom, rev: int) -> tuple[int, dict, dict]:
    """Insert the change as revision `rev` and refold, measuring the map at `data.at` on both sides.

    Every reading of "before" happens before the change is inserted: the factions' totals at the instant and
    the pieces in the cells the change reaches (busy cells split first, as the refold would, so that before and
    after are read over the same cells). Returns (change id, refold stats, effect).

    Cost: the totals read the pieces valid at the instant (one per faction and cell), the rest follows the
    area, as the refold does."""
    totals_before = {r["faction"]: r["area_km2"] for r in session.execute(queries.FACTION_TOTALS_AT, {"at": data.at}).mappings()}
    cells = split_busy_cells(session, grid(session), geom, rev).cells_for(geom)
    before = {r["faction"]: r for r in session.execute(queries.FACTION_PIECES_AT_IN, {"at": data.at, "cells": cells}).mappings()}
    cid = insert_change(session, data, geom, rev)
    stats = recompute_from(session, data.at, rev, area=geom, split=False)
    after = {r["faction"]: r for r in session.execute(queries.FACTION_PIECES_AT_IN, {"at": data.at, "cells": cells}).mappings()}
    rows = []
    for f in sorted(set(before) | set(after) | set(totals_before)):
        b, a = before.get(f), after.get(f)
        local_before = b["area_km2"] if b else 0.0
        local_after = a["area_km2"] if a else 0.0
        area_before = totals_before.get(f, 0.0)
        rows.append({"faction": f, "area_before": area_before, "area_after": max(area_before - local_before + local_after, 0.0),
                     "before": b, "after": a})
    changed = sum(max(r["area_after"] - r["area_before"], 0.0) for r in rows)
    large = [r["faction"] for r in rows if abs(r["area_after"] - r["area_before"]) > LARGE_FLIP_KM2
             or (r["area_before"] > 0 and abs(r["area_after"] - r["area_before"]) > LARGE_FLIP_SHARE * r["area_before"])]
    no_change = changed < NO_CHANGE_KM2
    # What already says so is looked up only for a change that changes nothing: the lookup reads the area's
    # earlier changes, which an ordinary save need not pay for.
    effect = {"rows": rows, "changed_km2": changed, "no_change": no_change, "large_flip": large,
              "prior": _prior_holders(session, data, geom, exclude=cid) if no_change else []}
    return cid, stats, effect


def _prior_holders(session: Session, data: ChangeInput, geom, *, exclude: int) -> list[dict]:
    """The changes that already give the area to `data.faction` at `data.at`: the newest ones of that faction
    reaching it, back to the first of another faction (as /api/point tells "since when"), with their reports.
    `exclude`: the change being measured itself."""
    chain = []
    for c in store.changes_over_area(session, data.at, geom.wkb, exclude):
        if c["faction"] != data.faction:
            break
        chain.append(c)
    found = reports_by_id(session, sorted({rid for c in chain for rid in c["report_ids"]}))
    return [{"id": c["id"], "at": iso(c["at"]), "faction": c["faction"], "summary_en": c["summary_en"],
             "summary_ar": c["summary_ar"],
             "reports": [{"id": rid, "title": found[rid]["title"], "publisher": found[rid]["publisher"],
                          "published_at": iso(found[rid]["published_at"]), "url": found[rid]["url"]}
                         for rid in c["report_ids"] if rid in found]}
            for c in reversed(chain[:5])]


def _require_confirmed(effect: dict, data: ChangeInput, *, confirm_adds_source: bool, confirm_large: bool) -> None:
    """A change that changes nothing, or flips a large area, is saved only when the editor said so."""
    if effect["no_change"] and not confirm_adds_source:
        prior = effect["prior"]
        said = ("; ".join(f"change {c['id']} at {c['at']}" + (f" ({c['summary_en']})" if c["summary_en"] else "")
                          for c in prior) if prior else "the initial state")
        raise NeedsConfirmation(
            f"this change changes nothing: at {data.at.isoformat()} the area is already {data.faction}'s "
            f"(already said by {said}). Save it only to add a source: send confirm_adds_source=true "
            "(in the editor, confirm that it adds a source)",
            confirm="adds_source", existing=prior)
    if effect["large_flip"] and not effect["no_change"] and not confirm_large:
        flips = [{"faction": r["faction"], "area_before_km2": round(r["area_before"], 3),
                  "area_after_km2": round(r["area_after"], 3)}
                 for r in effect["rows"] if r["faction"] in effect["large_flip"]]
        what = ", ".join(f"{x['faction']} {x['area_before_km2']:.1f} -> {x['area_after_km2']:.1f} km2" for x in flips)
        raise NeedsConfirmation(
            f"this is a large flip ({what}; more than {LARGE_FLIP_KM2:.0f} km2 or {LARGE_FLIP_SHARE:.0%} of a faction's "
            "area): check the preview, then send confirm_large=true (in the editor, confirm the large change)",
            confirm="large", flips=flips)


def preview_change(session: Session, data: ChangeInput, *, max_vertices: int) -> dict:
    """What the map becomes at `at`: the factions' km2 there before and after, gained/lost areas, whether it
    changes nothing (and what already says so), whether it is a large flip. Computed in a savepoint that is
    rolled back."""
    geom = validate_change(session, data, max_vertices=max_vertices)
    nested = session.begin_nested()
    try:
        # The writers' lock keeps the revision number this preview borrows from being taken meanwhile; the
        # savepoint is rolled back, so a preview consumes no revision number and stores nothing.
        queries.lock_writes(session)
        rev = new_revision(session, kind="change", reason="preview", explicit_id=queries.current_revision(session) + 1)
        cid, stats, effect = _apply_measured(session, data, geom, rev)
        later = [dict(r) for r in session.execute(queries.LATER_CHANGES_OVER, {"at": data.at, "id": cid, "wkb": geom.wkb}).mappings()]
        out = []
        for r in effect["rows"]:
            b, a = r["before"], r["after"]
            ga = shapely_wkb.loads(bytes(a["wkb"])) if a and a["wkb"] else None
            gb = shapely_wkb.loads(bytes(b["wkb"])) if b and b["wkb"] else None
            gained = ga if gb is None else (shapely.difference(ga, gb) if ga is not None else None)
            lost = gb if ga is None else (shapely.difference(gb, ga) if gb is not None else None)
            row = {"faction": r["faction"], "area_before_km2": round(r["area_before"], 3),
                   "area_after_km2": round(r["area_after"], 3), "delta_km2": round(r["area_after"] - r["area_before"], 3)}
            row["gained"] = geometry_json(gained) if gained is not None and not gained.is_empty and not effect["no_change"] else None
            row["lost"] = geometry_json(lost) if lost is not None and not lost.is_empty and not effect["no_change"] else None
            out.append(row)
        return {"at": data.at.isoformat(), "factions": out,
                "changed_km2": round(effect["changed_km2"], 3),
                # Nothing changes hands: the area is already the faction's; `existing` says since when and on which
                # reports. Saving it then needs confirm_adds_source; a large flip needs confirm_large.
                "no_change": effect["no_change"], "existing": effect["prior"] if effect["no_change"] else [],
                "large_flip": [] if effect["no_change"] else effect["large_flip"],
                # A change that changes nothing alters no later instant either: the map is the same from `at` on.
                "later_instants": [] if effect["no_change"] else sorted(set(stats["later_instants"]) | {iso(r["at"]) for r in later}),
                "overridden_by": [] if effect["no_change"] else
                [{"id": r["id"], "at": iso(r["at"]), "faction": r["faction"], "km2": round(r["km2"], 3),
                  "summary_en": r["summary_en"]} for r in later]}
    finally:
        nested.rollback()


def insert_change(session: Session, data: ChangeInput, geom, rev: int) -> int:
    """Store one change of revision `rev` and its citations (no refold: the caller recomputes the zones)."""
    cid = session.execute(queries.INSERT_CHANGE, {
        "id": None, "key": None, "at": data.at, "faction": data.faction, "confidence": data.confidence, "wkb": geom.wkb,
        "summary_en": data.summary_en, "summary_ar": data.summary_ar, "note": data.note, "rev": rev}).scalar_one()
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


def record_change(session: Session, data: ChangeInput, *, base_revision: int, author_id: int | None, max_vertices: int,
                  readers: Readers | None, confirm_adds_source: bool = True, confirm_large: bool = True) -> dict:
    """Record an editor's change as a new revision, publish it and tell `readers`.

    A change that changes nothing, or a large flip, is refused (NeedsConfirmation, nothing stored) unless
    confirmed; the editor's route asks (its flags default to False), scripts and imports that call this
    directly decide for themselves."""
    geom = validate_change(session, data, max_vertices=max_vertices)
    _check_base(session, base_revision)
    rev = new_revision(session, kind="change", reason=data.note[:500], author_id=author_id, details={})
    cid, stats, effect = _apply_measured(session, data, geom, rev)
    _require_confirmed(effect, data, confirm_adds_source=confirm_adds_source, confirm_large=confirm_large)
    store.set_revision_details(session, rev, {"changes": [cid], "from": data.at.isoformat(), **stats})
    overlaps = check_overlaps(session, rev)
    if overlaps:  # cannot happen by construction; refuse rather than publish a broken map
        raise BadInput(f"the change would make zones overlap: {overlaps[:3]}")
    webhooks.enqueue_for_revision(session, rev)  # same transaction: queued exactly when published
    publish(session, rev, readers)
    return {"revision": rev, "change_id": cid}


def revert_revision(session: Session, target: int, *, base_revision: int, author_id: int | None, reason: str = "",
                    readers: Readers | None) -> dict:
    """Revert revision `target` (itself a new revision), publish it and tell `readers`."""
    require_storable(reason, "reason")
    _check_base(session, base_revision)
    r = store.revision(session, target)
    if r is None:
        raise NotFound(f"revision {target} does not exist")
    if r["kind"] == "load":
        raise BadInput(f"revision {target} is the initial load of the data set; it cannot be reverted")
    if r["kind"] in ("change", "import"):
        ids = store.active_created_in(session, target)
        if not ids:
            raise Conflict(f"revision {target} is already reverted")
        rev = new_revision(session, kind="revert", reason=reason or f"revert revision {target}", author_id=author_id,
                           reverts_id=target, details={"retracted": ids})
        store.retract(session, ids, rev)
    else:
        ids = store.retracted_in(session, target)
        if not ids:
            raise Conflict(f"revision {target} has nothing left to undo")
        rev = new_revision(session, kind="revert", reason=reason or f"revert revision {target}", author_id=author_id,
                           reverts_id=target, details={"restored": ids})
        store.restore(session, ids)
    t = store.earliest_at(session, ids)
    area = shapely.union_all([shapely_wkb.loads(w) for w in store.geometries_wkb(session, ids)])
    recompute_from(session, t, rev, area=area)
    overlaps = check_overlaps(session, rev)
    if overlaps:
        raise BadInput(f"the revert would make zones overlap: {overlaps[:3]}")
    webhooks.enqueue_for_revision(session, rev)  # same transaction: queued exactly when published
    publish(session, rev, readers)
    return {"revision": rev, "changes": ids}
