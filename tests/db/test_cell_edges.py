"""Half-open cells (issue 29, item 11): a point on an edge two grid cells share belongs to exactly one of them,
and `/api/point` there answers the same on every copy of the data.

Zones are stored as pieces, one per cell; a point on a shared cell edge touches the pieces on both sides, and
which one answered used to depend on the rows' order on disk. The copy here is the seed data set loaded into a
second database whose zone rows are then written back in the reverse order (as a restore, a VACUUM FULL or a
different history of edits may leave them). Real PostGIS, real HTTP to two live servers.
"""
from __future__ import annotations

import os

import psycopg
import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app import cli
from app.domain.cells import Grid
from app.usecases import load as loader
from tests.conftest import LiveServer

# The seed's grid: extent 35.6..39.3 x 34.9..36.9, cells of 0.1 degree. 36.3 and 37.0 are cell edges.
EDGE_LAT, EDGE_LON = 36.3, 37.0


def test_a_point_on_a_shared_edge_is_in_the_cell_above_or_right_of_it():
    g = Grid.over((35.6, 34.9, 39.3, 36.9), 0.1)
    nx = g.nx
    on_h = g.cells_at(36.68, EDGE_LAT)[0]
    assert divmod(on_h, nx) == (14, 10)                     # row 14 starts at 36.3 (34.9 + 14 x 0.1)
    assert g.cells_at(36.68, EDGE_LAT - 1e-7)[0] == on_h - nx  # just below: the row under it
    on_v = g.cells_at(EDGE_LON, 36.25)[0]
    assert divmod(on_v, nx) == (13, 14)                     # column 14 starts at 37.0
    assert g.cells_at(EDGE_LON - 1e-7, 36.25)[0] == on_v - 1
    corner = g.cells_at(EDGE_LON, EDGE_LAT)
    assert divmod(corner[0], nx) == (14, 14)
    # Every level: the cell at level l + 1 is a child of the one at level l.
    for a, b in zip(corner, corner[1:]):
        assert b in g.children(a)
    # Clamped at the extent: the outermost cells hold points on (or past) its far edges.
    assert g.cells_at(39.3, 36.9)[0] == nx * g.ny - 1 and g.cells_at(35.0, 30.0)[0] == 0


@pytest.fixture(scope="module")
def copy_server(base_settings, live_seed):
    """A second live server on a second database loaded from the same data, its zone rows stored reversed."""
    url = make_url(base_settings.database_url)
    name = f"{os.environ.get('FRONTLINE_TEST_DB', 'frontline_test')}_seed_copy"
    admin = dict(host=url.host, port=url.port, user=url.username, password=url.password, dbname="postgres", autocommit=True)
    with psycopg.connect(**admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    copy_url = url.set(database=name).render_as_string(hide_password=False)
    s = base_settings.model_copy(update={"database_url": copy_url})
    cli.migrate(s)
    engine = create_engine(copy_url)
    with Session(engine) as ses:
        loader.load(ses, base_settings.dataset_dir)
        ses.commit()
    engine.dispose()
    with psycopg.connect(copy_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute("CREATE TEMP TABLE z AS SELECT * FROM control_zones ORDER BY id DESC")
        conn.execute("DELETE FROM control_zones")
        conn.execute("INSERT INTO control_zones SELECT * FROM z ORDER BY id DESC")
        conn.commit()
    with psycopg.connect(copy_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute("VACUUM FULL ANALYZE control_zones")
    srv = LiveServer(live_seed.settings.model_copy(update={"database_url": copy_url}))
    yield srv
    srv.stop()
    with psycopg.connect(**admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _answer(client, lat, lon, at) -> dict:
    r = client.get("/api/point", params={"lat": lat, "lon": lon, "at": at})
    assert r.status_code == 200, r.text
    doc = r.json()
    doc.pop("revision")  # each database numbers its own revisions
    return doc


def test_point_on_a_cell_edge_answers_the_same_on_two_copies(live_seed, copy_server):
    with live_seed.client() as a, copy_server.client() as b:
        instants = a.get("/api/timeline").json()["instants"]
        assert b.get("/api/timeline").json()["instants"] == instants
        ats = [instants[len(instants) // 4], instants[len(instants) // 2], instants[-1]]
        points = [(EDGE_LAT, round(35.6 + (i + 0.37) * 3.7 / 32, 6)) for i in range(32)]   # along a row edge
        points += [(round(34.9 + (i + 0.41) * 2.0 / 32, 6), EDGE_LON) for i in range(32)]  # along a column edge
        differ, held = [], 0
        for at in ats:
            for lat, lon in points:
                x, y = _answer(a, lat, lon, at), _answer(b, lat, lon, at)
                held += x["faction"] is not None
                if x != y:
                    differ.append((at, lat, lon, x["faction"], x["zone_valid_to"], y["faction"], y["zone_valid_to"]))
        assert held > 50  # the sample crosses held ground
        assert differ == []


def test_the_cell_that_holds_an_edge_point_answers_for_it(live_seed):
    """Half-open: on a row edge, the cell above answers; its piece is the one that also holds the point just
    above the edge (where no front line runs along the edge itself)."""
    with live_seed.client() as c:
        at = c.get("/api/timeline").json()["instants"][-1]
        same = total = 0
        for i in range(32):
            lon = round(35.6 + (i + 0.37) * 3.7 / 32, 6)
            on, above = _answer(c, EDGE_LAT, lon, at), _answer(c, EDGE_LAT + 1e-5, lon, at)
            if above["faction"] is not None:
                total += 1
                same += (on["faction"], on["zone_valid_from"], on["zone_valid_to"]) == \
                        (above["faction"], above["zone_valid_from"], above["zone_valid_to"])
        assert total > 10 and same == total
