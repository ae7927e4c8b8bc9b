"""Snapshot archives in and out (issue 15), on real PostGIS: generated series import to zones equal to the
snapshots at every date, re-import changes nothing, bad input is refused naming file and feature with
nothing stored, and export-snapshots -> import-snapshots into a fresh data set gives the same map."""
from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest
import shapely
from shapely.geometry import mapping
from sqlalchemy import text

from app.usecases import archive

from app.usecases import dataset_init

from app.usecases import load as loader

from app.usecases import changes as services
from tests.archive_series import occupied, two_factions, write_folder, write_single_file

TZ = timezone(timedelta(hours=2))
FIRST = date(2022, 3, 1)
CENTER, SIZE = (31.0, 48.5), 2.0
EXTENT = (22.0, 44.0, 41.0, 53.0)


def new_war(folder: Path, *, baseline: str | None = "blue", places=()) -> Path:
    spec = dataset_init.Spec(title="Generated war", start=datetime(2022, 2, 24, tzinfo=TZ), end=datetime(2023, 1, 1, tzinfo=TZ),
                             extent=EXTENT, utc_offset_minutes=120, baseline=baseline,
                             factions=[dataset_init.parse_faction("red:Red army:#D55E00"),
                                       dataset_init.parse_faction("blue:Blue army:#0072B2")])
    dataset_init.write(folder, spec)
    if places:
        (folder / "geojson/places.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
             "properties": {"slug": slug, "name_en": slug.title(), "name_ar": "بلدة", "kind": "town", "rank": 3}}
            for slug, lon, lat in places]}))
    return folder


@pytest.fixture
def war(mini_db, tmp_path):
    """A fresh generated data set loaded in place of the mini one (rolled back after the test)."""
    loader.load(mini_db, new_war(tmp_path / "war", places=[("centreville", CENTER[0] - SIZE * 0.3, CENTER[1]),
                                                             ("farville", 40.5, 52.5)]), replace=True)
    mini_db.commit()
    return mini_db


def counts(s):
    return s.execute(text("SELECT (SELECT count(*) FROM revisions), (SELECT count(*) FROM control_changes)")).one()


def at(d: date, hhmm=time(0, 0)) -> datetime:
    return datetime.combine(d, hhmm, TZ).astimezone(timezone.utc)


def iou(a, b) -> float:
    if a.is_empty and b.is_empty:
        return 1.0
    return shapely.intersection(a, b).area / shapely.union(a, b).area


def opts(**kw) -> archive.ImportOptions:
    base = dict(faction="red", remainder="blue", report="source-1")
    base.update(kw)
    return archive.ImportOptions(**base)


def test_folder_series_imports_to_the_snapshots_and_reimport_changes_nothing(war, tmp_path):
    files = write_folder(tmp_path / "series", FIRST, 8, CENTER, SIZE, vertices=1200)
    before = counts(war)
    summary = archive.import_snapshots(war, tmp_path / "series", opts(), readers=None)
    assert summary.snapshots == 8 and summary.files == 8 and summary.revision is not None
    assert summary.identical == 2  # days 2 and 5 repeat the day before
    assert summary.changes > 0 and summary.km2_moved > 1000
    rev_rows, change_rows = counts(war)
    assert rev_rows == before[0] + 1  # one revision for the whole import
    assert change_rows == before[1] + summary.changes
    for i, p in enumerate(files):
        m = archive.map_at(war, at(FIRST + timedelta(days=i)))
        snap = occupied(i, CENTER, SIZE, 1200)
        assert iou(m["red"], snap) >= 0.999, p.name
        assert not m["blue"].intersects(shapely.buffer(snap, -1e-5))
    # The day before the series the map is the baseline: all blue.
    assert "red" not in archive.map_at(war, at(FIRST - timedelta(days=1)))
    # Every change cites the report and says what changed, in km2 and with the places inside.
    rows = war.execute(text("""SELECT c.summary_en, c.summary_ar, f.slug, r.key FROM control_changes c
                               JOIN factions f ON f.id = c.faction_id JOIN change_reports cr ON cr.change_id = c.id
                               JOIN reports r ON r.id = cr.report_id WHERE c.created_in = :rev"""), {"rev": summary.revision}).all()
    assert len(rows) == summary.changes and {r.key for r in rows} == {"source-1"}
    first = [r for r in rows if "2022-03-01" in r.summary_en]
    assert first and all("km²" in r.summary_en and "كم²" in r.summary_ar for r in rows)
    assert any("Centreville" in r.summary_en for r in first)
    assert not any("Farville" in r.summary_en for r in rows)
    assert services.check_overlaps(war) == []

    again = archive.import_snapshots(war, tmp_path / "series", opts(), readers=None)
    assert again.changes == 0 and again.revision is None and again.already + again.identical == 8
    assert counts(war) == (rev_rows, change_rows)


def test_single_file_two_factions(war, tmp_path):
    for kind in ("json", "seq"):
        src = write_single_file(tmp_path / f"all.{'geojsonl' if kind == 'seq' else 'geojson'}", FIRST, 6, CENTER, SIZE,
                                vertices=300, seq=kind == "seq")
        s = archive.import_snapshots(war, src, opts(faction=None, faction_field="side", remainder="contested"), readers=None)
        if kind == "json":
            assert s.snapshots == 6 and s.changes > 0 and s.revision
            for i in range(6):
                m = archive.map_at(war, at(FIRST + timedelta(days=i)))
                for f, g in two_factions(i, CENTER, SIZE, 300).items():
                    assert iou(m[f], g) >= 0.999, (i, f)
                # what blue gave up and red did not take went to the remainder
                if i > 0:
                    assert m["contested"].area > 0
        else:  # the same series as GeoJSON-seq: already imported
            assert s.changes == 0 and s.revision is None


def test_dry_run_stores_nothing_and_repairs_are_counted(war, tmp_path):
    folder = tmp_path / "s"
    write_folder(folder, FIRST, 2, CENTER, SIZE, vertices=200)
    # a bow-tie (self-intersecting) extra feature on day 2: repaired with make_valid and counted
    p = folder / "deepstate-20220302.geojson"
    doc = json.loads(p.read_text())
    x, y = CENTER[0] + 1.5, CENTER[1] + 1.5
    doc["features"].append({"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [
        [[x, y], [x + 0.2, y + 0.2], [x + 0.2, y], [x, y + 0.2], [x, y]]]}})
    p.write_text(json.dumps(doc))
    before = counts(war)
    s = archive.import_snapshots(war, folder, opts(dry_run=True), readers=None)
    assert s.dry_run and s.changes > 0 and s.repaired == 1 and s.revision is None
    assert counts(war) == before
    assert "dry run: nothing was stored" in "\n".join(s.lines())


def _bad(folder: Path, name: str, geometry=None, props=None, raw: str | None = None):
    folder.mkdir(parents=True, exist_ok=True)
    g = geometry or mapping(occupied(0, CENTER, SIZE, 100))
    (folder / name).write_text(raw if raw is not None else json.dumps(
        {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": props or {}, "geometry": g}]}))


BOW_TIE_LINE = {"type": "Polygon", "coordinates": [[[31, 48], [31.1, 48], [31.2, 48], [31, 48]]]}


@pytest.mark.parametrize("case,expect", [
    ("no-date", "war-latest.geojson: no date in the file name"),
    ("unknown-faction", "unknown faction 'purple' (--faction)"),
    ("unknown-faction-feature", "2022-03-01.geojson: feature 0: unknown faction 'purple'"),
    ("unknown-report", "unknown report 'nope' (--report)"),
    ("outside-period", "2021-01-01.geojson: date 2021-01-01 is outside the data set's period"),
    ("outside-extent", "2022-03-01.geojson: feature 0: geometry (bounds"),
    ("unreadable", "2022-03-02.geojson: is not valid JSON"),
    ("empty-repair", "2022-03-01.geojson: feature 0: geometry is invalid"),
    ("not-an-area", "2022-03-01.geojson: feature 0: geometry is a LineString"),
    ("no-date-property", "all.geojson: feature 0: no 'date' property giving its date (nor a date in the file name)"),
    ("bad-kml", "2022-03-01.kml: is not valid KML/XML"),
])
def test_bad_input_is_refused_naming_file_and_feature(war, tmp_path, case, expect):
    src = tmp_path / "bad"
    o = opts()
    if case == "no-date":
        _bad(src, "2022-03-01.geojson")
        _bad(src, "war-latest.geojson")
    elif case == "unknown-faction":
        _bad(src, "2022-03-01.geojson")
        o = opts(faction="purple")
    elif case == "unknown-faction-feature":
        _bad(src, "2022-03-01.geojson", props={"side": "purple"})
        o = opts(faction_field="side")
    elif case == "unknown-report":
        _bad(src, "2022-03-01.geojson")
        o = opts(report="nope")
    elif case == "outside-period":
        _bad(src, "2021-01-01.geojson")
    elif case == "outside-extent":
        _bad(src, "2022-03-01.geojson", geometry={"type": "Polygon", "coordinates": [[[50, 48], [51, 48], [51, 49], [50, 48]]]})
    elif case == "unreadable":
        _bad(src, "2022-03-01.geojson")
        _bad(src, "2022-03-02.geojson", raw='{"type": "FeatureCollection", "features": [')
    elif case == "empty-repair":
        _bad(src, "2022-03-01.geojson", geometry=BOW_TIE_LINE)  # a "ring" that is a line: no area after repair
    elif case == "not-an-area":
        _bad(src, "2022-03-01.geojson", geometry={"type": "LineString", "coordinates": [[31, 48], [32, 49]]})
    elif case == "no-date-property":
        src.mkdir()
        src = src / "all.geojson"
        src.write_text(json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"when": "2022-03-01"}, "geometry": mapping(occupied(0, CENTER, SIZE, 100))}]}))
    elif case == "bad-kml":
        _bad(src, "2022-03-01.kml", raw="<kml><Document><Placemark></Document></kml>")
    before = counts(war)
    with pytest.raises(archive.ArchiveError) as e:
        archive.import_snapshots(war, src, o, readers=None)
    assert expect in e.value.message
    assert counts(war) == before


def test_one_file_named_with_its_date_is_one_snapshot(war, tmp_path):
    _bad(tmp_path, "snapshot-2022-03-05.geojson")
    s = archive.import_snapshots(war, tmp_path / "snapshot-2022-03-05.geojson", opts(), readers=None)
    assert s.snapshots == 1 and s.first == at(date(2022, 3, 5)) and s.revision
    assert archive.map_at(war, at(date(2022, 3, 5)))["red"].area > 0


def test_kml_entities_are_refused(war, tmp_path):
    src = tmp_path / "k"
    _bad(src, "2022-03-01.kml", raw='<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
                                    '<kml><Document><name>&b;</name></Document></kml>')
    with pytest.raises(archive.ArchiveError, match="refused as unsafe XML"):
        archive.import_snapshots(war, src, opts(), readers=None)


@pytest.mark.parametrize("fmt", ["geojson", "kml"])
def test_export_then_import_into_a_fresh_data_set_round_trip(mini_db, tmp_path, fmt):
    """The mini data set's history, exported at every change, imported into a fresh data set, gives the same map."""
    out = archive.export_snapshots(mini_db, tmp_path / "out", every="change", fmt=fmt)
    assert out.written
    originals = {}
    for p in out.written:
        t = None
        for feat in archive.read_features(p):
            t = archive.instant_of(feat.props.get("date") or feat.props.get("_when"), TZ, time(0))
        originals[t] = archive.map_at(mini_db, t)
    frame = archive.frame_of(mini_db)
    factions = [dict(r._mapping) for r in mini_db.execute(text("SELECT slug, name_en, color FROM factions WHERE slug <> 'contested'"))]
    spec = dataset_init.Spec(title="Fresh", start=frame.start, end=frame.end, extent=frame.extent,
                             utc_offset_minutes=frame.offset_minutes,
                             factions=[dataset_init.parse_faction(f"{f['slug']}:{f['name_en']}:{f['color']}") for f in factions])
    dataset_init.write(tmp_path / "fresh", spec)
    loader.load(mini_db, tmp_path / "fresh", replace=True)
    mini_db.commit()
    assert archive.map_at(mini_db, frame.start) == {}
    s = archive.import_snapshots(mini_db, tmp_path / "out", archive.ImportOptions(
        faction_field="faction", remainder="contested", report="source-1"), readers=None)
    assert s.snapshots == len(out.written) and s.revision
    for t, want in originals.items():
        got = archive.map_at(mini_db, t)
        assert set(got) == set(want), t
        for f in want:
            assert iou(got[f], want[f]) >= 0.999, (t, f)
    # and exporting again gives the same files
    again = archive.export_snapshots(mini_db, tmp_path / "again", every="change", fmt=fmt)
    assert [p.name for p in again.written] == [p.name for p in out.written]


def test_export_every_day_names_dates(mini_db, tmp_path):
    out = archive.export_snapshots(mini_db, tmp_path / "d", every="day")
    assert [p.name for p in out.written] == ["2024-01-01.geojson", "2024-01-02.geojson", "2024-01-03.geojson", "2024-01-04.geojson"]
    doc = json.loads(out.written[0].read_text())
    assert {f["properties"]["faction"] for f in doc["features"]} >= {"red", "blue"}
    assert doc["features"][0]["properties"]["date"] == "2024-01-01T00:00:00+03:00"


def test_dataset_init_is_loadable_and_refuses_bad_options(mini_db, tmp_path):
    folder = new_war(tmp_path / "w", baseline=None)
    data = loader.validate(folder)
    assert [f["slug"] for f in data["factions"]] == ["red", "blue", "contested"] and data["changes"] == []
    loader.load(mini_db, folder, replace=True)
    assert mini_db.execute(text("SELECT count(*) FROM control_zones")).scalar_one() == 0
    with pytest.raises(Exception, match="exists and is not an empty folder"):
        new_war(folder)
    for bad, msg in [("red:Red", "slug:Name:#rrggbb"), ("Red:Red:#D55E00", "lower-case"), ("red:Red:blue", "#rrggbb")]:
        with pytest.raises(Exception, match=msg):
            dataset_init.parse_faction(bad)
    with pytest.raises(Exception, match="minlon,minlat,maxlon,maxlat"):
        dataset_init.parse_extent("40,50,30,60")


def test_dates_in_names():
    assert archive.date_in_name("deepstate_20240130.geojson.gz") == (date(2024, 1, 30), None)
    assert archive.date_in_name("map-2024-01-30T0630.kml") == (date(2024, 1, 30), time(6, 30))
    assert archive.date_in_name("aleppo-2024-2024-11-30.json")[0] == date(2024, 11, 30)
    assert archive.date_in_name("v2024-13-45.json") is None


def test_area_matches_postgis(mini_db):
    g = occupied(3, CENTER, SIZE, 600)
    pg = mini_db.execute(text("SELECT ST_Area(ST_GeomFromText(:w, 4326)::geography) / 1e6"), {"w": g.wkt}).scalar_one()
    assert abs(archive.area_km2(g) - pg) / pg < 1e-4
