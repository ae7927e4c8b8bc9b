"""Backups: export the whole data set, import it into an empty database, every snapshot is identical."""
import os
import subprocess
import sys

from sqlalchemy import create_engine, text

from app.store import backup
from tests.conftest import _create_database


def _snapshots(url):
    engine = create_engine(url)
    with engine.connect() as c:
        rows = c.execute(text("""SELECT f.slug, z.valid::text, z.revs::text, md5(ST_AsEWKB(z.geom)), z.area_km2
                                 FROM control_zones z JOIN factions f ON f.id = z.faction_id ORDER BY z.id""")).all()
        changes = c.execute(text("SELECT id, at, md5(ST_AsEWKB(geom)), retracted_in FROM control_changes ORDER BY id")).all()
        hashes = c.execute(text("SELECT username, password_hash IS NOT NULL FROM users ORDER BY id")).all()
    engine.dispose()
    return rows, changes, hashes


def test_export_import_round_trip_gives_identical_snapshots(base_settings, seed_server, tmp_path):
    # Make history first: a change and a revert, so revision-pinned zones exist too.
    from tests.conftest import login
    with seed_server.client() as c:
        c.headers["X-CSRF-Token"] = login(c)
        rev = c.get("/api/timeline").json()["revision"]
        rid = c.get("/api/reports").json()[0]["id"]
        r = c.post("/api/changes", json={"confirm_large": True, "faction": "sdf", "at": "2024-11-29T10:00:00+03:00", "confidence": "claimed",
                                         "geometry": {"type": "Polygon", "coordinates": [[[37.30, 36.30], [37.35, 36.30], [37.35, 36.35], [37.30, 36.35], [37.30, 36.30]]]},
                                         "report_ids": [rid], "note": "round trip", "summary_en": "Round trip", "base_revision": rev})
        assert r.status_code == 201, r.text
    src = seed_server.settings.database_url
    out = tmp_path / "export.json.gz"
    env = {**os.environ, "DATABASE_URL": src}
    run = subprocess.run([sys.executable, "-m", "app.cli", "export", str(out)], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    head = backup.read(out)
    assert head["version"] == backup.VERSION and "control_zones" in head["tables"]
    target = _create_database(base_settings.database_url, f"{os.environ.get('FRONTLINE_TEST_DB', 'frontline_test')}_restore")
    run = subprocess.run([sys.executable, "-m", "app.cli", "import", str(out)], env={**os.environ, "DATABASE_URL": target},
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    a, b = _snapshots(src), _snapshots(target)
    assert a[0] == b[0] and a[1] == b[1]
    assert all(not has_hash for _, has_hash in b[2])  # no password hashes unless asked
    # importing twice is refused, nothing changes
    again = subprocess.run([sys.executable, "-m", "app.cli", "import", str(out)], env={**os.environ, "DATABASE_URL": target},
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 1 and "already holds" in again.stderr
