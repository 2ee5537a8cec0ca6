"""maintainer UI: passwords and lockout, search columns, change history with its before,
candidate scores, the articles that mentioned an entity, import dry runs, shared secrets

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 02:00:00
"""

import sqlalchemy as sa
from alembic import op

from service.store.search import entry_search_fields

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Frozen as of this revision (service/store/checks.py holds the live list).
USER_CHECKS = [
    ("ck_users_role", "role IN ('editor', 'maintainer', 'admin')"),
    ("ck_users_failed_logins", "failed_logins >= 0"),
]


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("password_hash", sa.String(200), nullable=True))
        batch.add_column(
            sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0")
        )
        for name, condition in USER_CHECKS:
            batch.create_check_constraint(name, condition)
    with op.batch_alter_table("glossary_entries") as batch:
        batch.add_column(sa.Column("search", sa.Text(), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("languages", sa.String(1000), nullable=False, server_default="")
        )
    with op.batch_alter_table("glossary_history") as batch:
        batch.add_column(sa.Column("before", sa.JSON(), nullable=True))
        batch.create_index("ix_glossary_history_changed_by", ["changed_by"])
    with op.batch_alter_table("candidates") as batch:
        batch.add_column(sa.Column("score", sa.Float(), nullable=True))
    op.create_table(
        "entity_mentions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("entity_id", sa.String(200), nullable=False),
        sa.Column("job_id", sa.String(32), sa.ForeignKey("jobs.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_entity_mentions_job_id", "entity_mentions", ["job_id"])
    op.create_index("ix_entity_mentions_entity_at", "entity_mentions", ["entity_id", "at"])
    op.create_table(
        "import_plans",
        sa.Column("token", sa.String(64), primary_key=True),
        sa.Column("user_name", sa.String(200), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column("upload", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_import_plans_created_at", "import_plans", ["created_at"])
    op.create_table(
        "app_secrets",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
    )
    _backfill_search()
    _trigram_index()


def _trigram_index() -> None:
    """On PostgreSQL, a trigram index lets the maintainers' search (LIKE '%...%' on the folded
    forms) skip most of a large glossary. pg_trgm ships with PostgreSQL and is a trusted
    extension, so a database owner may create it; where it cannot be created the search still
    works, as a scan (about 120 ms at 100,000 entries, bench/ui.py)."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    try:
        with bind.begin_nested():  # a refused statement must not abort the migration
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
            bind.execute(sa.text(
                "CREATE INDEX ix_glossary_entries_search_trgm ON glossary_entries "
                "USING gin (search gin_trgm_ops)"))
    except sa.exc.DBAPIError as exc:
        print(f"0005: no trigram index for the glossary search ({exc.orig}); "
              "searches scan the table instead")


def _backfill_search() -> None:
    """Entries written before this revision get their search columns."""
    bind = op.get_bind()
    entries = sa.table("glossary_entries", sa.column("id", sa.String), sa.column("body", sa.JSON),
                       sa.column("search", sa.Text), sa.column("languages", sa.String))
    rows = bind.execute(sa.select(entries.c.id, entries.c.body)).all()
    for entry_id, body in rows:
        bind.execute(entries.update().where(entries.c.id == entry_id)
                     .values(**entry_search_fields(entry_id, body or {})))


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_glossary_entries_search_trgm")
    op.drop_table("app_secrets")
    op.drop_index("ix_import_plans_created_at", "import_plans")
    op.drop_table("import_plans")
    op.drop_index("ix_entity_mentions_entity_at", "entity_mentions")
    op.drop_index("ix_entity_mentions_job_id", "entity_mentions")
    op.drop_table("entity_mentions")
    with op.batch_alter_table("candidates") as batch:
        batch.drop_column("score")
    with op.batch_alter_table("glossary_history") as batch:
        batch.drop_index("ix_glossary_history_changed_by")
        batch.drop_column("before")
    with op.batch_alter_table("glossary_entries") as batch:
        batch.drop_column("languages")
        batch.drop_column("search")
    with op.batch_alter_table("users") as batch:
        for name, _ in USER_CHECKS:
            batch.drop_constraint(name, type_="check")
        batch.drop_column("session_epoch")
        batch.drop_column("locked_until")
        batch.drop_column("failed_logins")
        batch.drop_column("password_hash")
