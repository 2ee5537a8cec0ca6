"""column checks: the database refuses what the API refuses

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 23:30:00

The API validates every field before it reaches SQL; these checks make the database hold the
same rules, so a bug or a script writing directly cannot store a state, role or length the
service would never produce. SQLite does not enforce VARCHAR lengths, hence the length checks.
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# (table, constraint name, condition), frozen as of this revision (service/store/checks.py
# holds the live list).
CHECKS = [
    ("jobs", "ck_jobs_status", "status IN ('queued', 'running', 'done', 'failed')"),
    ("jobs", "ck_jobs_queue", "queue IN ('interactive', 'batch')"),
    ("jobs", "ck_jobs_fmt", "fmt IN ('text', 'html')"),
    ("jobs", "ck_jobs_counts", "attempts >= 0 AND sweeps >= 0"),
    ("jobs", "ck_jobs_idempotency_key", "length(idempotency_key) <= 200"),
    ("api_keys", "ck_api_keys_role", "role IN ('editor', 'maintainer', 'admin')"),
    ("batches", "ck_batches_name", "length(name) <= 200"),
    ("glossary_entries", "ck_glossary_entries_type",
     "type IN ('person', 'place', 'organization', 'term')"),
    ("glossary_entries", "ck_glossary_entries_version", "version >= 1"),
    ("glossary_entries", "ck_glossary_entries_lengths",
     "length(id) <= 200 AND length(collection) <= 100"),
    ("candidates", "ck_candidates_status", "status IN ('pending', 'approved', 'rejected')"),
]


def upgrade() -> None:
    for table in dict.fromkeys(table for table, _, _ in CHECKS):
        with op.batch_alter_table(table) as batch:
            for owner, name, condition in CHECKS:
                if owner == table:
                    batch.create_check_constraint(name, condition)


def downgrade() -> None:
    for table in dict.fromkeys(table for table, _, _ in CHECKS):
        with op.batch_alter_table(table) as batch:
            for owner, name, _ in CHECKS:
                if owner == table:
                    batch.drop_constraint(name, type_="check")
