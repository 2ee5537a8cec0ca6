"""ninjs jobs: a job's fmt may be 'ninjs' (its text is an IPTC ninjs item as JSON)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 03:30:00
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Frozen as of this revision (service/store/checks.py holds the live list).
FMT_CHECK = "ck_jobs_fmt"
FMT_BEFORE = "fmt IN ('text', 'html')"
FMT_AFTER = "fmt IN ('text', 'html', 'ninjs')"


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_constraint(FMT_CHECK, type_="check")
        batch.create_check_constraint(FMT_CHECK, FMT_AFTER)


def downgrade() -> None:
    # A ninjs job cannot be kept under the old rule; it fails here rather than being changed.
    with op.batch_alter_table("jobs") as batch:
        batch.drop_constraint(FMT_CHECK, type_="check")
        batch.create_check_constraint(FMT_CHECK, FMT_BEFORE)
