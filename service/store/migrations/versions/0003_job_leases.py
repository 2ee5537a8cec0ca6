"""job leases: how long a queued or running job may wait before the sweeper takes it back

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 22:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        # NULL: the job is finished (done or failed) and holds no lease.
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        # False: the broker refused the job's message; the sweeper queues it.
        batch.add_column(
            sa.Column("enqueued", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.add_column(
            sa.Column("sweeps", sa.Integer(), nullable=False, server_default="0")
        )
        batch.create_index("ix_jobs_lease_until", ["lease_until"])


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_index("ix_jobs_lease_until")
        batch.drop_column("sweeps")
        batch.drop_column("enqueued")
        batch.drop_column("lease_until")
