"""Database-level invariants: the constraints refuse bad rows even when the service layer is bypassed."""
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, DBAPIError

from app.usecases import changes as services


def _zone(session, faction, valid, revs, wkt, cell=7):
    session.execute(text("""INSERT INTO control_zones (faction_id, cell, valid, revs, geom, area_km2, change_ids)
        SELECT id, :cell, CAST(:valid AS tstzrange), CAST(:revs AS int4range), ST_Multi(ST_GeomFromText(:wkt, 4326)), 1, '[]'
        FROM factions WHERE slug = :f"""), {"f": faction, "valid": valid, "revs": revs, "wkt": wkt, "cell": cell})
    session.flush()


def test_overlapping_zone_of_same_faction_is_refused(mini_db):
    _zone(mini_db, "green", "[2023-06-10,2023-06-12)", "[50,)", "POLYGON((36.1 35.1,36.2 35.1,36.2 35.2,36.1 35.1))")
    with pytest.raises(IntegrityError, match="one_zone_per_faction"):
        with mini_db.begin_nested():
            _zone(mini_db, "green", "[2023-06-11,2023-06-13)", "[50,)", "POLYGON((36.3 35.1,36.4 35.1,36.4 35.2,36.3 35.1))")


def test_pieces_of_one_faction_in_different_cells_are_fine(mini_db):
    _zone(mini_db, "green", "[2023-06-10,2023-06-12)", "[50,)", "POLYGON((36.1 35.1,36.2 35.1,36.2 35.2,36.1 35.1))", cell=7)
    _zone(mini_db, "green", "[2023-06-10,2023-06-12)", "[50,)", "POLYGON((36.3 35.1,36.4 35.1,36.4 35.2,36.3 35.1))", cell=8)


def test_adjacent_validity_is_fine(mini_db):
    _zone(mini_db, "green", "[2023-06-10,2023-06-12)", "[50,)", "POLYGON((36.1 35.1,36.2 35.1,36.2 35.2,36.1 35.1))")
    _zone(mini_db, "green", "[2023-06-12,2023-06-13)", "[50,)", "POLYGON((36.1 35.1,36.2 35.1,36.2 35.2,36.1 35.1))")


def test_invalid_polygon_is_refused(mini_db):
    with pytest.raises(DBAPIError, match="geom_valid"):
        with mini_db.begin_nested():
            _zone(mini_db, "green", "[2023-07-10,2023-07-12)", "[50,)", "POLYGON((36.1 35.1,36.2 35.2,36.2 35.1,36.1 35.2,36.1 35.1))")


def test_zone_outside_extent_is_refused(mini_db):
    with pytest.raises(DBAPIError, match="outside the data set extent"):
        with mini_db.begin_nested():
            _zone(mini_db, "green", "[2023-07-10,2023-07-12)", "[50,)", "POLYGON((10 10,11 10,11 11,10 10))")


def test_wrong_srid_is_refused(mini_db):
    with pytest.raises(DBAPIError):
        with mini_db.begin_nested():
            mini_db.execute(text("""INSERT INTO control_zones (faction_id, cell, valid, revs, geom, area_km2, change_ids)
                SELECT id, 7, '[2023-07-10,2023-07-12)', '[50,)', ST_Multi(ST_GeomFromText('POLYGON((36.1 35.1,36.2 35.1,36.2 35.2,36.1 35.1))', 3857)), 1, '[]'
                FROM factions WHERE slug = 'green'"""))
            mini_db.flush()


def test_change_without_report_is_refused(mini_db):
    rev = services.new_revision(mini_db, kind="change", reason="test")
    with pytest.raises(DBAPIError, match="cites no report"):
        with mini_db.begin_nested():
            mini_db.execute(text("""INSERT INTO control_changes (at, faction_id, confidence, geom, created_in)
                SELECT '2024-01-02', id, 'confirmed', ST_Multi(ST_GeomFromText('POLYGON((36.1 35.1,36.2 35.1,36.2 35.2,36.1 35.1))', 4326)), :rev
                FROM factions WHERE slug = 'red'"""), {"rev": rev})
            mini_db.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))


def test_removing_the_last_citation_is_refused(mini_db):
    cid = mini_db.execute(text("SELECT change_id FROM change_reports GROUP BY change_id HAVING count(*) = 1 LIMIT 1")).scalar_one()
    with pytest.raises(DBAPIError, match="cites no report"):
        with mini_db.begin_nested():
            mini_db.execute(text("DELETE FROM change_reports WHERE change_id = :c"), {"c": cid})
            mini_db.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))


def test_loaded_mini_has_no_cross_faction_overlap(mini_db):
    assert services.check_overlaps(mini_db) == []
