"""The SQL of zones, changes and revisions: the pieces valid at an instant (PIECES_AT) or over a span, what a
revision wrote and retired, the changes of an area, points, diffs and overlap checks. Bound parameters always.
The other topics have their own modules beside this one (datasets, reports, feeds, accounts, webhooks...).

Read-path queries render GeoJSON in PostGIS (ST_AsGeoJSON with 5 decimals, about 1 m: the data is drawn to
a few hundred metres, so more digits are noise) and compute areas on the ellipsoid (geography).
"""
from __future__ import annotations


from sqlalchemy import text
from sqlalchemy.orm import Session

COORD_DIGITS = 5

CURRENT_REVISION = text("SELECT coalesce(max(id), 0) FROM revisions")

# Whether revision :rev exists, and the nearest ones on either side. Revision numbers come from a sequence, and
# sequence values are not transactional: a rolled-back write or a crash leaves numbers that were never used.
REVISION_AROUND = text("""
    SELECT EXISTS (SELECT 1 FROM revisions WHERE id = :rev) AS found,
           (SELECT max(id) FROM revisions WHERE id < :rev) AS before,
           (SELECT min(id) FROM revisions WHERE id > :rev) AS after
""")

LOCK_WRITES = text("SELECT pg_advisory_xact_lock(7240512)")


PUBLIC_REVISIONS = text("""
    SELECT r.id, r.created_at, r.kind, r.reverts_id,
           coalesce((SELECT json_agg(c.id ORDER BY c.id) FROM control_changes c WHERE c.created_in = r.id), '[]') AS changes,
           coalesce((SELECT json_agg(c.id ORDER BY c.id) FROM control_changes c WHERE c.retracted_in = r.id), '[]') AS retracted
    FROM revisions r ORDER BY r.id DESC LIMIT :l
""")

# Every zone piece's validity and area in revision :rev, summed per (faction, interval): the time axis and the
# area series come from this sweep, without geometry.
ZONE_SPANS = text("""
    SELECT f.slug AS faction, lower(z.valid) AS valid_from, upper(z.valid) AS valid_to, sum(z.area_km2) AS area_km2,
           count(*) AS n
    FROM control_zones z JOIN factions f ON f.id = z.faction_id
    WHERE z.revs @> CAST(:rev AS integer)
    GROUP BY 1, 2, 3
""")

# The pieces valid at an instant (GiST index on valid; the live revision also has a partial index).
PIECES_AT = text("""
    SELECT f.slug AS faction, z.cell, lower(z.valid) AS valid_from, z.area_km2, z.change_ids, ST_AsBinary(z.geom) AS wkb
    FROM control_zones z JOIN factions f ON f.id = z.faction_id
    WHERE z.valid @> CAST(:at AS timestamptz) AND z.revs @> CAST(:rev AS integer)
    ORDER BY z.cell, f.slug  -- the same order every time: the dissolved geometry is byte for byte the same
""")

PIECE_SPANS_IN_BOX = text("""
    SELECT DISTINCT f.slug AS faction, lower(z.valid) AS valid_from, upper(z.valid) AS valid_to
    FROM control_zones z JOIN factions f ON f.id = z.faction_id
    WHERE z.revs @> CAST(:rev AS integer) AND z.geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)
      AND ST_Intersects(z.geom, ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326))
""")

_ACTIVE = "c.created_in <= :rev AND (c.retracted_in IS NULL OR c.retracted_in > :rev)"
_REPORT_IDS = "coalesce((SELECT json_agg(cr.report_id ORDER BY cr.report_id) FROM change_reports cr WHERE cr.change_id = c.id), '[]')"

_CHANGE_META = f"""
    SELECT c.id, c.key, c.at, f.slug AS faction, c.confidence, c.summary_en, c.summary_ar,
           coalesce(c.area_km2, ST_Area(c.geom::geography) / 1e6) AS area_km2, coalesce(c.npoints, ST_NPoints(c.geom)) AS npoints,
           ST_XMin(c.geom) AS minx, ST_YMin(c.geom) AS miny, ST_XMax(c.geom) AS maxx, ST_YMax(c.geom) AS maxy,
           {_REPORT_IDS} AS report_ids
    FROM control_changes c JOIN factions f ON f.id = c.faction_id
"""

# The public facts of every change of revision :rev (no geometry, no editors' note).
CHANGES_META_OF_REVISION = text(f"""{_CHANGE_META}
    WHERE {_ACTIVE}
    ORDER BY c.at, c.id
""")

CHANGES_META_BY_IDS = text(f"""{_CHANGE_META}
    WHERE c.id = ANY(:ids)
""")

# What revision :rev changed: the changes it added, retracted or restored, and the zone pieces it wrote (+1)
# and retired (-1). A publication is derived from the previous one with these: the cost follows the edit.
CHANGES_ADDED_IN = text("""
    SELECT id FROM control_changes WHERE created_in = :rev
    UNION SELECT CAST(jsonb_array_elements_text(coalesce(details -> 'restored', '[]')) AS integer) FROM revisions WHERE id = :rev
""")
REVISION_KIND = text("SELECT kind FROM revisions WHERE id = :rev")
CHANGES_RETRACTED_IN = text("SELECT id FROM control_changes WHERE retracted_in = :rev")
PIECES_WRITTEN_IN = text("""
    SELECT f.slug AS faction, lower(z.valid) AS valid_from, upper(z.valid) AS valid_to, z.area_km2,
           CASE WHEN lower(z.revs) = :rev THEN 1 ELSE -1 END AS sign
    FROM control_zones z JOIN factions f ON f.id = z.faction_id
    WHERE lower(z.revs) = :rev OR upper(z.revs) = :rev
""")

# The geometry of the changes of revision :rev with :t0 <= at < :t1 (a window's deltas).
CHANGES_IN_RANGE = text(f"""
    SELECT c.id, ST_AsGeoJSON(c.geom, :digits) AS geometry
    FROM control_changes c
    WHERE {_ACTIVE} AND c.at >= :t0 AND c.at < CAST(:t1 AS timestamptz)
    ORDER BY c.at, c.id
""")

CHANGE_GEOMETRIES = text("""
    SELECT c.id, ST_AsGeoJSON(c.geom, :digits) AS geometry FROM control_changes c WHERE c.id = ANY(:ids)
""")

REPORTS_OF_REVISION = text("""
    SELECT r.id, r.key, r.title, r.publisher, r.published_at, r.url, r.language, r.summary FROM reports r
    WHERE CAST(:rev AS integer) IS NULL OR EXISTS (
        SELECT 1 FROM change_reports cr JOIN control_changes c ON c.id = cr.change_id
        WHERE cr.report_id = r.id AND c.created_in <= :rev AND (c.retracted_in IS NULL OR c.retracted_in > :rev))
    ORDER BY r.published_at, r.id
""")

# The changes (in revision :rev, up to :at) whose area covers a point: the "why is this colour" chain.
CHANGES_AT_POINT = text("""
    SELECT c.id, c.at, f.slug AS faction, c.confidence, c.summary_en, c.summary_ar,
           coalesce((SELECT json_agg(cr.report_id ORDER BY cr.report_id) FROM change_reports cr WHERE cr.change_id = c.id), '[]') AS report_ids
    FROM control_changes c JOIN factions f ON f.id = c.faction_id
    WHERE c.created_in <= :rev AND (c.retracted_in IS NULL OR c.retracted_in > :rev)
      AND c.at <= :at
      AND ST_Intersects(c.geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
    ORDER BY c.at, c.id
""")

# The one piece holding a point. A point on an edge two pieces share touches both: the piece of the cell that
# holds the point (:cells, the point's cells at every level, half-open: Grid.cells_at) is taken, then the
# factions' order, so the answer is a function of the data, never of the rows' order on disk (two copies of
# the same data answered differently). A piece of another cell still answers where the holding cell has none.
ZONE_AT_POINT = text("""
    SELECT f.slug AS faction, lower(z.valid) AS valid_from, upper(z.valid) AS valid_to
    FROM control_zones z JOIN factions f ON f.id = z.faction_id
    WHERE z.valid @> CAST(:at AS timestamptz) AND z.revs @> CAST(:rev AS integer)
      AND ST_Intersects(z.geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
    ORDER BY z.cell = ANY(CAST(:cells AS integer[])) DESC, f.sort_order, f.slug, lower(z.valid), z.cell
    LIMIT 1
""")

# Gained and lost area per faction between two instants, computed in PostGIS. A piece valid at both instants
# is the same row on both sides and costs nothing: the work follows what changed in between.
DIFF = text("""
    WITH a AS (
        SELECT z.id, z.faction_id, z.cell, z.geom, z.area_km2 FROM control_zones z
        WHERE z.valid @> CAST(:t1 AS timestamptz) AND z.revs @> CAST(:rev AS integer)
    ), b AS (
        SELECT z.id, z.faction_id, z.cell, z.geom, z.area_km2 FROM control_zones z
        WHERE z.valid @> CAST(:t2 AS timestamptz) AND z.revs @> CAST(:rev AS integer)
    ), pairs AS (
        SELECT coalesce(a.faction_id, b.faction_id) AS faction_id, a.geom AS ag, b.geom AS bg
        FROM a FULL JOIN b ON a.faction_id = b.faction_id AND a.cell = b.cell
        WHERE a.id IS DISTINCT FROM b.id
    ), w AS (  -- the pieces that differ, united per faction first: two overlays per faction, not two per piece
        SELECT faction_id, ST_Union(ag) AS ag, ST_Union(bg) AS bg FROM pairs GROUP BY faction_id
    ), u AS (
        SELECT faction_id,
               CASE WHEN ag IS NULL THEN bg WHEN bg IS NULL THEN NULL ELSE ST_CollectionExtract(ST_Difference(bg, ag), 3) END AS gained,
               CASE WHEN bg IS NULL THEN ag WHEN ag IS NULL THEN NULL ELSE ST_CollectionExtract(ST_Difference(ag, bg), 3) END AS lost
        FROM w
    ), areas AS (
        SELECT f.id, f.slug, f.sort_order,
               coalesce((SELECT sum(a.area_km2) FROM a WHERE a.faction_id = f.id), 0) AS area_from,
               coalesce((SELECT sum(b.area_km2) FROM b WHERE b.faction_id = f.id), 0) AS area_to
        FROM factions f
    )
    SELECT areas.slug AS faction, area_from, area_to,
           coalesce(ST_Area(u.gained::geography), 0) / 1e6 AS gained_km2,
           coalesce(ST_Area(u.lost::geography), 0) / 1e6 AS lost_km2,
           CASE WHEN u.gained IS NOT NULL AND NOT ST_IsEmpty(u.gained) THEN ST_AsGeoJSON(u.gained, :digits) END AS gained_geometry,
           CASE WHEN u.lost IS NOT NULL AND NOT ST_IsEmpty(u.lost) THEN ST_AsGeoJSON(u.lost, :digits) END AS lost_geometry
    FROM areas LEFT JOIN u ON u.faction_id = areas.id
    WHERE area_from > 0 OR area_to > 0
    ORDER BY areas.sort_order
""")


_LIVE_PIECE_COLS = """z.id, z.cell, f.slug AS faction, lower(z.valid) AS valid_from, upper(z.valid) AS valid_to,
           ST_AsBinary(z.geom) AS wkb, z.change_ids"""

# The live pieces valid at or after :t (those valid just before :t are where a recompute starts).
LIVE_ZONES_FROM = text(f"""
    SELECT {_LIVE_PIECE_COLS}
    FROM control_zones z JOIN factions f ON f.id = z.faction_id
    WHERE upper_inf(z.revs) AND (upper_inf(z.valid) OR upper(z.valid) >= :t)
""")

LIVE_ZONES_FROM_IN_CELLS = text(f"""
    SELECT {_LIVE_PIECE_COLS}
    FROM control_zones z JOIN factions f ON f.id = z.faction_id
    WHERE upper_inf(z.revs) AND z.cell = ANY(:cells) AND (upper_inf(z.valid) OR upper(z.valid) >= :t)
""")

ACTIVE_CHANGES_FROM = text("""
    SELECT c.id, c.at, f.slug AS faction, ST_AsBinary(c.geom) AS wkb
    FROM control_changes c JOIN factions f ON f.id = c.faction_id
    WHERE c.retracted_in IS NULL AND c.at >= :t
""")

# The changes from :t on that reach a box (GiST index on the changes' geometry).
ACTIVE_CHANGES_FROM_IN_BOX = text("""
    SELECT c.id, c.at, f.slug AS faction, ST_AsBinary(c.geom) AS wkb
    FROM control_changes c JOIN factions f ON f.id = c.faction_id
    WHERE c.retracted_in IS NULL AND c.at >= :t AND c.geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)
""")

# A piece written by this same revision and retired again never existed: it is deleted (revs cannot be empty).
RETIRE_ZONES = text("""
    WITH gone AS (DELETE FROM control_zones WHERE id = ANY(:ids) AND lower(revs) = :rev)
    UPDATE control_zones SET revs = int4range(lower(revs), :rev) WHERE id = ANY(:ids) AND lower(revs) < :rev
""")

# How many live pieces (all instants) each of some cells holds: a busy cell is split.
LIVE_PIECE_COUNTS = text("""
    SELECT cell, count(*) AS n FROM control_zones WHERE upper_inf(revs) AND cell = ANY(:cells) GROUP BY cell
""")

ADD_CELL_SPLITS = text("UPDATE dataset SET cell_splits = cell_splits || CAST(:cells AS integer[])")

INSERT_ZONE = text("""
    INSERT INTO control_zones (faction_id, cell, valid, revs, geom, area_km2, change_ids)
    SELECT f.id, :cell, tstzrange(:valid_from, :valid_to, '[)'), int4range(:rev, NULL), g.geom,
           ST_Area(g.geom::geography) / 1e6, CAST(:change_ids AS jsonb)
    FROM factions f, (SELECT ST_Multi(ST_GeomFromWKB(:wkb, 4326)) AS geom) g
    WHERE f.slug = :faction
""")

# Per faction, the live pieces of some cells at an instant, united, and their area (previews).
FACTION_PIECES_AT_IN = text("""
    SELECT f.slug AS faction, ST_AsBinary(ST_Union(z.geom)) AS wkb, sum(z.area_km2) AS area_km2
    FROM control_zones z JOIN factions f ON f.id = z.faction_id
    WHERE upper_inf(z.revs) AND z.cell = ANY(:cells) AND z.valid @> CAST(:at AS timestamptz)
    GROUP BY f.slug
""")

FACTION_TOTALS_AT = text("""
    SELECT f.slug AS faction, sum(z.area_km2) AS area_km2
    FROM control_zones z JOIN factions f ON f.id = z.faction_id
    WHERE upper_inf(z.revs) AND z.valid @> CAST(:at AS timestamptz)
    GROUP BY f.slug
""")

# Later changes (after change :id at :at) that take part of an area again.
LATER_CHANGES_OVER = text("""
    SELECT c.id, c.at, f.slug AS faction, c.summary_en,
           ST_Area(ST_Intersection(c.geom, g.geom)::geography) / 1e6 AS km2
    FROM control_changes c JOIN factions f ON f.id = c.faction_id, (SELECT ST_GeomFromWKB(:wkb, 4326) AS geom) g
    WHERE c.retracted_in IS NULL AND (c.at, c.id) > (CAST(:at AS timestamptz), :id) AND c.geom && g.geom
      AND ST_Intersects(c.geom, g.geom) AND ST_Area(ST_Intersection(c.geom, g.geom)::geography) > 1
    ORDER BY c.at, c.id
    LIMIT 200
""")

INSERT_CHANGE = text("""
    INSERT INTO control_changes (id, key, at, faction_id, confidence, geom, summary_en, summary_ar, note, created_in,
                                 area_km2, npoints)
    SELECT coalesce(CAST(:id AS integer), nextval('control_changes_id_seq')), :key, :at, f.id, :confidence,
           g.geom, :summary_en, :summary_ar, :note, :rev, ST_Area(g.geom::geography) / 1e6, ST_NPoints(g.geom)
    FROM factions f, (SELECT ST_Multi(ST_GeomFromWKB(:wkb, 4326)) AS geom) g WHERE f.slug = :faction
    RETURNING id
""")

INSERT_CHANGE_MANY = text("""
    INSERT INTO control_changes (id, key, at, faction_id, confidence, geom, summary_en, summary_ar, note, created_in,
                                 area_km2, npoints)
    SELECT :id, :key, :at, f.id, :confidence, g.geom, :summary_en, :summary_ar, :note, :rev,
           ST_Area(g.geom::geography) / 1e6, ST_NPoints(g.geom)
    FROM factions f, (SELECT ST_Multi(ST_GeomFromWKB(:wkb, 4326)) AS geom) g WHERE f.slug = :faction
""")

# Ids for a batch of changes inserted at once (the loader), so the inserts need not return them one by one.
NEW_CHANGE_IDS = text("SELECT nextval('control_changes_id_seq') FROM generate_series(1, :n)")

CITE = text("INSERT INTO change_reports (change_id, report_id) VALUES (:change_id, :report_id)")

# Invariant 1, checked after every write where it wrote (:rev; NULL: everywhere): pieces of different factions
# in one cell (pieces of different cells never overlap) valid at a common instant that overlap beyond the
# tolerance. Zones are built on a 1e-7 degree grid, so two neighbours' shared edge can be off by up to half a
# centimetre where each overlay rounded a node; along a kilometre that is a few square metres of zero-width
# sliver. Shrinking one side by 1e-6 degrees (about 10 cm) first makes the check about real overlap (deeper
# than 10 cm), then the area tolerance applies.
OVERLAPS = text("""
    WITH a AS MATERIALIZED (  -- the live pieces the revision wrote (all live pieces when :rev is NULL)
        SELECT id, faction_id, cell, valid, geom FROM control_zones
        WHERE upper_inf(revs) AND (CAST(:rev AS integer) IS NULL OR lower(revs) = :rev)
    ), b AS MATERIALIZED (  -- the live pieces of the same cells (the partial index: no retired piece is read)
        SELECT id, faction_id, cell, valid, geom FROM control_zones
        WHERE upper_inf(revs) AND cell IN (SELECT cell FROM a)
    )
    SELECT fa.slug AS a, fb.slug AS b, a.cell, lower(a.valid * b.valid) AS at,
           ST_Area(ST_Intersection(ST_Buffer(a.geom, -1e-6), b.geom)::geography) AS m2
    FROM a
    JOIN b ON a.id <> b.id AND a.faction_id <> b.faction_id AND b.cell = a.cell
         AND a.valid && b.valid AND ST_Intersects(a.geom, b.geom)
         -- Neighbours touch along their edges; only pairs whose interiors meet in an area are measured.
         AND ST_Relate(a.geom, b.geom, '2********')
    JOIN factions fa ON fa.id = a.faction_id JOIN factions fb ON fb.id = b.faction_id
    WHERE (CAST(:rev AS integer) IS NOT NULL OR a.id < b.id)
      AND ST_Area(ST_Intersection(ST_Buffer(a.geom, -1e-6), b.geom)::geography) > :tolerance_m2
""")


def current_revision(session: Session) -> int:
    return int(session.execute(CURRENT_REVISION).scalar_one())


def revision_around(session: Session, rev: int) -> dict:
    """{"found": whether revision `rev` exists, "before"/"after": the nearest existing ones (None if none)}."""
    return dict(session.execute(REVISION_AROUND, {"rev": rev}).mappings().one())


def lock_writes(session: Session) -> None:
    """Serialise writers: recomputing zones from T on must not interleave with another recompute."""
    session.execute(LOCK_WRITES)
