"""busy cells split into four: the quadtree's inner nodes; what a revision wrote found by index

Zones are stored in the cells of a grid over the extent; a cell that many changes reach is split into four
(down to 1/64 of the base cell), so a save refolds a short history whatever the length of the war. The split
cells are listed here; the leaves are the cells reached from the base grid through them. Existing data keeps
its base cells (no split yet) and is split as it is edited.

Step 5. Revision ID: 0004
Revises: 0003 (step 4)
"""
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE dataset ADD COLUMN cell_splits integer[] NOT NULL DEFAULT '{}'")
    # What one revision wrote and retired (the overlap check after a save, the next publication), found without
    # reading the whole history.
    op.execute("CREATE INDEX ix_control_zones_rev_from ON control_zones (lower(revs))")
    op.execute("CREATE INDEX ix_control_zones_rev_to ON control_zones (upper(revs))")


def downgrade() -> None:
    op.execute("DROP INDEX ix_control_zones_rev_to")
    op.execute("DROP INDEX ix_control_zones_rev_from")
    # Pieces in split cells stay valid pieces of the same zones (only the cell ids of a finer grid remain).
    op.execute("ALTER TABLE dataset DROP COLUMN cell_splits")
