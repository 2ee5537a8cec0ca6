"""SQL tables: jobs (and the batches grouping them), per-locale results, glossary, keys, candidates.

SQLite by default, PostgreSQL in production; both through SQLAlchemy 2 and Alembic. JSON
columns hold documents the core produces (result versions, glossary entry bodies).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from ..domain import JOB_STATUSES, ROLES, JobStatus, Queue  # noqa: F401  (allowed values)
from .checks import CHECKS


def now() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex


def _checks(table: str) -> list[CheckConstraint]:
    """The table's CHECK constraints (service/store/checks.py)."""
    return [CheckConstraint(condition, name=name)
            for owner, name, condition in CHECKS if owner == table]


class Base(DeclarativeBase):
    type_annotation_map = {dict: JSON, list: JSON}


class ApiKey(Base):
    """An API key: only its SHA-256 is stored; `prefix` finds the row, the hash proves it."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    prefix: Mapped[str] = mapped_column(String(16), unique=True, index=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200), default="")
    # Secret for signing webhooks to this key's callback URLs (HMAC-SHA256).
    webhook_secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (*_checks("api_keys"),)


class ApiKeyState(Base):
    """One row: the keys' generation, bumped in the transaction of every revocation. Each API
    process keeps the keys it verified in memory and drops them when this number moves."""

    __tablename__ = "api_key_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)


class User(Base):
    """A person behind keys and glossary edits (maintainers sign their changes)."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    # An Argon2id hash (service/store/users.py); NULL: the user cannot sign in to the UI.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # Failed sign-ins since the last good one; at the limit the account locks until locked_until.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Bumped when the password changes or an admin signs the user out: older sessions end.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (*_checks("users"),)


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED, index=True)
    queue: Mapped[str] = mapped_column(String(16), default=Queue.INTERACTIVE)  # or batch
    api_key_id: Mapped[str | None] = mapped_column(ForeignKey("api_keys.id"), index=True)
    source_language: Mapped[str] = mapped_column(String(16), default="auto")
    targets: Mapped[list] = mapped_column(JSON)
    fmt: Mapped[str] = mapped_column(String(8), default="text")  # text | html
    text: Mapped[str] = mapped_column(Text)
    engine: Mapped[str | None] = mapped_column(String(32))  # forced engine, if any
    callback_url: Mapped[str | None] = mapped_column(String(2000))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    # The batch this job belongs to, if it was submitted as part of one.
    batch_id: Mapped[str | None] = mapped_column(
        ForeignKey("batches.id", name="fk_jobs_batch_id_batches"), index=True
    )
    # A batch item's place in its batch: the client's id for it, its line in an NDJSON upload
    # (None for a JSON body) and its 0-based position, which orders the batch's results. One
    # row per item, so a 100,000-item batch is never one JSON value read or written whole.
    item_id: Mapped[str | None] = mapped_column(String(200))
    item_line: Mapped[int | None] = mapped_column(Integer)
    batch_position: Mapped[int | None] = mapped_column(Integer)
    # True for a batch item that could not be read (bad JSON, no text, unknown locale): it was
    # failed when it arrived, never queued, and a retry leaves it alone.
    input_rejected: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    request_hash: Mapped[str | None] = mapped_column(String(64))
    # The job-level part of the result document: source_language and normalized.
    normalized: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Until when the job may stay queued or running before the sweeper takes it back (a lost
    # message, a killed worker); None once it is finished.
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    # False when the broker refused the job's message: the sweeper queues it at its next run.
    enqueued: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # How often the sweeper took the job back; past Settings.job_max_sweeps the job fails.
    sweeps: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    results: Mapped[list[JobResult]] = relationship(
        back_populates="job", cascade="all, delete-orphan", order_by="JobResult.locale"
    )
    events: Mapped[list[JobEvent]] = relationship(
        back_populates="job", cascade="all, delete-orphan", order_by="JobEvent.id"
    )

    __table_args__ = (
        UniqueConstraint("api_key_id", "idempotency_key", name="uq_jobs_idempotency"),
        UniqueConstraint("batch_id", "batch_position", name="uq_jobs_batch_position"),
        Index("ix_jobs_batch_item", "batch_id", "item_id"),
        *_checks("jobs"),
    )


class Batch(Base):
    """Many jobs submitted together on the batch queue; the jobs carry its id and their place
    in it (Job.item_id, item_line, batch_position)."""

    __tablename__ = "batches"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    api_key_id: Mapped[str | None] = mapped_column(ForeignKey("api_keys.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    total: Mapped[int] = mapped_column(Integer, default=0)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    __table_args__ = (*_checks("batches"),)


class JobResult(Base):
    """One localized version; unique per (job, locale) so a re-delivered task overwrites."""

    __tablename__ = "job_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(35))
    version: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    job: Mapped[Job] = relationship(back_populates="results")

    __table_args__ = (UniqueConstraint("job_id", "locale", name="uq_job_results_locale"),)


class JobEvent(Base):
    """A status change with its time: queued, running, done, failed (and retries)."""

    __tablename__ = "job_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    job: Mapped[Job] = relationship(back_populates="events")


class WebhookDelivery(Base):
    """Every attempt to POST a finished job to its callback URL."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(String(2000))
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    delivered: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class GlossaryEntry(Base):
    """The live glossary: one row per entity, its body in the YAML entry's shape."""

    __tablename__ = "glossary_entries"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    collection: Mapped[str] = mapped_column(String(100), default="")
    type: Mapped[str] = mapped_column(String(16))
    body: Mapped[dict] = mapped_column(JSON)  # {names, variants, short, note} (+ territory)
    version: Mapped[int] = mapped_column(Integer, default=1)  # the ETag
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_by: Mapped[str] = mapped_column(String(200), default="")
    # Folded forms and the languages with a name, for the maintainers' search
    # (service/store/search.py); written with the body, never by hand.
    search: Mapped[str] = mapped_column(Text, default="", server_default="")
    languages: Mapped[str] = mapped_column(String(1000), default="", server_default="")

    __table_args__ = (*_checks("glossary_entries"),)


class GlossaryHistory(Base):
    """Every version of every entry, for review and undo."""

    __tablename__ = "glossary_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entry_id: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))  # create | update | delete | import | revert
    body: Mapped[dict | None] = mapped_column(JSON)  # after the change; None: deleted
    # The body before the change (None: the entry did not exist or was deleted), so a change
    # can be shown and reverted on its own.
    before: Mapped[dict | None] = mapped_column(JSON)
    changed_by: Mapped[str] = mapped_column(String(200), default="", index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class GlossaryState(Base):
    """One row: a counter bumped on every glossary change, so workers know to reload."""

    __tablename__ = "glossary_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class Candidate(Base):
    """An unknown spelling the workers met: a fuzzy suggestion nobody has ruled on yet."""

    __tablename__ = "candidates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    spelling: Mapped[str] = mapped_column(String(300))
    language: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[str | None] = mapped_column(String(200))  # the suggested entity
    kind: Mapped[str] = mapped_column(String(16), default="fuzzy")
    count: Mapped[int] = mapped_column(Integer, default=0)
    contexts: Mapped[list] = mapped_column(JSON, default=list)  # a few recent snippets
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    # The matcher's similarity to the suggested entity (0-1), the highest seen.
    score: Mapped[float | None] = mapped_column(Float)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    decided_by: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = (
        UniqueConstraint("spelling", "language", "entity_id", name="uq_candidates_spelling"),
        Index("ix_candidates_entity", "entity_id"),
        *_checks("candidates"),
    )


class EntityMention(Base):
    """A job that linked a glossary entity: the entry page lists the recent articles."""

    __tablename__ = "entity_mentions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entity_id: Mapped[str] = mapped_column(String(200))
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    __table_args__ = (Index("ix_entity_mentions_entity_at", "entity_id", "at"),)


class ImportPlanRow(Base):
    """An import's dry run, kept until its author applies or discards it (a day at most), with
    the upload it was made from, so any API process can apply it or plan it again."""

    __tablename__ = "import_plans"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_name: Mapped[str] = mapped_column(String(200))
    options: Mapped[dict] = mapped_column(JSON)
    plan: Mapped[str] = mapped_column(Text)  # ImportPlan.to_json()
    upload: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now,
                                                 index=True)


class AppSecret(Base):
    """Secrets the processes of one deployment share, made on first use (the UI's session key
    when AUDARMA_SECRET_KEY is not set)."""

    __tablename__ = "app_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
