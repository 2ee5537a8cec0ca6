"""a keys generation: one counter bumped with every revocation, so each API process can keep
verified keys in memory and still learn of a revocation made elsewhere within a second

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 04:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    state = op.create_table(
        "api_key_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    # The one row exists from the start: a revocation's bump is a single UPDATE.
    op.bulk_insert(state, [{"id": 1, "generation": 0}])


def downgrade() -> None:
    op.drop_table("api_key_state")
