"""The snapshot -> changes rules of app/archive.py, without a database."""
from __future__ import annotations

from datetime import datetime, timezone

from shapely.geometry import MultiPolygon, box

from app.usecases import archive

T = datetime(2024, 1, 2, tzinfo=timezone.utc)


def mp(*boxes):
    return archive.union([box(*b) for b in boxes])


def snap(**areas):
    return archive.Snapshot(T, "s.geojson", {f: a for f, a in areas.items()})


def by(changes):
    return {(c.faction, c.kind): c for c in changes}


def test_gain_and_loss_to_the_remainder():
    prev = {"red": mp((0, 0, 2, 1))}
    changes = by(archive.diff_step(prev, snap(red=mp((1, 0, 3, 1))), "blue"))
    assert set(changes) == {("red", "gain"), ("blue", "rest")}
    assert changes[("red", "gain")].geom.equals(mp((2, 0, 3, 1)))
    assert changes[("blue", "rest")].geom.equals(mp((0, 0, 1, 1)))
    assert changes[("blue", "rest")].lost_by == ["red"]
    assert changes[("red", "gain")].area_km2 > 10_000  # a 1x1 degree cell near the equator: ~12,300 km2


def test_lost_area_goes_to_the_faction_that_gained_it():
    prev = {"red": mp((0, 0, 2, 1)), "blue": mp((2, 0, 4, 1))}
    changes = by(archive.diff_step(prev, snap(red=mp((0, 0, 1, 1))  , blue=mp((1, 0, 4, 1))), "contested"))
    assert set(changes) == {("blue", "gain")}  # nothing for the remainder: blue took what red lost
    assert changes[("blue", "gain")].geom.equals(mp((1, 0, 2, 1)))


def test_identical_snapshots_make_no_change_and_absent_factions_hold_nothing():
    a = mp((0, 0, 1, 1))
    assert archive.diff_step({"red": a}, snap(red=mp((0, 0, 1, 1))), "blue") == []
    changes = archive.diff_step({"red": a}, snap(red=MultiPolygon()), "blue")
    assert [(c.faction, c.kind) for c in changes] == [("blue", "rest")]


def test_plan_compares_the_first_snapshot_with_the_map_then_consecutive_ones():
    s1 = archive.Snapshot(T, "1", {"red": mp((0, 0, 1, 1))})
    s2 = archive.Snapshot(T.replace(day=3), "2", {"red": mp((0, 0, 1, 1))})
    s3 = archive.Snapshot(T.replace(day=4), "3", {"red": mp((0, 0, 2, 1))})
    steps = archive.plan([s1, s2, s3], {"red": mp((0, 0, 0.5, 1))}, "blue")
    assert [len(s.changes) for s in steps] == [1, 0, 1]
    assert steps[0].changes[0].geom.equals(mp((0.5, 0, 1, 1)))


def test_invalid_geometry_is_repaired_or_refused():
    bow = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    area, repaired = archive.to_area(bow, (-1, -1, 2, 2))
    assert repaired and area.area > 0.4
    line = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0.5, 0], [0, 0]]]}
    try:
        archive.to_area(line, (-1, -1, 2, 2))
    except ValueError as e:
        assert "repairing it leaves no area" in str(e)
    else:
        raise AssertionError("an area-less ring was accepted")
