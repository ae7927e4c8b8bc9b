"""`frontline export-dataset`: the database written back as a data set folder that loads and checks the same."""
import os
import subprocess
import sys
from datetime import datetime

from shapely.geometry import shape
from sqlalchemy import text

from app import PROJECT_ROOT
from app.tools import datacheck
from app.usecases import load as loader
from app.usecases import changes as services

DATA = PROJECT_ROOT / "data"


def _by_key(folder):
    return {c["key"]: c for c in loader.validate(folder)["changes"]}


def test_export_of_the_seed_round_trips(seed_db, tmp_path):
    counts = datacheck.export_dataset(seed_db, tmp_path / "out")
    assert counts["changes"] == len(_by_key(DATA))
    assert datacheck.check(tmp_path / "out")[0] == datacheck.check(DATA)[0]
    a, b = _by_key(DATA), _by_key(tmp_path / "out")
    assert set(a) == set(b)
    for k, c in a.items():
        d = b[k]
        assert (c["at"], c["faction"], c["confidence"], sorted(c["reports"])) == (d["at"], d["faction"], d["confidence"], sorted(d["reports"]))
        assert (c["summary_en"], c["summary_ar"], c["note"]) == (d["summary_en"], d["summary_ar"], d["note"])
        assert c["geom"].symmetric_difference(d["geom"]).area < 1e-12, k
    # Same reports, places and factions too.
    src = loader.validate(DATA)
    out = loader.validate(tmp_path / "out")
    strip = lambda rs: sorted((r["key"], r["title"], r["publisher"], r["published"], r.get("url"), r["summary"]) for r in rs)
    assert strip(src["reports"]) == strip(out["reports"])
    assert sorted((p["slug"], p["lon"], p["lat"], p["kind"]) for p in src["places"]) == \
        sorted((p["slug"], round(p["lon"], 7), round(p["lat"], 7), p["kind"]) for p in out["places"])
    assert [f["slug"] for f in src["factions"]] == [f["slug"] for f in out["factions"]]
    lines = (tmp_path / "out" / "geojson" / "changes.geojson").read_text().splitlines()
    assert len(lines) == len(a) + 2


def test_export_carries_the_editors_changes_and_drops_retracted_ones(seed_db, tmp_path):
    rid = seed_db.execute(text("SELECT id FROM reports ORDER BY published_at DESC LIMIT 1")).scalar_one()
    rev = services.new_revision(seed_db, kind="change", reason="test")
    data = services.ChangeInput(faction="hts", at=datetime.fromisoformat("2024-12-02T18:00:00+03:00"),
                                geometry={"type": "Polygon", "coordinates": [[[36.70, 35.30], [36.75, 35.30], [36.75, 35.33], [36.70, 35.33], [36.70, 35.30]]]},
                                confidence="claimed", report_ids=[rid], summary_en="Test area.", summary_ar="منطقة اختبار.")
    services.insert_change(seed_db, data, shape(data.geometry), rev)
    gone = seed_db.execute(text("SELECT key FROM control_changes WHERE key LIKE '%north-hama%'")).scalar_one()
    seed_db.execute(text("UPDATE control_changes SET retracted_in = :r WHERE key = :k"), {"r": rev, "k": gone})
    datacheck.export_dataset(seed_db, tmp_path / "out")
    changes = _by_key(tmp_path / "out")
    assert gone not in changes
    new = [c for c in changes.values() if c["summary_en"] == "Test area."]
    assert len(new) == 1 and new[0]["faction"] == "hts" and new[0]["key"].startswith("2024-12-02-change-")


def test_cli_export_dataset(seed_url, tmp_path):
    env = {**os.environ, "DATABASE_URL": seed_url}
    r = subprocess.run([sys.executable, "-m", "app.cli", "export-dataset", str(tmp_path / "out")], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "changes" in r.stdout
    r = subprocess.run([sys.executable, "-m", "app.cli", "data", "check", str(tmp_path / "out")], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
