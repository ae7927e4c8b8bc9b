"""The fold, without a database."""
from datetime import datetime, timedelta, timezone

import pytest
from shapely.geometry import box

from app.domain.geometry import parse_polygonal
from app.domain.timeline import Change, fold, state_at
from app.domain.errors import InvalidGeometry

T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)


def h(n):
    return T0 + timedelta(hours=n)


def test_later_change_takes_area_from_others():
    versions = fold([Change(1, h(0), "a", box(0, 0, 2, 1)), Change(2, h(5), "b", box(1, 0, 3, 1))])
    before, after = state_at(versions, h(1)), state_at(versions, h(6))
    assert before["a"].geom.area == pytest.approx(2)
    assert after["a"].geom.area == pytest.approx(1)
    assert after["b"].geom.area == pytest.approx(2)
    assert after["a"].geom.intersection(after["b"].geom).area == 0


def test_validity_is_half_open_and_unchanged_zone_not_repeated():
    versions = fold([Change(1, h(0), "a", box(0, 0, 1, 1)), Change(2, h(0), "c", box(5, 5, 6, 6)),
                     Change(3, h(5), "b", box(0.5, 0, 1, 1))])
    a = sorted((v for v in versions if v.faction == "a"), key=lambda v: v.valid_from)
    assert [(v.valid_from, v.valid_to) for v in a] == [(h(0), h(5)), (h(5), None)]
    # c is untouched by the change at h(5): one version for the whole period
    assert [(v.valid_from, v.valid_to) for v in versions if v.faction == "c"] == [(h(0), None)]
    assert state_at(versions, h(5))["a"].valid_from == h(5)  # the new version starts exactly at T


def test_changes_at_same_instant_apply_in_id_order():
    versions = fold([Change(2, h(0), "b", box(0, 0, 1, 1)), Change(1, h(0), "a", box(0, 0, 1, 1))])
    assert {v.faction for v in versions} == {"b"}


def test_faction_losing_everything_has_no_zone():
    versions = fold([Change(1, h(0), "a", box(0, 0, 1, 1)), Change(2, h(1), "b", box(-1, -1, 2, 2))])
    assert "a" not in state_at(versions, h(2))


def test_recompute_from_initial_equals_full_fold():
    changes = [Change(1, h(0), "a", box(0, 0, 4, 4)), Change(2, h(2), "b", box(0, 0, 1, 4)),
               Change(3, h(4), "c", box(3, 0, 4, 4)), Change(4, h(6), "a", box(0, 0, 1, 2))]
    full = fold(changes)
    initial = {f: v for f, v in state_at(full, h(3)).items()}
    for v in initial.values():
        v.valid_to = None
    partial = fold([c for c in changes if c.at >= h(3)], initial=initial)
    for t in (h(4), h(5), h(7)):
        a, b = state_at(full, t), state_at(partial, t)
        assert a.keys() == b.keys()
        for f in a:
            assert a[f].geom.equals(b[f].geom)


@pytest.mark.parametrize("geom, message", [
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}, "not valid"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}, "not closed"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}, "at least 4"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, float("nan")], [0, 0]]]}, "finite"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, "x"], [0, 0]]]}, "finite"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [500, 0], [1, 1], [0, 0]]]}, "outside"),
    ({"type": "Point", "coordinates": [0, 0]}, "Polygon or MultiPolygon"),
    ({"type": "Polygon", "coordinates": []}, "no coordinates"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]], "crs": {"type": "name"}}, "crs"),
    ({"type": "GeometryCollection", "geometries": [{"type": "GeometryCollection", "geometries": []}]}, "Polygon or MultiPolygon"),
    ({"type": "Polygon", "coordinates": [[[[0, 0]]]]}, "nested"),
])
def test_bad_geometry_is_refused_with_a_reason(geom, message):
    with pytest.raises(InvalidGeometry) as e:
        parse_polygonal(geom, max_vertices=1000)
    assert message in e.value.message


def test_vertex_limit():
    ring = [[i * 1e-4, 0] for i in range(2000)] + [[0, 1], [0, 0]]
    with pytest.raises(InvalidGeometry, match="more than 1000 vertices"):
        parse_polygonal({"type": "Polygon", "coordinates": [ring]}, max_vertices=1000)
