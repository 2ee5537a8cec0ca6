"""Repositories: the only code that reads and writes the tables. Views and tasks call these.

Every method opens its own short transaction and returns plain dicts or core objects, so no
SQLAlchemy object escapes into the API or a task.
"""

from __future__ import annotations

import builtins
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

from sqlalchemy import func, insert, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..core.folding import fold
from ..core.glossary import (
    Entry,
    cross_check,
    parse_entry,
    read_collections,
    variants_from_data,
)
from ..domain import JobStatus, Queue
from .db import Database
from .models import (
    ApiKey,
    ApiKeyState,
    Candidate,
    EntityMention,
    GlossaryEntry,
    GlossaryHistory,
    GlossaryState,
    Job,
    JobEvent,
    JobResult,
    WebhookDelivery,
    now,
)
from .search import (
    SEPARATOR,
    entry_search_fields,
    language_pattern,
    like_escape,
    query_pattern,
)

MAX_CONTEXTS = 5  # snippets kept per candidate
MAX_HISTORY = 10_000  # versions of one entry shown
# Fields a client gets back from GET and may send back in PUT; the server owns them.
_READ_ONLY = frozenset({"version", "collection", "updated_at", "updated_by", "territory"})


class NotFound(LookupError):
    """No row with that id (or not one this caller may see)."""


class StaleWrite(Exception):
    """If-Match named a version that is no longer current."""

    def __init__(self, current: int):
        super().__init__(f"the entry has changed: current version is {current}")
        self.current = current


class AlreadyExists(Exception):
    """A create for an id that is already taken."""


class IdempotencyConflict(Exception):
    """The same Idempotency-Key was used with a different request body."""


class ConcurrentWrite(Exception):
    """Two writers inserted the same row at once (two deliveries of one job saving its results):
    the loser may simply try again."""


class InvalidGlossaryEntry(ValueError):
    """An entry body that fails glossary validation; the message names the field."""


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    # SQLite hands timestamps back without their zone; every timestamp is stored in UTC.
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


# --------------------------------------------------------------------------- jobs


def request_hash(payload: dict) -> str:
    """Hash of a submission's meaning, for Idempotency-Key checks (key order does not matter)."""
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Leases:
    """How long a job may sit in each state before the sweeper takes it back.

    `running` must exceed the worker's hard time limit, so a job still being worked on is never
    taken back; `queued` is how long a message may wait in the broker before it is sent again
    (a broker that restarts without persistence loses its queues). Past `max_sweeps` take-backs
    the job fails with an error that says so.
    """

    queued: float = 900.0
    running: float = 300.0
    max_sweeps: int = 3


@dataclass(frozen=True)
class Sweep:
    """What one sweep did: jobs to hand to the broker again, and jobs it gave up on."""

    requeue: list[tuple[str, str]]  # (job id, queue)
    failed: list[str]


class JobStore:
    def __init__(self, db: Database, leases: Leases | None = None, synchronous: bool = True):
        self.db = db
        self.leases = leases or Leases()
        # False for the batch chunks' store: their commits do not wait for the disk (see
        # Database.session). An editor's interactive commit then never queues behind an
        # archive's result rows being flushed; the benchmark put that at 2x to 1.4x idle.
        self.synchronous = synchronous

    def _session(self) -> AbstractContextManager[Session]:
        return self.db.session(self.synchronous)

    def _lease(self, seconds: float) -> datetime:
        return now() + timedelta(seconds=seconds)

    def submit(
        self,
        *,
        api_key_id: str | None,
        text: str,
        targets: Sequence[str],
        source_language: str = "auto",
        fmt: str = "text",
        engine: str | None = None,
        callback_url: str | None = None,
        idempotency_key: str | None = None,
        queue: str = Queue.INTERACTIVE,
    ) -> tuple[dict, bool]:
        """Create a queued job; with an Idempotency-Key seen before, return that job instead.

        Returns (job, created). Raises IdempotencyConflict when the key was used with a
        different request.
        """
        digest = request_hash(
            {"text": text, "targets": list(targets), "source_language": source_language,
             "fmt": fmt, "engine": engine, "callback_url": callback_url, "queue": queue}
        )
        if idempotency_key:
            found = self._by_idempotency(api_key_id, idempotency_key)
            if found is not None:
                return self._check_same(found, digest), False
        job = Job(
            api_key_id=api_key_id, text=text, targets=list(targets),
            source_language=source_language, fmt=fmt, engine=engine, callback_url=callback_url,
            idempotency_key=idempotency_key, request_hash=digest, queue=queue,
            lease_until=self._lease(self.leases.queued),
        )
        job.events.append(JobEvent(status=JobStatus.QUEUED))
        try:
            with self._session() as session:
                session.add(job)
                session.flush()
                created = self._job_dict(job)  # no second round trip to read it back
        except IntegrityError:
            # Two requests with one key raced; the other one won.
            found = self._by_idempotency(api_key_id, idempotency_key)
            if found is None:
                raise
            return self._check_same(found, digest), False
        return created, True

    def _by_idempotency(self, api_key_id: str | None, key: str | None) -> dict | None:
        with self._session() as session:
            job = session.scalar(
                select(Job).where(Job.api_key_id == api_key_id, Job.idempotency_key == key)
            )
            return self._job_dict(job) if job else None

    @staticmethod
    def _check_same(job: dict, digest: str) -> dict:
        if job["request_hash"] != digest:
            raise IdempotencyConflict(
                "this Idempotency-Key was already used with a different request body"
            )
        return job

    def get(self, job_id: str, api_key_id: str | None = None) -> dict | None:
        """The job with its events; with api_key_id, only if that key submitted it."""
        with self._session() as session:
            job = session.get(Job, job_id)
            if job is None or (api_key_id is not None and job.api_key_id != api_key_id):
                return None
            return self._job_dict(job)

    def document(self, job_id: str) -> dict | None:
        """The result document (architecture.md) of a finished job."""
        with self._session() as session:
            job = session.get(Job, job_id)
            if job is None or job.normalized is None:
                return None
            versions = {r.locale: r.version for r in job.results}
            ordered = {t: versions[t] for t in job.normalized.get("targets", []) if t in versions}
            ordered.update({k: v for k, v in versions.items() if k not in ordered})
            return {
                "source_language": job.normalized["source_language"],
                "normalized": job.normalized["normalized"],
                "versions": ordered,
            }

    def claim(self, job_id: str) -> dict | None:
        """Mark a job running; None when it is unknown or already finished (re-delivery)."""
        claimed = self.claim_many([job_id])
        return claimed[0] if claimed else None

    def claim_many(self, job_ids: Sequence[str]) -> list[dict]:
        """Mark these jobs running, in one transaction, and return what a worker needs to run
        them, in the order given; unknown and finished jobs (a re-delivery) are left out.

        A batch chunk claims its 50 jobs at once: one commit instead of fifty. Rows are locked
        in id order, so two deliveries of overlapping chunks cannot deadlock. A claimed job
        holds the running lease: if its worker dies, the sweeper takes it back."""
        wanted = list(dict.fromkeys(job_ids))
        if not wanted:
            return []
        at = now()
        lease = at + timedelta(seconds=self.leases.running)
        with self._session() as session:
            rows = session.execute(
                select(Job.id, Job.attempts, Job.queue, Job.api_key_id, Job.text, Job.fmt,
                       Job.targets, Job.source_language, Job.engine, Job.callback_url)
                .where(Job.id.in_(wanted),
                       Job.status.not_in((JobStatus.DONE, JobStatus.FAILED)))
                .order_by(Job.id).with_for_update()
            ).all()
            if not rows:
                return []
            # enqueued: a worker has it, so the broker did get it
            session.execute(update(Job), [
                {"id": r.id, "attempts": r.attempts + 1, "status": JobStatus.RUNNING,
                 "updated_at": at, "lease_until": lease, "enqueued": True} for r in rows
            ])
            session.execute(insert(JobEvent), [
                {"job_id": r.id, "status": JobStatus.RUNNING, "at": at,
                 "detail": f"attempt {r.attempts + 1}" if r.attempts else ""} for r in rows
            ])
        claimed = {
            r.id: {"id": r.id, "status": JobStatus.RUNNING, "queue": r.queue,
                   "api_key_id": r.api_key_id, "text": r.text, "fmt": r.fmt,
                   "targets": list(r.targets), "source_language": r.source_language,
                   "engine": r.engine, "callback_url": r.callback_url,
                   "attempts": r.attempts + 1}
            for r in rows
        }
        return [claimed[job_id] for job_id in wanted if job_id in claimed]

    def save_results(self, job_id: str, document: dict) -> None:
        """Store a result document; results are keyed by (job, locale), so a second run of the
        same job overwrites rather than duplicates."""
        self._save_results([(job_id, document)], done=False)

    def complete(self, job_id: str, document: dict) -> None:
        """Store a result document and mark the job done (see complete_many)."""
        self.complete_many([(job_id, document)])

    def complete_many(self, documents: Sequence[tuple[str, dict]]) -> None:
        """Store result documents and mark their jobs done, all in one transaction: a reader
        never sees a done job without its results, and a chunk's worker pays one commit."""
        self._save_results(documents, done=True)

    def _save_results(self, documents: Sequence[tuple[str, dict]], done: bool) -> None:
        if not documents:
            return
        try:
            self._write_results(documents, done)
        except IntegrityError as exc:
            which = ", ".join(job_id for job_id, _ in documents[:3])
            raise ConcurrentWrite(f"results of job {which} were being saved twice") from exc

    def _write_results(self, documents: Sequence[tuple[str, dict]], done: bool) -> None:
        """Plain bulk statements, not objects: a job's results are never loaded to be
        replaced, only their ids are read."""
        ids = [job_id for job_id, _ in documents]
        at = now()
        with self._session() as session:
            found = set(session.scalars(select(Job.id).where(Job.id.in_(ids))))
            missing = [job_id for job_id in ids if job_id not in found]
            if missing:
                raise NotFound(missing[0])
            finished = {"status": JobStatus.DONE, "error": None, "updated_at": at,
                        "lease_until": None} if done else {}
            session.execute(update(Job), [
                {"id": job_id, **finished, "normalized": {
                    "source_language": document["source_language"],
                    "normalized": document["normalized"],
                    "targets": list(document["versions"]),
                }} for job_id, document in documents
            ])
            if done:
                session.execute(insert(JobEvent), [
                    {"job_id": job_id, "status": JobStatus.DONE, "detail": "", "at": at}
                    for job_id in ids
                ])
            existing = {(job_id, locale): row_id for job_id, locale, row_id in session.execute(
                select(JobResult.job_id, JobResult.locale, JobResult.id)
                .where(JobResult.job_id.in_(ids))
            )}
            added, replaced = [], []
            for job_id, document in documents:
                for locale, version in document["versions"].items():
                    row_id = existing.get((job_id, locale))
                    if row_id is None:
                        added.append({"job_id": job_id, "locale": locale, "version": version,
                                      "created_at": at})
                    else:
                        replaced.append({"id": row_id, "version": version})
            if added:
                session.execute(insert(JobResult), added)
            if replaced:
                session.execute(update(JobResult), replaced)

    def renew(self, job_ids: Sequence[str]) -> None:
        """Give claimed jobs a fresh running lease: a chunk that runs longer than the lease
        renews the jobs it has not reached yet, so the sweeper never takes back a job whose
        worker is alive and will get to it."""
        if not job_ids:
            return
        with self._session() as session:
            session.execute(
                update(Job).where(Job.id.in_(list(job_ids)), Job.status == JobStatus.RUNNING)
                .values(lease_until=self._lease(self.leases.running))
            )

    def release(self, job_ids: Sequence[str], detail: str) -> None:
        """Put claimed jobs that never started back to queued (a chunk that ran out of time
        hands them on): the queued lease, not a take-back, covers them from here."""
        if not job_ids:
            return
        at = now()
        with self._session() as session:
            released = list(session.scalars(
                update(Job).where(Job.id.in_(list(job_ids)), Job.status == JobStatus.RUNNING)
                .values(status=JobStatus.QUEUED, updated_at=at,
                        lease_until=at + timedelta(seconds=self.leases.queued))
                .returning(Job.id)
            ))
            if released:
                session.execute(insert(JobEvent), [
                    {"job_id": job_id, "status": JobStatus.QUEUED, "detail": detail, "at": at}
                    for job_id in released
                ])

    def finish(self, job_id: str) -> None:
        self._set(job_id, JobStatus.DONE)

    def fail(self, job_id: str, error: str) -> None:
        self._set(job_id, JobStatus.FAILED, error=error)

    def note_retry(self, job_id: str, detail: str) -> None:
        self._set(job_id, JobStatus.QUEUED, detail=f"retry: {detail}")

    def mark_unqueued(self, job_id: str, reason: str) -> None:
        """The broker refused the job's message: it stays queued, and the next sweep sends it
        (without counting a take-back: the job never reached a worker)."""
        with self._session() as session:
            job = session.get(Job, job_id)
            if job is None:
                raise NotFound(job_id)
            job.enqueued = False
            job.lease_until = now()
            job.updated_at = now()
            job.events.append(JobEvent(
                status=JobStatus.QUEUED, detail=f"not queued: {reason}; queued again later"
            ))

    def sweep(self, limit: int = 500, busy_queues: Iterable[str] = ()) -> Sweep:
        """Take back every unfinished job whose lease ran out (or whose message the broker
        refused), oldest first: queue it again, or fail it once it has been taken back from a
        dead worker more than Leases.max_sweeps times (a job that kills its worker).

        A queued job on a queue in `busy_queues` (the broker still holds messages there) is
        left alone even past its lease: it is more likely waiting behind a backlog than lost,
        and sending a whole backlog again would double it. Once the queue drains, what is still
        queued past its lease was lost and is sent again.

        Locked rows are skipped (FOR UPDATE SKIP LOCKED on PostgreSQL), so two sweepers at once
        never take the same job; the caller hands `requeue` to the broker after the commit.
        """
        at = now()
        busy = set(busy_queues)
        requeue: list[tuple[str, str]] = []
        failed: list[str] = []
        with self._session() as session:
            due = session.scalars(
                select(Job)
                .where(Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)),
                       Job.lease_until <= at)
                .order_by(Job.lease_until)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            for job in due:
                if job.enqueued and job.status == JobStatus.QUEUED and job.queue in busy:
                    continue
                if not job.enqueued:
                    detail = "queued again: the broker had refused it"
                elif job.status == JobStatus.QUEUED:
                    # Never started: its message was lost (a broker restarted without its
                    # queues, or a worker died holding the chunk it was in). That says nothing
                    # against the job, so it does not count towards giving up.
                    detail = "lease expired while queued; queued again (its message was lost)"
                else:
                    job.sweeps += 1
                    detail = (f"lease expired while {job.status}; queued again "
                              f"(take-back {job.sweeps} of {self.leases.max_sweeps})")
                if job.sweeps > self.leases.max_sweeps:
                    error = (f"gave up after {self.leases.max_sweeps} take-backs: the job's "
                             "worker was lost each time while it ran")
                    job.status, job.error, job.lease_until = JobStatus.FAILED, error, None
                    job.events.append(JobEvent(status=JobStatus.FAILED, detail=error))
                    failed.append(job.id)
                else:
                    job.status, job.enqueued = JobStatus.QUEUED, True
                    job.lease_until = at + timedelta(seconds=self.leases.queued)
                    job.events.append(JobEvent(status=JobStatus.QUEUED, detail=detail))
                    requeue.append((job.id, job.queue))
                job.updated_at = at
        return Sweep(requeue, failed)

    def _set(self, job_id: str, status: str, error: str | None = None, detail: str = "") -> None:
        with self._session() as session:
            job = session.get(Job, job_id)
            if job is None:
                raise NotFound(job_id)
            job.status = status
            job.error = error
            job.updated_at = now()
            if status == JobStatus.QUEUED:
                job.lease_until = self._lease(self.leases.queued)
            elif status in (JobStatus.DONE, JobStatus.FAILED):
                job.lease_until = None
            job.events.append(JobEvent(status=status, detail=detail or (error or "")))

    def counts_by_status(self) -> dict[str, int]:
        with self._session() as session:
            rows = session.execute(select(Job.status, func.count()).group_by(Job.status))
            return {status: count for status, count in rows}

    @staticmethod
    def _job_dict(job: Job) -> dict:
        return {
            "id": job.id,
            "status": job.status,
            "queue": job.queue,
            "api_key_id": job.api_key_id,
            "text": job.text,
            "fmt": job.fmt,
            "targets": list(job.targets),
            "source_language": job.source_language,
            "engine": job.engine,
            "callback_url": job.callback_url,
            "request_hash": job.request_hash,
            "error": job.error,
            "attempts": job.attempts,
            "created_at": _iso(job.created_at),
            "updated_at": _iso(job.updated_at),
            "events": [
                {"status": e.status, "at": _iso(e.at), "detail": e.detail} for e in job.events
            ],
        }


class WebhookLog:
    def __init__(self, db: Database):
        self.db = db

    def record(
        self,
        job_id: str,
        attempt: int,
        url: str,
        status_code: int | None,
        error: str | None,
        delivered: bool,
    ) -> None:
        with self.db.session() as session:
            session.add(WebhookDelivery(job_id=job_id, attempt=attempt, url=url,
                                        status_code=status_code, error=error,
                                        delivered=delivered))

    def attempts(self, job_id: str) -> list[dict]:
        with self.db.session() as session:
            rows = session.scalars(
                select(WebhookDelivery).where(WebhookDelivery.job_id == job_id)
                .order_by(WebhookDelivery.id)
            )
            return [
                {"attempt": r.attempt, "url": r.url, "status_code": r.status_code,
                 "error": r.error, "delivered": r.delivered, "at": _iso(r.at)}
                for r in rows
            ]


# --------------------------------------------------------------------------- keys

KEY_PREFIX = "ak_"
# Verified keys one process keeps; past this the cache starts again (a flood of distinct valid
# keys cannot grow it without bound).
MAX_CACHED_KEYS = 10_000


def _hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


class KeyStore:
    """API keys. A key is `ak_<prefix>_<secret>`; only its SHA-256 is stored.

    Every request authenticates, so a verified key is kept in this process's memory rather
    than read from the database each time. A revocation must still bite in every process (other
    gunicorn workers, other hosts) promptly: it bumps the keys' generation (api_key_state) in
    its own transaction, each process reads that number at most once every `cache_seconds`
    and drops what it has cached when the number moved, and the revoking process drops its
    cache at once. Anything that changes a key's role or removes a key must bump it too
    (_bump). cache_seconds 0: nothing is cached, every request reads its key.
    """

    def __init__(self, db: Database, cache_seconds: float = 0.0,
                 clock: Callable[[], float] = time.monotonic):
        self.db = db
        self.cache_seconds = cache_seconds  # Settings.key_cache_seconds
        self._clock = clock
        self._lock = threading.Lock()  # gunicorn threads share one store
        self._verified: dict[str, dict] = {}  # SHA-256 of a key -> its caller
        self._generation: int | None = None  # as last read; None: never read
        self._checked_at = 0.0

    def create(self, role: str, name: str = "") -> tuple[str, dict]:
        from ..domain import ROLES

        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
        prefix = secrets.token_hex(4)
        plaintext = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(24)}"
        key = ApiKey(prefix=prefix, key_hash=_hash_key(plaintext), role=role, name=name,
                     webhook_secret=secrets.token_hex(32))
        with self.db.session() as session:
            session.add(key)
        return plaintext, self._key_dict(key)

    def authenticate(self, plaintext: str) -> dict | None:
        if self.cache_seconds <= 0:
            return self._authenticate(plaintext)
        generation = self._current_generation()
        digest = _hash_key(plaintext)
        cached = self._verified.get(digest)
        if cached is not None:
            return cached
        found = self._authenticate(plaintext)
        with self._lock:
            # A revocation seen by another thread while the key was read dropped the cache and
            # moved the generation: a key read before it must not be cached after it.
            if found is not None and self._generation == generation:
                if len(self._verified) >= MAX_CACHED_KEYS:
                    self._verified.clear()
                self._verified[digest] = found
        return found

    def _current_generation(self) -> int | None:
        """The keys' generation, read again when cache_seconds have passed since the last read;
        when it moved, the cached keys are dropped."""
        with self._lock:
            now = self._clock()
            if self._generation is not None and now - self._checked_at < self.cache_seconds:
                return self._generation
        with self.db.session() as session:
            state = session.get(ApiKeyState, 1)
            generation = state.generation if state else 0
        with self._lock:
            if generation != self._generation:
                self._verified.clear()
                self._generation = generation
            self._checked_at = now
            return generation

    def _authenticate(self, plaintext: str) -> dict | None:
        parts = plaintext.split("_", 2) if plaintext.startswith(KEY_PREFIX) else []
        if len(parts) != 3:
            return None
        with self.db.session() as session:
            key = session.scalar(select(ApiKey).where(ApiKey.prefix == parts[1]))
            if key is None or key.revoked:
                return None
            if not hmac.compare_digest(key.key_hash, _hash_key(plaintext)):
                return None
            return self._key_dict(key)

    def webhook_secret(self, key_id: str | None) -> str | None:
        if key_id is None:
            return None
        with self.db.session() as session:
            key = session.get(ApiKey, key_id)
            return key.webhook_secret if key else None

    def revoke(self, key_id: str) -> None:
        with self.db.session() as session:
            key = session.get(ApiKey, key_id)
            if key is None:
                raise NotFound(key_id)
            key.revoked = True
            generation = self._bump(session)
        with self._lock:
            self._verified.clear()
            self._generation = generation

    @staticmethod
    def _bump(session: Session) -> int:
        """Move the keys' generation on, in the transaction that changes a key, so that every
        process drops the keys it has cached; the new generation. One UPDATE: two revocations
        at once each move it (the row lock orders them), and neither is lost."""
        bumped = session.execute(
            update(ApiKeyState).where(ApiKeyState.id == 1)
            .values(generation=ApiKeyState.generation + 1)
            .returning(ApiKeyState.generation)
        ).scalar()
        if bumped is None:  # a database whose row was removed by hand: start it again
            session.add(ApiKeyState(id=1, generation=1))
            return 1
        return bumped

    def count(self) -> int:
        with self.db.session() as session:
            return session.scalar(select(func.count()).select_from(ApiKey)) or 0

    def list(self) -> builtins.list[dict]:
        """Every key, newest first, with its state (never the key or its hash)."""
        with self.db.session() as session:
            rows = session.scalars(select(ApiKey).order_by(ApiKey.created_at.desc()))
            return [{**self._key_dict(k), "created_at": _iso(k.created_at),
                     "revoked": k.revoked} for k in rows]

    @staticmethod
    def _key_dict(key: ApiKey) -> dict:
        return {"id": key.id, "role": key.role, "name": key.name, "prefix": key.prefix}


# --------------------------------------------------------------------------- glossary


def entry_body(entry: Entry) -> dict:
    body = entry.to_dict()
    body.pop("id")
    body.pop("type")
    if entry.territory:
        body["territory"] = entry.territory
    return body


def entry_from_dict(data: Mapping) -> Entry:
    """A stored entry as a dict (GlossaryStore.get, a history body) as the core Entry the
    workers build."""
    return Entry(
        id=data["id"],
        type=data["type"],
        names=MappingProxyType(dict(data.get("names") or {})),
        variants=variants_from_data(data.get("variants") or ()),
        short=MappingProxyType(dict(data.get("short") or {})),
        note=data.get("note", ""),
        collection=data.get("collection") or "",
        territory=data.get("territory"),
    )


def entry_from_row(row: GlossaryEntry) -> Entry:
    return entry_from_dict({**row.body, "id": row.id, "type": row.type,
                            "collection": row.collection})


class GlossaryStore:
    """The live glossary. Every change bumps one revision counter that workers poll."""

    def __init__(self, db: Database):
        self.db = db

    # -- reading

    def revision(self) -> int:
        with self.db.session() as session:
            state = session.get(GlossaryState, 1)
            return state.revision if state else 0

    def entries(self) -> list[Entry]:
        """Every live entry as a core Entry, ready for NameIndex.build."""
        with self.db.session() as session:
            rows = session.scalars(
                select(GlossaryEntry).where(GlossaryEntry.deleted.is_(False))
                .order_by(GlossaryEntry.id)
            )
            return [entry_from_row(row) for row in rows]

    def list(
        self, q: str | None = None, type: str | None = None, limit: int = 100, offset: int = 0,
        *, collection: str | None = None, missing: str | None = None,
    ) -> tuple[list[dict], int]:
        """Live entries matching a query in any language or variant (case, accents and
        look-alike letters ignored), of a type, in a collection, or without a name in the
        language `missing`; and how many match in all."""
        with self.db.session() as session:
            query = select(GlossaryEntry).where(GlossaryEntry.deleted.is_(False))
            if type:
                query = query.where(GlossaryEntry.type == type)
            if collection:
                query = query.where(GlossaryEntry.collection == collection)
            if missing:
                query = query.where(GlossaryEntry.languages.not_like(language_pattern(missing)))
            if q and q.strip():
                query = query.where(GlossaryEntry.search.like(query_pattern(q), escape="\\"))
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = session.scalars(query.order_by(GlossaryEntry.id).limit(limit).offset(offset))
            return [self._entry_dict(row) for row in rows], total

    def collections(self) -> builtins.list[str]:
        """The collections that hold a live entry, for the list's filter."""
        with self.db.session() as session:
            return builtins.list(session.scalars(
                select(GlossaryEntry.collection).where(GlossaryEntry.deleted.is_(False))
                .distinct().order_by(GlossaryEntry.collection)
            ))

    def get(self, entry_id: str) -> dict | None:
        with self.db.session() as session:
            row = session.get(GlossaryEntry, entry_id)
            return None if row is None or row.deleted else self._entry_dict(row)

    # `builtins.list` in annotations below: in this class `list` is the method above.
    def history(self, entry_id: str) -> builtins.list[dict]:
        """Every version of one entry, oldest first."""
        return builtins.list(reversed(self.changes(entry_id=entry_id, limit=MAX_HISTORY)))

    def changes(
        self, entry_id: str | None = None, by: str | None = None, limit: int = 100,
        offset: int = 0,
    ) -> builtins.list[dict]:
        """Changes to the glossary, newest first, optionally of one entry or by one person."""
        with self.db.session() as session:
            query = select(GlossaryHistory)
            if entry_id:
                query = query.where(GlossaryHistory.entry_id == entry_id)
            if by:
                query = query.where(GlossaryHistory.changed_by == by)
            rows = session.scalars(
                query.order_by(GlossaryHistory.id.desc()).limit(limit).offset(offset)
            )
            return [self._change_dict(r) for r in rows]

    def change(self, change_id: int) -> dict | None:
        with self.db.session() as session:
            row = session.get(GlossaryHistory, change_id)
            return self._change_dict(row) if row else None

    @staticmethod
    def _change_dict(r: GlossaryHistory) -> dict:
        return {"id": r.id, "entry_id": r.entry_id, "version": r.version, "action": r.action,
                "body": r.body, "before": r.before, "changed_by": r.changed_by,
                "at": _iso(r.at)}

    # -- writing

    def create(self, body: dict, by: str) -> dict:
        with self.db.session() as session:
            entry_id = self.create_in(session, body, by)
        return self._written(entry_id)

    def create_in(self, session: Session, body: dict, by: str) -> str:
        """create inside the caller's transaction (a new entity from a candidate); its id."""
        entry = self._validate(body)
        row = session.get(GlossaryEntry, entry.id)
        if row is not None and not row.deleted:
            raise AlreadyExists(f"a glossary entry with id {entry.id!r} already exists")
        if row is None:
            row = GlossaryEntry(id=entry.id, version=0)
            session.add(row)
        self._write(session, row, entry, by, "create")
        return entry.id

    def update(self, entry_id: str, body: dict, expected_version: int, by: str) -> dict:
        entry = self._validate({**body, "id": entry_id})
        with self.db.session() as session:
            row = self._current(session, entry_id, expected_version)
            # CLDR territories keep their code: their names in other locales come from it.
            entry = replace(entry, collection=row.collection, territory=row.body.get("territory"))
            self._write(session, row, entry, by, "update")
        return self._written(entry_id)

    def delete(self, entry_id: str, expected_version: int, by: str) -> None:
        with self.db.session() as session:
            row = self._current(session, entry_id, expected_version)
            self._delete(session, row, by, "delete")

    def _delete(self, session: Session, row: GlossaryEntry, by: str, action: str) -> None:
        before = self._full_body(row)
        row.deleted = True
        row.version += 1
        row.updated_at, row.updated_by = now(), by
        session.add(GlossaryHistory(entry_id=row.id, version=row.version, action=action,
                                    body=None, before=before, changed_by=by))
        self._bump(session)

    def revert(self, change_id: int, by: str) -> dict:
        """Undo one change: the entry gets the body it had before that change, as a new version
        (a change that created the entry deletes it). Later changes stay in the history, and
        the revert can itself be reverted."""
        with self.db.session() as session:
            change = session.get(GlossaryHistory, change_id)
            if change is None:
                raise NotFound(str(change_id))
            row = session.get(GlossaryEntry, change.entry_id, with_for_update=True)
            before = change.before
            if before is None:
                if row is None or row.deleted:
                    raise InvalidGlossaryEntry(
                        f"change {change_id} created {change.entry_id!r}, which is already "
                        "deleted: there is nothing to revert")
                self._delete(session, row, by, "revert")
            else:
                entry = self._validate(before, before.get("collection", ""))
                if row is None:
                    row = GlossaryEntry(id=entry.id, version=0)
                    session.add(row)
                entry = replace(entry, collection=before.get("collection", row.collection),
                                territory=before.get("territory"))
                self._write(session, row, entry, by, "revert")
            version = row.version
        return {"entry_id": change.entry_id, "version": version,
                "deleted": before is None}

    def add_variant(
        self, entry_id: str, spelling: str, by: str, kind: str = "spelling",
        until: int | None = None,
    ) -> dict | None:
        """Add a spelling to an entry's variants; the entry as written (None if another request
        deleted it in the meantime)."""
        with self.db.session() as session:
            self.add_variant_in(session, entry_id, spelling, by, kind, until)
        return self.get(entry_id)

    def add_variant_in(
        self, session: Session, entry_id: str, spelling: str, by: str, kind: str = "spelling",
        until: int | None = None,
    ) -> None:
        """add_variant inside the caller's transaction (approving a candidate)."""
        row = session.get(GlossaryEntry, entry_id)
        if row is None or row.deleted:
            raise NotFound(entry_id)
        body = dict(row.body)
        variants = list(body.get("variants", []))
        texts = {v if isinstance(v, str) else v.get("text") for v in variants}
        if spelling not in texts:
            item: dict = {"text": spelling, "kind": kind}
            if until is not None:
                item["until"] = until
            variants.append(item)
        body["variants"] = variants
        entry = self._validate({"id": row.id, "type": row.type, **body}, row.collection)
        entry = replace(entry, territory=row.body.get("territory"))
        self._write(session, row, entry, by, "update")

    def import_entries(self, entries: Iterable[Entry], by: str = "import") -> int:
        """Insert or replace entries from collections; returns how many were written."""
        count = 0
        with self.db.session() as session:
            for entry in entries:
                row = session.get(GlossaryEntry, entry.id)
                if row is None:
                    row = GlossaryEntry(id=entry.id, version=0)
                    session.add(row)
                self._write(session, row, entry, by, "import")
                count += 1
        return count

    def seed_if_empty(self, paths: Sequence[str] | None = None) -> int:
        """Load the shipped (or given) collections into an empty glossary; 0 if not empty."""
        with self.db.session() as session:
            if session.scalar(select(func.count()).select_from(GlossaryEntry)):
                return 0
        entries, problems = read_collections(paths or None)
        if problems:
            raise InvalidGlossaryEntry("; ".join(str(p) for p in problems[:5]))
        return self.import_entries(entries, by="seed")

    def export(self) -> dict[str, builtins.list[dict]]:
        """Live entries grouped by collection, in the YAML files' shape."""
        grouped: dict[str, list[dict]] = {}
        for entry in self.entries():
            data = entry.to_dict()
            if entry.territory:
                data["territory"] = entry.territory
            grouped.setdefault(entry.collection or "glossary", []).append(data)
        return grouped

    # -- helpers

    def _written(self, entry_id: str) -> dict:
        """The entry just written, read back (create and update return it)."""
        entry = self.get(entry_id)
        assert entry is not None  # written and committed a moment ago
        return entry

    @staticmethod
    def _validate(body: dict, collection: str = "api") -> Entry:
        if not isinstance(body, dict):
            raise InvalidGlossaryEntry("an entry must be a JSON object")
        data = {k: v for k, v in body.items() if k not in _READ_ONLY}
        entry, problems = parse_entry(data, "request", body.get("collection", collection))
        if problems:
            raise InvalidGlossaryEntry("; ".join(p.message for p in problems))
        assert entry is not None  # parse_entry gives an entry whenever it finds no problem
        return entry

    @staticmethod
    def _current(session, entry_id: str, expected_version: int) -> GlossaryEntry:
        row = session.get(GlossaryEntry, entry_id, with_for_update=True)
        if row is None or row.deleted:
            raise NotFound(entry_id)
        if row.version != expected_version:
            raise StaleWrite(row.version)
        return row

    def _write(self, session, row: GlossaryEntry, entry: Entry, by: str, action: str) -> None:
        if action != "import":  # imports check whole collections (check_glossary, imports.py)
            self._check_against_others(session, entry)
        before = None if row.deleted or not row.version else self._full_body(row)
        row.collection = entry.collection or row.collection or ""
        row.type = entry.type
        row.body = entry_body(entry)
        for column, value in entry_search_fields(row.id, row.body).items():
            setattr(row, column, value)
        row.deleted = False
        row.version = (row.version or 0) + 1
        row.updated_at, row.updated_by = now(), by
        session.add(GlossaryHistory(entry_id=row.id, version=row.version, action=action,
                                    body=self._full_body(row), before=before, changed_by=by))
        self._bump(session)

    @staticmethod
    def _check_against_others(session: Session, entry: Entry) -> None:
        """The rules `audarma glossary check` applies across entries, for one entry being
        written: none of its variants may be another entry's name, short form or variant, and
        none of its names may be another entry's variant. Only the entries that hold one of its
        forms (an exact line of their folded search column) are read."""
        forms = {fold(text) for text in (*entry.names.values(), *entry.short.values(),
                                         *(v.text for v in entry.variants))}
        forms.discard("")
        if not forms:
            return
        lines = literal(SEPARATOR) + GlossaryEntry.search + literal(SEPARATOR)
        holds = [lines.like(f"%{SEPARATOR}{like_escape(form)}{SEPARATOR}%", escape="\\")
                 for form in forms]
        with session.no_autoflush:  # the row being written may be new and not complete yet
            rows = session.scalars(
                select(GlossaryEntry).where(GlossaryEntry.deleted.is_(False),
                                            GlossaryEntry.id != entry.id, or_(*holds))
            )
            neighbours = [entry_from_row(row) for row in rows]
        if not neighbours:
            return
        before = set(cross_check(neighbours))
        problems = [p.message for p in cross_check([*neighbours, entry]) if p not in before]
        if problems:
            raise InvalidGlossaryEntry("; ".join(dict.fromkeys(problems)))

    @staticmethod
    def _full_body(row: GlossaryEntry) -> dict:
        """An entry as history keeps it: the YAML entry's fields with its type and collection,
        enough to write it back."""
        return {"id": row.id, "type": row.type, "collection": row.collection, **row.body}

    @staticmethod
    def _bump(session) -> None:
        state = session.get(GlossaryState, 1)
        if state is None:
            session.add(GlossaryState(id=1, revision=1))
        else:
            state.revision += 1
            state.updated_at = now()

    @staticmethod
    def _entry_dict(row: GlossaryEntry) -> dict:
        return {"id": row.id, "type": row.type, "collection": row.collection, **row.body,
                "version": row.version, "updated_at": _iso(row.updated_at),
                "updated_by": row.updated_by}


# --------------------------------------------------------------------------- candidates


@dataclass(frozen=True)
class Findings:
    """What one finished job found for the maintainers: its changes (the fuzzy ones become
    candidates, with a snippet of `text` around them) and the glossary entities it linked."""

    job_id: str
    language: str
    text: str
    changes: Sequence[dict]
    entities: Sequence[str] = ()


class CandidateStore:
    """Unknown spellings the workers met, counted, with a few contexts, for maintainers."""

    def __init__(self, db: Database):
        self.db = db

    def record(self, job_id: str, language: str, text: str, changes: Iterable[dict]) -> int:
        """Count every fuzzy suggestion of a job as a candidate spelling; returns how many."""
        return self.record_many([Findings(job_id, language, text, list(changes))])

    def record_mentions(self, job_id: str, entity_ids: Iterable[str]) -> None:
        """Note which entities a job linked, for the entry page's recent articles."""
        self.record_many([Findings(job_id, "", "", [], list(entity_ids))])

    def record_many(self, findings: Sequence[Findings]) -> int:
        """What finished jobs found, in one transaction: each fuzzy suggestion counted as a
        candidate spelling (returns how many), and the entities each job linked. Opens no
        transaction when there is nothing to write: most single jobs."""
        mentions = [{"entity_id": entity, "job_id": found.job_id, "at": now()}
                    for found in findings for entity in dict.fromkeys(found.entities)]
        fuzzy = [(found, change) for found in findings for change in found.changes
                 if not change.get("applied") and change.get("kind") == "fuzzy"]
        if not mentions and not fuzzy:
            return 0
        seen = 0
        with self.db.session() as session:
            if mentions:
                session.execute(insert(EntityMention), mentions)
            for found, change in fuzzy:
                seen += self._count(session, found, change)
        return seen

    def _count(self, session: Session, found: Findings, change: dict) -> int:
        spelling, language = change["original"], found.language
        row = session.scalar(
            select(Candidate).where(
                Candidate.spelling == spelling, Candidate.language == language,
                Candidate.entity_id == change.get("entity"),
            )
        )
        if row is None:
            if self._rejected(session, spelling, language):
                return 0  # a maintainer said no to this spelling: never ask again
            row = Candidate(spelling=spelling, language=language,
                            entity_id=change.get("entity"), kind="fuzzy", count=0,
                            contexts=[])
            session.add(row)
        row.count += 1
        row.last_seen = now()
        score = change.get("confidence")
        if isinstance(score, int | float) and (row.score is None or score > row.score):
            row.score = float(score)
        snippet = _snippet(found.text, change["start"], change["end"])
        row.contexts = ([{"job": found.job_id, "text": snippet}] + list(row.contexts or []))[
            :MAX_CONTEXTS
        ]
        return 1

    @staticmethod
    def _rejected(session: Session, spelling: str, language: str) -> bool:
        """Whether the spelling was rejected in this language, whichever entity it was
        suggested for: the matcher may suggest it for another entity later."""
        return session.scalar(
            select(Candidate.id).where(
                Candidate.spelling == spelling, Candidate.language == language,
                Candidate.status == "rejected",
            ).limit(1)
        ) is not None

    def rejected(self, language: str, spellings: Iterable[str]) -> set[str]:
        """Which of these spellings a maintainer rejected in this language."""
        wanted = builtins.list(dict.fromkeys(spellings))
        if not wanted:
            return set()
        with self.db.session() as session:
            return set(session.scalars(
                select(Candidate.spelling).where(
                    Candidate.language == language, Candidate.status == "rejected",
                    Candidate.spelling.in_(wanted),
                )
            ))

    def mentions(self, entity_id: str, limit: int = 10) -> builtins.list[dict]:
        """The jobs that most recently linked the entity, newest first, with their opening."""
        with self.db.session() as session:
            rows = session.execute(
                select(EntityMention.job_id, EntityMention.at, func.substr(Job.text, 1, 200))
                .join(Job, Job.id == EntityMention.job_id)
                .where(EntityMention.entity_id == entity_id)
                .order_by(EntityMention.at.desc(), EntityMention.id.desc()).limit(limit)
            )
            return [{"job_id": job_id, "at": _iso(at), "opening": opening}
                    for job_id, at, opening in rows]

    def list(self, status: str = "pending", limit: int = 100, offset: int = 0) -> list[dict]:
        with self.db.session() as session:
            rows = session.scalars(
                select(Candidate).where(Candidate.status == status)
                .order_by(Candidate.count.desc(), Candidate.id).limit(limit).offset(offset)
            )
            return [self._dict(row) for row in rows]

    def count(self, status: str = "pending") -> int:
        with self.db.session() as session:
            return session.scalar(
                select(func.count()).select_from(Candidate).where(Candidate.status == status)
            ) or 0

    def get(self, candidate_id: int) -> dict | None:
        with self.db.session() as session:
            row = session.get(Candidate, candidate_id)
            return self._dict(row) if row else None

    def approve(self, candidate_id: int, by: str, glossary: GlossaryStore,
                entity_id: str | None = None, kind: str = "spelling",
                until: int | None = None) -> dict:
        """Accept the spelling as a variant of its entity (or of `entity_id`), of the given
        kind (`until`: a former name's last year). The variant and the decision are written in
        one transaction: neither is kept without the other."""
        with self._approving(candidate_id, by, glossary) as (session, row):
            target = entity_id or row.entity_id
            if not target:
                raise InvalidGlossaryEntry("this candidate names no entity; give one")
            glossary.add_variant_in(session, target, row.spelling, by, kind, until)
            return self._dict(row)

    def create_entity(self, candidate_id: int, body: dict, by: str,
                      glossary: GlossaryStore) -> dict:
        """Make a new glossary entry (`body`, validated like any other) for a spelling no entry
        covers, and mark the candidate approved, in one transaction; returns the new entry."""
        with self._approving(candidate_id, by, glossary) as (session, _):
            entry_id = glossary.create_in(session, body, by)
        entry = glossary.get(entry_id)
        assert entry is not None  # written and committed a moment ago
        return entry

    @contextmanager
    def _approving(
        self, candidate_id: int, by: str, glossary: GlossaryStore
    ) -> Iterator[tuple[Session, Candidate]]:
        """A transaction in which the candidate is approved and the caller writes what the
        approval means to the glossary: both are kept, or neither."""
        if glossary.db is not self.db:
            raise ValueError("the glossary and the candidates must share one database")
        with self.db.session() as session:
            row = session.get(Candidate, candidate_id)
            if row is None:
                raise NotFound(str(candidate_id))
            row.status, row.decided_by = "approved", by
            yield session, row

    def reject(self, candidate_id: int, by: str) -> dict:
        if self.get(candidate_id) is None:
            raise NotFound(str(candidate_id))
        return self._decide(candidate_id, "rejected", by)

    def _decide(self, candidate_id: int, status: str, by: str) -> dict:
        with self.db.session() as session:
            row = session.get(Candidate, candidate_id)
            assert row is not None  # the caller found it; candidates are never deleted
            row.status, row.decided_by = status, by
            return self._dict(row)

    @staticmethod
    def _dict(row: Candidate) -> dict:
        return {"id": row.id, "spelling": row.spelling, "language": row.language,
                "entity_id": row.entity_id, "kind": row.kind, "count": row.count,
                "contexts": row.contexts, "status": row.status, "score": row.score,
                "first_seen": _iso(row.first_seen), "last_seen": _iso(row.last_seen),
                "decided_by": row.decided_by}


def _snippet(text: str, start: int, end: int, width: int = 60) -> str:
    return text[max(0, start - width) : end + width].replace("\n", " ")
