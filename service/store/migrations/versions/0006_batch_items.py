"""batch items on their jobs: client id, NDJSON line, position and rejected input, instead of
one JSON manifest on the batch (a 100,000-item list would be read and written whole)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 03:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("item_id", sa.String(200), nullable=True))
        batch.add_column(sa.Column("item_line", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("batch_position", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("input_rejected", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    _move_manifests_to_jobs()
    with op.batch_alter_table("jobs") as batch:
        batch.create_unique_constraint("uq_jobs_batch_position", ["batch_id", "batch_position"])
        batch.create_index("ix_jobs_batch_item", ["batch_id", "item_id"])
    with op.batch_alter_table("batches") as batch:
        batch.drop_column("items")


def _move_manifests_to_jobs() -> None:
    """Each existing batch's manifest ([{"id", "job"}, ...]) becomes its jobs' columns."""
    bind = op.get_bind()
    batches = sa.table("batches", sa.column("id", sa.String), sa.column("items", sa.JSON))
    jobs = sa.table("jobs", sa.column("id", sa.String), sa.column("item_id", sa.String),
                    sa.column("batch_position", sa.Integer))
    for (manifest,) in bind.execute(sa.select(batches.c["items"])).all():
        for position, entry in enumerate(manifest or []):
            bind.execute(jobs.update().where(jobs.c.id == entry["job"])
                         .values(item_id=str(entry["id"]), batch_position=position))


def downgrade() -> None:
    with op.batch_alter_table("batches") as batch:
        batch.add_column(sa.Column("items", sa.JSON(), nullable=False, server_default="[]"))
    _move_jobs_to_manifests()
    with op.batch_alter_table("jobs") as batch:
        batch.drop_index("ix_jobs_batch_item")
        batch.drop_constraint("uq_jobs_batch_position", type_="unique")
        batch.drop_column("input_rejected")
        batch.drop_column("batch_position")
        batch.drop_column("item_line")
        batch.drop_column("item_id")


def _move_jobs_to_manifests() -> None:
    bind = op.get_bind()
    batches = sa.table("batches", sa.column("id", sa.String), sa.column("items", sa.JSON))
    jobs = sa.table("jobs", sa.column("id", sa.String), sa.column("batch_id", sa.String),
                    sa.column("item_id", sa.String), sa.column("batch_position", sa.Integer))
    for (batch_id,) in bind.execute(sa.select(batches.c.id)).all():
        rows = bind.execute(
            sa.select(jobs.c.id, jobs.c.item_id).where(jobs.c.batch_id == batch_id)
            .order_by(jobs.c.batch_position)
        ).all()
        manifest = [{"id": item_id, "job": job_id} for job_id, item_id in rows]
        bind.execute(batches.update().where(batches.c.id == batch_id).values({"items": manifest}))
