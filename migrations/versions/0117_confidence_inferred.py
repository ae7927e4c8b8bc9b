"""A third confidence, 'inferred' (the editor's own inference), beside 'confirmed' and 'claimed'.

Revision ID: 0117_confidence_inferred
Revises: 0001
"""
from alembic import op

revision = "0117_confidence_inferred"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE control_changes DROP CONSTRAINT IF EXISTS ck_control_changes_confidence")
    op.execute("ALTER TABLE control_changes ADD CONSTRAINT ck_control_changes_confidence "
               "CHECK (confidence IN ('confirmed', 'claimed', 'inferred'))")


def downgrade() -> None:
    op.execute("ALTER TABLE control_changes DROP CONSTRAINT IF EXISTS ck_control_changes_confidence")
    op.execute("ALTER TABLE control_changes ADD CONSTRAINT ck_control_changes_confidence "
               "CHECK (confidence IN ('confirmed', 'claimed'))")
