"""a change's area and vertex count, computed once when it is written

A change never changes, so its area (km2, on the ellipsoid) and size are stored with it instead of being
computed again for every change at every publish (10,000 geodesic areas at 1,000 days).

Step 4. Revision ID: 0003
Revises: 0201_webhooks (step 3)
"""
from alembic import op

revision = '0003'
down_revision = '0201_webhooks'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE control_changes ADD COLUMN area_km2 double precision, ADD COLUMN npoints integer")
    op.execute("UPDATE control_changes SET area_km2 = ST_Area(geom::geography) / 1e6, npoints = ST_NPoints(geom)")


def downgrade() -> None:
    op.execute("ALTER TABLE control_changes DROP COLUMN area_km2, DROP COLUMN npoints")
