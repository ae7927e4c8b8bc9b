"""A new revision's timeline windows are built in the background (the latest first), byte for byte what a reader
would build, and built again for the next revision."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from app.usecases import changes as services
from app.read.model import ReadModel
from tests.conftest import _prepare


@pytest.fixture(scope="module")
def war_url(base_settings, tmp_path_factory):
    from bench.genwar import generate

    folder = tmp_path_factory.mktemp("war") / "war40"
    generate(folder, days=40, per_day=10, front_vertices=300, change_vertices=12, seed=3)
    return _prepare(base_settings, "war40", folder)


def _wait(rm: ReadModel, rev: int, seconds: float = 120) -> None:
    n = len(rm.publication(rev).windows)  # a reader (or the writer) builds the publication; the builder follows
    end = time.monotonic() + seconds
    while not all(("window", rev, i) in rm.cache for i in range(n)) and time.monotonic() < end:
        time.sleep(0.05)


def test_windows_are_built_in_the_background_for_each_new_revision(war_url):
    engine = create_engine(war_url)
    Sess = sessionmaker(engine)
    rm = ReadModel(Sess, prebuild_windows=True)
    try:
        rm.refresh()
        rev = rm.revision
        _wait(rm, rev)
        n = len(rm.publication(rev).windows)
        assert n >= 2
        assert all(("window", rev, i) in rm.cache for i in range(n))
        fresh = ReadModel(Sess)  # a reader building them itself gets the same bytes
        assert all(fresh.window(rev, i).body == rm.cache.get(("window", rev, i)).body for i in range(n))

        with Session(engine) as s:
            start, faction, report = s.execute(text(
                "SELECT d.start_at, (SELECT slug FROM factions ORDER BY sort_order LIMIT 1), (SELECT min(id) FROM reports) FROM dataset d")).one()
            x0, y0 = s.execute(text("SELECT ST_X(ST_Centroid(geom)), ST_Y(ST_Centroid(geom)) FROM control_changes ORDER BY id LIMIT 1")).one()
            d = 0.01
            data = services.ChangeInput(faction=faction, at=start + timedelta(days=20, hours=5), confidence="claimed", report_ids=[report],
                                        summary_en="prebuild test", geometry={"type": "Polygon", "coordinates": [[
                                            [x0 - d, y0 - d], [x0 + d, y0 - d], [x0 + d, y0 + d], [x0 - d, y0 + d], [x0 - d, y0 - d]]]})
            # The use case tells the read model itself, after its commit (as a route's call does).
            new = services.record_change(s, data, base_revision=rev, author_id=None, max_vertices=1000, readers=rm)["revision"]
        _wait(rm, new)
        m = len(rm.publication(new).windows)
        assert all(("window", new, i) in rm.cache for i in range(m))
        assert fresh.window(new, m - 1).body == rm.cache.get(("window", new, m - 1)).body
    finally:
        rm.stop()
        engine.dispose()
