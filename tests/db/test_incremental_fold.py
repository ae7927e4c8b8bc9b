"""The incremental fold (cells, only what an edit reaches) gives the same map as a full refold from scratch.

Randomised histories on the mini data set: changes at random instants and places (in the middle of the period
as well as at its ends), reverts of earlier edits and reverts of reverts. After every step, at every change
instant, the stored zones (pieces dissolved per faction) equal the whole-polygon fold of every active change
from scratch, within the storage grid's tolerance; and the invariants of DESIGN.md hold.
"""
import json
from datetime import timedelta

import pytest

import shapely
from hypothesis import HealthCheck, example, given, settings, strategies as st
from shapely import wkb as shapely_wkb
from shapely.geometry import MultiPoint
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from app.usecases import changes as services
from app.domain import cells as quadtree
from app.domain.dissolve import union_pieces
from app.domain.timeline import Change, fold, state_at

FACTIONS = ["red", "blue", "green", "contested"]
# Symmetric difference allowed per faction and instant: every edge may sit up to one storage grid step (1e-7
# degrees, about 1 cm) away where the two folds rounded it differently, so the tolerance scales with the
# perimeter (a few square metres here); a wrong fold differs by whole changes (thousands of times more).
def _tolerance(a, b):
    from app.domain.geometry import GRID
    return (a.length + b.length) * GRID

shape = st.tuples(st.floats(36.05, 37.95), st.floats(35.05, 36.95), st.floats(0.02, 0.45),
                  st.lists(st.tuples(st.floats(-1, 1), st.floats(-1, 1)), min_size=3, max_size=7))
op = st.one_of(
    st.tuples(st.just("change"), st.sampled_from(FACTIONS), shape, st.integers(0, 4 * 24 * 60 - 1)),
    st.tuples(st.just("revert"), st.integers(0, 20)),
    st.tuples(st.just("refold")),  # a full refold from scratch, as a load does (and splits busy cells as a load does)
)


def _polygon(cx, cy, r, pts):
    hull = MultiPoint([(cx + r * dx, cy + r * dy) for dx, dy in pts] + [(cx + r, cy), (cx, cy + r), (cx - r, cy)]).convex_hull
    hull = shapely.clip_by_rect(hull, 36.0, 35.0, 38.0, 37.0)
    return json.loads(shapely.to_geojson(hull))


def _check(session):
    rev = session.execute(text("SELECT max(id) FROM revisions")).scalar_one()
    changes = [Change(r.id, r.at, r.slug, shapely_wkb.loads(bytes(r.wkb))) for r in session.execute(text(
        """SELECT c.id, c.at, f.slug, ST_AsBinary(c.geom) wkb FROM control_changes c JOIN factions f ON f.id = c.faction_id
           WHERE c.retracted_in IS NULL"""))]
    full = fold(changes)
    instants = sorted({c.at for c in changes})
    for t in instants:
        pieces = session.execute(text("""SELECT f.slug, z.cell, ST_AsBinary(z.geom) wkb FROM control_zones z JOIN factions f ON f.id = z.faction_id
                                         WHERE z.valid @> CAST(:t AS timestamptz) AND z.revs @> CAST(:rev AS integer)"""),
                                 {"t": t, "rev": rev}).all()
        cells = [(p.slug, p.cell) for p in pieces]
        assert len(cells) == len(set(cells)), f"two pieces of one faction in one cell at {t}"  # invariant 2
        stored = {}
        for p in pieces:
            stored.setdefault(p.slug, []).append(shapely_wkb.loads(bytes(p.wkb)))
        expected = {f: v.geom for f, v in state_at(full, t).items() if not v.geom.is_empty}
        for f in set(stored) | set(expected):
            got = union_pieces(stored.get(f, []))
            want = expected.get(f, shapely.Polygon())
            diff = shapely.symmetric_difference(got, want).area
            assert diff <= _tolerance(got, want), (t, f, diff, got.area, want.area)
            assert got.is_valid  # invariant 3 (the extent and SRID are checked by the database)
    assert services.check_overlaps(session) == []  # invariant 1, everywhere


@pytest.fixture(params=["default", "busy"])
def split_limits(request, monkeypatch):
    """`busy`: cells split after a handful of pieces, so that every history splits cells on saves and refolds."""
    if request.param == "busy":
        monkeypatch.setattr(quadtree, "SPLIT_PIECES", 3)
        monkeypatch.setattr(quadtree, "SPLIT_CHANGES", 1)
    return request.param


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=st.lists(op, min_size=1, max_size=5))
# A refold between reverts of one change: once failed (the refold's revision was not committed).
@example(ops=[("change", "red", (37.0, 36.0, 0.25, [(0.0, 0.0)] * 3), 0), ("revert", 0), ("refold",), ("revert", 0), ("revert", 2)])
def test_incremental_fold_equals_a_full_refold(mini_url, split_limits, ops):
    engine = create_engine(mini_url)
    conn = engine.connect()
    trans = conn.begin()
    session = Session(bind=conn, join_transaction_mode="create_savepoint")
    try:
        start = session.execute(text("SELECT start_at FROM dataset")).scalar_one()
        report = session.execute(text("SELECT min(id) FROM reports")).scalar_one()
        made: list[int] = []
        for o in ops:
            base = session.execute(text("SELECT max(id) FROM revisions")).scalar_one()
            if o[0] == "change":
                _, faction, (cx, cy, r, pts), minutes = o
                data = services.ChangeInput(faction=faction, at=start + timedelta(minutes=minutes), geometry=_polygon(cx, cy, r, pts),
                                            confidence="claimed", report_ids=[report], summary_en="property test")
                # Every generated change is valid: a refusal is a failure too.
                made.append(services.record_change(session, data, base_revision=base, author_id=None, max_vertices=1000, readers=None)["revision"])
            elif o[0] == "refold":
                made.append(services.new_revision(session, kind="load", reason="property test: full refold"))
                services.recompute_from(session, None, made[-1])
                session.commit()  # as the loader does: a later refused revert rolls back only its own work
            elif made:
                target = made[o[1] % len(made)]
                if session.execute(text("SELECT kind FROM revisions WHERE id = :id"), {"id": target}).scalar_one() == "load":
                    continue  # a load is not reverted
                try:
                    made.append(services.revert_revision(session, target, base_revision=base, author_id=None, readers=None)["revision"])
                except services.Conflict:  # already reverted (or nothing left to undo): refused, nothing stored
                    session.rollback()
                    continue
            _check(session)
    finally:
        session.close()
        trans.rollback()
        conn.close()
        engine.dispose()


def test_a_publication_derived_from_the_previous_one_equals_one_built_from_scratch(mini_db):
    """The publication of an edit is the previous one plus what the edit wrote; it must be the same as a full build."""
    from app.read.publication import Publication
    from app.store.publication import dataset_meta

    meta = dataset_meta(mini_db)
    start = mini_db.execute(text("SELECT start_at FROM dataset")).scalar_one()
    report = mini_db.execute(text("SELECT min(id) FROM reports")).scalar_one()

    def same(a, b):
        assert a.instants == b.instants and a.areas == b.areas and a.faction_steps == b.faction_steps
        assert a.changes == b.changes and a.windows == b.windows

    base = mini_db.execute(text("SELECT max(id) FROM revisions")).scalar_one()
    prev = Publication.build(mini_db, base, meta)
    data = services.ChangeInput(faction="green", at=start + timedelta(hours=30), geometry=_polygon(36.9, 36.0, 0.2, [(0.5, 0.4)]),
                                confidence="inferred", report_ids=[report], summary_en="derived publication test")
    saved = services.record_change(mini_db, data, base_revision=base, author_id=None, max_vertices=1000, readers=None)["revision"]
    derived = Publication.derive(prev, mini_db, saved, meta)
    same(derived, Publication.build(mini_db, saved, meta))
    assert len(derived.changes) == len(prev.changes) + 1 and derived.instants != prev.instants
    reverted = services.revert_revision(mini_db, saved, base_revision=saved, author_id=None, readers=None)["revision"]
    again = Publication.derive(derived, mini_db, reverted, meta)
    same(again, Publication.build(mini_db, reverted, meta))
    same(again, prev)  # the revert brings back exactly the publication before the edit


def test_busy_cells_split_and_the_map_stays_the_same(mini_db, monkeypatch):
    """Saves piling up in one place split the cells there, a full refold splits where many changes reach, and at
    every step the map equals the whole-polygon fold and the derived publication a built one; previews do not keep
    their splits."""
    monkeypatch.setattr(quadtree, "SPLIT_PIECES", 3)
    monkeypatch.setattr(quadtree, "SPLIT_CHANGES", 2)
    start = mini_db.execute(text("SELECT start_at FROM dataset")).scalar_one()
    report = mini_db.execute(text("SELECT min(id) FROM reports")).scalar_one()

    from app.read.publication import Publication
    from app.store.publication import dataset_meta
    meta = dataset_meta(mini_db)

    def splits():
        return set(mini_db.execute(text("SELECT cell_splits FROM dataset")).scalar_one())

    assert splits() == set()
    for i in range(10):  # small changes (a few hundred metres) scattered over one 0.05-degree cell
        base = mini_db.execute(text("SELECT max(id) FROM revisions")).scalar_one()
        data = services.ChangeInput(faction=FACTIONS[i % 3], at=start + timedelta(hours=5 + 5 * i),
                                    geometry=_polygon(36.905 + 0.01 * (i % 4), 36.01 + 0.012 * (i // 4), 0.003, [(0.5, 0.4), (-0.3, -0.8)]),
                                    confidence="claimed", report_ids=[report], summary_en="split test")
        if i == 3:
            before = splits()
            services.preview_change(mini_db, data, max_vertices=1000)
            assert splits() == before  # rolled back with the preview
        prev = Publication.build(mini_db, base, meta)
        rev = services.record_change(mini_db, data, base_revision=base, author_id=None, max_vertices=1000, readers=None)["revision"]
        _check(mini_db)
        derived, built = Publication.derive(prev, mini_db, rev, meta), Publication.build(mini_db, rev, meta)
        assert (derived.instants, derived.areas, derived.faction_steps) == (built.instants, built.areas, built.faction_steps)
    saved = splits()
    assert saved  # the busy cell was split (the children's further splits are unit-tested on the grid)
    rev = services.new_revision(mini_db, kind="load", reason="test: full refold")
    services.recompute_from(mini_db, None, rev)
    assert splits() >= saved
    _check(mini_db)
