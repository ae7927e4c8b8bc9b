"""zones stored in grid cells: an edit rewrites only the cells it touches; 'inferred' confidence

A zone version used to be a whole faction's polygon, so an edit at T rewrote every later version of every
faction it touched. Now each row is the part of a faction's zone inside one cell of a fixed grid over the data
set's extent (`dataset.cell_deg`), with its own validity: a change rewrites only the cells it covers, and only
where later changes in those cells make it differ. Rows written before this migration are whole polygons
(cell -1); `frontline migrate` refolds the live map into cells as a new revision, and pinned older revisions keep
reading their whole-polygon rows.

Step 2. Revision ID: 0002
Revises: 0001 (step 1)
"""
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE dataset ADD COLUMN cell_deg double precision NOT NULL DEFAULT 0.1 CHECK (cell_deg > 0)")
    op.execute("ALTER TABLE control_zones ADD COLUMN cell integer NOT NULL DEFAULT -1")
    op.execute("ALTER TABLE control_zones ALTER COLUMN cell DROP DEFAULT")
    op.execute("ALTER TABLE control_zones DROP CONSTRAINT one_zone_per_faction")
    # Invariant 2 per cell: one piece of a faction per cell at any instant, in any revision. Pieces of different
    # cells never overlap (cells are disjoint), so the dissolved zone is one MultiPolygon per faction.
    op.execute("""ALTER TABLE control_zones ADD CONSTRAINT one_zone_per_faction
                  EXCLUDE USING gist (faction_id WITH =, cell WITH =, valid WITH &&, revs WITH &&)""")
    # The write path reads the live pieces of a few cells.
    op.execute("CREATE INDEX ix_control_zones_live_cell ON control_zones (cell) WHERE upper_inf(revs)")
    # "Who holds this point at T": one index walk on place and time together, however long the history.
    op.execute("CREATE INDEX ix_control_zones_geom_valid ON control_zones USING gist (geom, valid)")
    op.execute("ALTER TABLE control_changes DROP CONSTRAINT ck_control_changes_confidence")
    op.execute("""ALTER TABLE control_changes ADD CONSTRAINT ck_control_changes_confidence
                  CHECK (confidence IN ('confirmed', 'claimed', 'inferred'))""")


def downgrade() -> None:
    op.execute("ALTER TABLE control_changes DROP CONSTRAINT ck_control_changes_confidence")
    op.execute("ALTER TABLE control_changes ADD CONSTRAINT ck_control_changes_confidence CHECK (confidence IN ('confirmed', 'claimed'))")
    op.execute("DROP INDEX ix_control_zones_live_cell")
    op.execute("DROP INDEX ix_control_zones_geom_valid")
    op.execute("ALTER TABLE control_zones DROP CONSTRAINT one_zone_per_faction")
    op.execute("DELETE FROM control_zones WHERE cell <> -1")
    op.execute("""ALTER TABLE control_zones ADD CONSTRAINT one_zone_per_faction
                  EXCLUDE USING gist (faction_id WITH =, valid WITH &&, revs WITH &&)""")
    op.execute("ALTER TABLE control_zones DROP COLUMN cell")
    op.execute("ALTER TABLE dataset DROP COLUMN cell_deg")
