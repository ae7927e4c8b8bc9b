"""The Aleppo data set tells the story of the reports, and keeps every invariant of DESIGN.md after loading."""
import json
import shutil
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text

from app import PROJECT_ROOT
from app.usecases import load as loader
from app.read import lookup
from app.store import queries
from app.usecases import changes as services

CHECKS = json.loads((Path(__file__).parent.parent / "fixtures" / "story_checks.json").read_text())
LOCAL = timezone(timedelta(hours=3))


def _rev(db):
    return queries.current_revision(db)


def test_at_least_25_named_places_hold_the_expected_faction(seed_db):
    """Each check names a gazetteer place (its slug); the map is asked at the gazetteer's own point."""
    assert len({c["place"] for c in CHECKS}) >= 25
    rev = _rev(seed_db)
    where = {r.slug: (r.lon, r.lat) for r in seed_db.execute(text("SELECT slug, ST_X(geom) lon, ST_Y(geom) lat FROM places"))}
    assert not {c["place"] for c in CHECKS} - set(where), "story checks must name gazetteer places"
    wrong = []
    for c in CHECKS:
        lon, lat = where[c["place"]]
        row = lookup.zone_at(seed_db, rev, datetime.fromisoformat(c["at"]), lat, lon)
        got = row["faction"] if row else None
        if got != c["faction"]:
            wrong.append(f"{c['place']} at {c['at']}: expected {c['faction']}, map says {got}")
    assert not wrong, "\n".join(wrong)


def test_no_cross_faction_overlap_at_any_instant(seed_db):
    assert services.check_overlaps(seed_db) == []


def test_zone_geometry_valid_nonempty_4326_inside_extent(seed_db):
    bad = seed_db.execute(text("""
        SELECT z.id FROM control_zones z, dataset d
        WHERE NOT ST_IsValid(z.geom) OR ST_IsEmpty(z.geom) OR ST_SRID(z.geom) <> 4326
           OR NOT ST_CoveredBy(z.geom, ST_Buffer(d.extent, 1e-9)) OR GeometryType(z.geom) <> 'MULTIPOLYGON'
    """)).scalars().all()
    assert bad == []


def test_one_zone_per_faction_at_every_instant(seed_db):
    rev = _rev(seed_db)
    instants = seed_db.execute(text("SELECT DISTINCT at FROM control_changes ORDER BY at")).scalars().all()
    for t in instants:
        # Stored: one piece per faction and grid cell; served: their union, one MultiPolygon per faction.
        rows = seed_db.execute(queries.PIECES_AT, {"at": t, "rev": rev}).mappings().all()
        counts = Counter((r["faction"], r["cell"]) for r in rows)
        assert all(n == 1 for n in counts.values()), (t, counts)


def test_every_change_cites_a_report_and_every_report_is_cited(seed_db):
    uncited_changes = seed_db.execute(text("SELECT id FROM control_changes c WHERE NOT EXISTS (SELECT 1 FROM change_reports r WHERE r.change_id = c.id)")).scalars().all()
    uncited_reports = seed_db.execute(text("SELECT key FROM reports r WHERE NOT EXISTS (SELECT 1 FROM change_reports c WHERE c.report_id = r.id)")).scalars().all()
    assert uncited_changes == [] and uncited_reports == []


def test_a_change_every_day_and_at_least_15(seed_db):
    start = seed_db.execute(text("SELECT start_at FROM dataset")).scalar_one()
    ats = seed_db.execute(text("SELECT at FROM control_changes WHERE at > :s"), {"s": start}).scalars().all()
    assert len(ats) >= 15
    days = {a.astimezone(LOCAL).date().isoformat() for a in ats}
    for d in ("2024-11-27", "2024-11-28", "2024-11-29", "2024-11-30", "2024-12-01", "2024-12-02"):
        assert d in days, f"no change on {d}"


def test_the_reports_events_are_there(seed_db):
    summaries = " ".join(seed_db.execute(text("SELECT lower(summary_en || ' ' || note) FROM control_changes")).scalars())
    for word in ("saraqib", "citadel", "university", "airport", "palace", "military academy", "sheikh maqsoud", "withdr"):
        assert word in summaries, word


def test_times_stored_in_utc(seed_db):
    tz = seed_db.execute(text("SELECT data_type FROM information_schema.columns WHERE table_schema='public' AND table_name='control_changes' AND column_name='at'")).scalar_one()
    assert tz == "timestamp with time zone"
    first = seed_db.execute(text("SELECT min(at) FROM control_changes")).scalar_one()
    assert first == datetime(2024, 11, 26, 21, 0, tzinfo=timezone.utc)  # 27 Nov 00:00 UTC+3


def test_gazetteer(seed_db):
    n, with_ar = seed_db.execute(text("SELECT count(*), count(*) FILTER (WHERE name_ar ~ '[\u0600-\u06FF]') FROM places")).one()
    assert n >= 80 and with_ar == n
    kinds = set(seed_db.execute(text("SELECT DISTINCT kind FROM places")).scalars())
    assert {"city", "neighbourhood", "landmark", "airport"} <= kinds


def test_loading_twice_changes_nothing(seed_db):
    counts = lambda: seed_db.execute(text("SELECT (SELECT count(*) FROM control_zones), (SELECT count(*) FROM revisions), (SELECT count(*) FROM places)")).one()
    before = counts()
    assert loader.load(seed_db, PROJECT_ROOT / "data") == "unchanged"
    assert counts() == before


def test_an_invalid_data_set_is_refused_whole_with_file_feature_and_reason(tmp_path, mini_db):
    folder = tmp_path / "broken"
    shutil.copytree(PROJECT_ROOT / "data", folder, ignore=shutil.ignore_patterns("base", "tools"))
    fc = json.loads((folder / "geojson" / "changes.geojson").read_text())
    fc["features"][3]["geometry"] = {"type": "Polygon", "coordinates": [[[37, 36], [37.1, 36.1], [37.1, 36], [37, 36.1], [37, 36]]]}
    fc["features"][4]["properties"]["reports"] = []
    (folder / "geojson" / "changes.geojson").write_text(json.dumps(fc))
    before = mini_db.execute(text("SELECT count(*) FROM control_changes")).scalar_one()
    with pytest.raises(loader.LoadError) as e:
        loader.load(mini_db, folder, replace=True)
    msg = e.value.message
    assert "geojson/changes.geojson: feature 3" in msg and "not valid" in msg
    assert "feature 4" in msg and "cites no report" in msg
    assert mini_db.execute(text("SELECT count(*) FROM control_changes")).scalar_one() == before
