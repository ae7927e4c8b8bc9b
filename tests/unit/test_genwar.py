"""bench/genwar.py: the synthetic long war is a valid data set, the same for a seed, and loads into PostGIS."""
from __future__ import annotations

import hashlib
import os
from datetime import datetime, timedelta
from pathlib import Path

import shapely
from shapely.geometry import shape
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from app import cli

from app.usecases import load as loader
from bench.genwar import EXTENT, generate
from tests.conftest import LiveServer, _create_database

FILES = ["dataset.json", "factions.json", "reports.json", "geojson/changes.geojson", "geojson/places.geojson"]


def digest(folder: Path) -> str:
    h = hashlib.sha256()
    for name in FILES:
        h.update((folder / name).read_bytes())
    return h.hexdigest()


def test_generated_war_passes_validation_and_has_the_asked_shape(tmp_path):
    info = generate(tmp_path / "war", days=12, per_day=7, front_vertices=800, change_vertices=25, seed=3)
    data = loader.validate(tmp_path / "war")
    changes = data["changes"]
    assert len(changes) == 2 + 12 * 7 == info["changes"]
    assert {f["slug"] for f in data["factions"]} == {"west", "east", "contested"}
    start = data["dataset"]["start_at"]
    baseline = [c for c in changes if c["at"] == start]
    assert [c["faction"] for c in baseline] == ["west", "east"]
    # The two baseline polygons share the front: they touch along a line and do not overlap.
    w, e = baseline[0]["geom"], baseline[1]["geom"]
    assert w.intersection(e).area < 1e-9 and w.boundary.intersection(e.boundary).length > 5
    assert len(w.exterior.coords if w.geom_type == "Polygon" else w.geoms[0].exterior.coords) >= 800
    later = [c for c in changes if c["at"] > start]
    assert all(c["geom"].is_valid for c in later)
    assert all(len(c["geom"].geoms[0].exterior.coords) - 1 <= 25 for c in later)
    assert {c["faction"] for c in later} == {"west", "east", "contested"}
    assert all(c["reports"] for c in changes)
    # Per day: exactly per_day changes, each citing that day's report.
    days = {}
    for c in later:
        days.setdefault(c["reports"][0], []).append(c)
    assert len(days) == 12 and all(len(v) == 7 for v in days.values())
    # Local changes straddle the front: most side changes take ground from the other side (a plain fold in shapely).
    zones: dict = {}
    straddle = sides = 0
    for c in changes:
        g = c["geom"]
        if c["at"] > start and c["faction"] != "contested":
            other = zones.get("east" if c["faction"] == "west" else "west")
            share = other.intersection(g).area / g.area if other is not None else 0
            sides += 1
            straddle += 0.05 < share < 0.95
        for k in list(zones):
            if k != c["faction"]:
                zones[k] = zones[k].difference(g)
        zones[c["faction"]] = zones[c["faction"]].union(g) if c["faction"] in zones else g
    assert straddle >= 0.7 * sides, (straddle, sides)


def test_generator_is_deterministic_for_a_seed(tmp_path):
    generate(tmp_path / "a", days=5, per_day=4, front_vertices=300, change_vertices=12, seed=7)
    generate(tmp_path / "b", days=5, per_day=4, front_vertices=300, change_vertices=12, seed=7)
    generate(tmp_path / "c", days=5, per_day=4, front_vertices=300, change_vertices=12, seed=8)
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert digest(tmp_path / "a") != digest(tmp_path / "c")


def test_a_generated_20_day_war_loads_into_postgis_and_serves_its_zones(tmp_path, base_settings):
    folder = tmp_path / "war20"
    info = generate(folder, days=20, per_day=10, front_vertices=2000, change_vertices=30, seed=1)
    url = _create_database(base_settings.database_url, f"{os.environ.get('FRONTLINE_TEST_DB', 'frontline_test')}_genwar")
    settings = base_settings.model_copy(update={"database_url": url, "tile_url": ""})
    cli.migrate(settings)
    engine = create_engine(url)
    try:
        with Session(engine) as s:
            assert loader.load(s, folder) == "loaded"
            s.commit()
            assert s.execute(text("SELECT count(*) FROM control_changes")).scalar_one() == info["changes"] == 202
        server = LiveServer(settings)
        try:
            with server.client() as c:
                # The period is half-open: ask for its last minute.
                at = (datetime.fromisoformat(info["end"]) - timedelta(minutes=1)).isoformat()
                r = c.get("/api/snapshot", params={"at": at})
                assert r.status_code == 200, r.text
                feats = r.json()["features"]
                by = {f["properties"]["faction"]: shape(f["geometry"]) for f in feats}
                assert {"west", "east"} <= set(by)
                geoms = list(by.values())
                for i in range(len(geoms)):
                    for j in range(i + 1, len(geoms)):
                        assert geoms[i].intersection(geoms[j]).area < 1e-6
                # Together the zones still cover the whole baseline area (changes only move ground between sides).
                minx, miny, maxx, maxy = EXTENT
                total = shapely.union_all(geoms).area
                assert abs(total - (maxx - minx - 0.1) * (maxy - miny - 0.1)) < 0.01
        finally:
            server.stop()
    finally:
        engine.dispose()
