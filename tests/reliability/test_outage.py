"""A database outage: reads keep answering from the cache, writes get 503 and lose nothing, and the app
recovers without a restart. Runs against its own private cluster, so stopping it disturbs no other test."""
import pytest
from sqlalchemy import create_engine, text

from app.usecases import accounts as auth

from app import cli

from app.usecases import load as loader
from app.platform.pgcluster import Cluster
from tests.conftest import EDITOR, FIXTURES, LiveServer, login

AT = "2024-01-02T13:00:00+03:00"
SQUARE = {"type": "Polygon", "coordinates": [[[37.30, 35.60], [37.40, 35.60], [37.40, 35.70], [37.30, 35.70], [37.30, 35.60]]]}


@pytest.fixture
def own_cluster(tmp_path_factory, base_settings):
    cluster = Cluster(tmp_path_factory.mktemp("outage-state"))
    url = cluster.start()
    s = base_settings.model_copy(update={"database_url": url, "revision_poll_seconds": 0.3, "tile_url": ""})
    cli.migrate(s)
    engine = create_engine(url)
    from sqlalchemy.orm import Session
    with Session(engine) as ses:
        loader.load(ses, FIXTURES / "mini")
        auth.add_user(ses, *EDITOR, "editor")
        ses.commit()
    engine.dispose()
    yield cluster, s
    cluster.stop()


def test_reads_survive_an_outage_and_writes_resume(own_cluster):
    cluster, settings = own_cluster
    server = LiveServer(settings)
    try:
        with server.client() as c:
            token = login(c)
            c.headers["X-CSRF-Token"] = token
            warm = {p: c.get(p).content for p in ("/api/timeline", f"/api/snapshot?at={AT}", "/api/factions")}
            rev = c.get("/api/timeline").json()["revision"]
            cluster.stop()
            for p, body in warm.items():
                r = c.get(p)
                assert r.status_code == 200 and r.content == body, p
            assert c.get("/api/health").status_code == 503
            r = c.post("/api/changes", json={"confirm_large": True, "faction": "green", "at": AT, "geometry": SQUARE, "confidence": "confirmed",
                                             "report_ids": [1], "note": "during the outage", "summary_en": "During the outage", "base_revision": rev})
            assert r.status_code == 503 and "database" in r.json()["message"].lower()
            cluster.start()
            assert c.get("/api/health").json()["database"] == "up"
            r = c.post("/api/changes", json={"confirm_large": True, "faction": "green", "at": AT, "geometry": SQUARE, "confidence": "confirmed",
                                             "report_ids": [1], "note": "after the outage", "summary_en": "After the outage", "base_revision": rev})
            assert r.status_code == 201, r.text
            fc = c.get(f"/api/snapshot?at={AT}").json()
            assert fc["revision"] == r.json()["revision"]
        engine = create_engine(settings.database_url)
        with engine.connect() as conn:
            notes = conn.execute(text("SELECT note FROM control_changes WHERE note LIKE '%outage%'")).scalars().all()
            assert notes == ["after the outage"]
            assert conn.execute(text("SELECT count(*) FROM control_changes")).scalar_one() == 7  # 6 seeded + 1: nothing lost
        engine.dispose()
    finally:
        server.stop()
