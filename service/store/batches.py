"""Batches: many jobs submitted together on the batch queue, followed and steered as one.

An item is an ordinary job with `batch_id` set and its place in the batch on its row (the
client's id, its NDJSON line, its position), so workers run it exactly like a single submission
and no batch-sized value is ever read or written whole: items are stored chunk by chunk as the
upload is read, and results are read back a page at a time in submission order.

An item that could not be read is stored too, failed at once (`input_rejected`), so the client
finds it in the batch with its line and its error. A cancelled item is a failed job whose error
is CANCELLED; the batch's counts show it apart from real failures.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session, selectinload

from ..domain import JOB_STATUSES, JobStatus, Queue
from .db import Database
from .models import Batch, Job, JobEvent, new_id, now
from .repositories import Leases, _iso

BATCH_QUEUE = Queue.BATCH
CANCELLED = "cancelled"  # the error of a job its batch's cancel took off the queue
RETRY_DETAIL = "retry requested"
PAGE = 200  # jobs read per query when streaming results
FAILED_SHOWN = 100  # failed items listed by get()
RATE_WINDOW = 60.0  # seconds: the rate is items finished over the last minute (or since start)
STATUSES = (*JOB_STATUSES, CANCELLED)


@dataclass(frozen=True)
class Item:
    """One batch item as parsed: runnable when `error` is None, else stored failed.

    `targets`, `source_language` and `engine` are the item's own or the batch's defaults."""

    id: str
    line: int | None = None
    text: str = ""
    fmt: str = "text"
    targets: tuple[str, ...] = ()
    source_language: str = "auto"
    engine: str | None = None
    error: str | None = None


class BatchStore:
    def __init__(self, db: Database, leases: Leases | None = None):
        self.db = db
        self.leases = leases or Leases()

    def open(self, api_key_id: str | None, name: str = "") -> str:
        """A new, empty batch; items follow with add_items. Returns its id."""
        with self.db.session() as session:
            batch = Batch(api_key_id=api_key_id, name=name or "", total=0)
            session.add(batch)
            session.flush()
            return batch.id

    def add_items(self, batch_id: str, start: int, items: Sequence[Item]) -> list[str]:
        """Store items at positions start, start+1, ... in one transaction; returns the ids of
        the runnable jobs (queued, for the caller to hand to the workers).

        A client id already used in the batch (earlier or in this chunk) makes the item failed,
        naming the line that has it: results and zip files are addressed by client id.
        """
        with self.db.session() as session:
            batch = session.get(Batch, batch_id, with_for_update=True)
            if batch is None:
                raise LookupError(f"no batch {batch_id}")
            seen = _used_ids(session, batch_id, [item.id for item in items])
            at = now()
            lease = at + timedelta(seconds=self.leases.queued)
            rows = []
            for offset, item in enumerate(items):
                first = seen.get(item.id)
                if first is None:
                    seen[item.id] = item.line if item.line is not None else start + offset
                else:
                    item = _duplicate(item, first)
                rows.append(_job_row(batch, start + offset, item, lease, at))
            # Core INSERTs (one executemany each), not ORM objects: about ten times faster,
            # which is most of an upload's cost.
            session.execute(insert(Job), rows)
            session.execute(insert(JobEvent), [
                {"job_id": row["id"], "status": row["status"], "at": at,
                 "detail": "not readable" if row["input_rejected"] else ""} for row in rows
            ])
            batch.total += len(rows)
            return [row["id"] for row in rows if not row["input_rejected"]]

    def get(self, batch_id: str, api_key_id: str | None = None) -> dict | None:
        """Progress of a batch; with api_key_id, only if that key submitted it."""
        with self.db.session() as session:
            batch = session.get(Batch, batch_id)
            if batch is None or (api_key_id is not None and batch.api_key_id != api_key_id):
                return None
            counts = _counts(session, batch_id)
            rate = _rate(session, batch)
            failed = _failed_items(session, batch_id)
            return _batch_dict(batch, counts, rate, failed)

    def results(self, batch_id: str) -> Iterator[dict]:
        """One record per item, in submission order: its result document or its error. Read a
        page at a time, each page in its own short session."""
        after = -1
        while True:
            with self.db.session() as session:
                page = session.scalars(
                    select(Job).where(Job.batch_id == batch_id, Job.batch_position > after)
                    .order_by(Job.batch_position).limit(PAGE)
                    .options(selectinload(Job.results))
                ).all()
                records = [_result(job) for job in page]
            yield from records
            if len(page) < PAGE:
                return
            after = records[-1]["index"]

    def problems(self, batch_id: str) -> Iterator[dict]:
        """Every item that is not done, in submission order: {"id", "line", "status", "error"}
        (a zip's errors.jsonl). Read a page at a time, without result documents."""
        after = -1
        while True:
            with self.db.session() as session:
                page = session.execute(
                    select(Job.batch_position, Job.item_id, Job.item_line, Job.status, Job.error)
                    .where(Job.batch_id == batch_id, Job.batch_position > after,
                           Job.status != JobStatus.DONE)
                    .order_by(Job.batch_position).limit(PAGE)
                ).all()
            for _position, item_id, line, status, error in page:
                if status == JobStatus.FAILED and error == CANCELLED:
                    status = CANCELLED
                yield {"id": item_id, "line": line, "status": status, "error": error}
            if len(page) < PAGE:
                return
            last = page[-1][0]
            assert last is not None  # every item of a batch has its position
            after = last

    def cancel(self, batch_id: str) -> int:
        """Take the batch's queued jobs off the queue (failed, error "cancelled"); running jobs
        finish. Returns how many jobs were cancelled. Written a page of ids at a time, with
        plain UPDATE and INSERT statements: a 100,000-item batch is never loaded as objects."""
        with self.db.session() as session:
            batch = session.get(Batch, batch_id, with_for_update=True)
            if batch is None:
                return 0
            batch.cancelled = True
            queued = list(session.scalars(
                select(Job.id).where(Job.batch_id == batch_id, Job.status == JobStatus.QUEUED)
                .with_for_update()
            ))
            at = now()
            for start in range(0, len(queued), PAGE):
                page = queued[start : start + PAGE]
                session.execute(
                    update(Job).where(Job.id.in_(page))
                    .values(status=JobStatus.FAILED, error=CANCELLED, lease_until=None,
                            updated_at=at)
                )
                session.execute(insert(JobEvent), [
                    {"job_id": job_id, "status": JobStatus.FAILED, "detail": CANCELLED, "at": at}
                    for job_id in page
                ])
            return len(queued)

    def failed_jobs(self, batch_id: str) -> list[str]:
        """The batch's jobs that failed while running: not the cancelled ones, and not the
        items that could not be read (they would fail the same way again)."""
        with self.db.session() as session:
            return list(session.scalars(
                select(Job.id).where(
                    Job.batch_id == batch_id, Job.status == JobStatus.FAILED,
                    Job.input_rejected.is_(False),
                    func.coalesce(Job.error, "") != CANCELLED,
                ).order_by(Job.batch_position)
            ))

    def reset_for_retry(self, job_ids: Iterable[str]) -> list[str]:
        """Failed jobs back to queued with a "retry requested" event; jobs that are not failed
        (any more) are left alone. Returns the ids that were reset."""
        ids = list(job_ids)
        if not ids:
            return []
        with self.db.session() as session:
            jobs = session.scalars(
                select(Job).where(Job.id.in_(ids), Job.status == JobStatus.FAILED).with_for_update()
            ).all()
            lease = now() + timedelta(seconds=self.leases.queued)
            at = now()
            for job in jobs:
                job.status, job.error, job.updated_at = JobStatus.QUEUED, None, at
                job.lease_until, job.enqueued, job.sweeps = lease, True, 0
                # Added to the session, not appended to job.events: that would load every
                # job's history first.
                session.add(JobEvent(job_id=job.id, status=JobStatus.QUEUED,
                                     detail=RETRY_DETAIL, at=at))
            return [job.id for job in jobs]


def _used_ids(session: Session, batch_id: str, ids: list[str]) -> dict[str | None, int | None]:
    """The given client ids already stored in the batch, each with its line (or position)."""
    rows = session.execute(
        select(Job.item_id, Job.item_line, Job.batch_position)
        .where(Job.batch_id == batch_id, Job.item_id.in_(set(ids)))
    )
    return {item_id: (line if line is not None else position)
            for item_id, line, position in rows}


def _duplicate(item: Item, first: int) -> Item:
    where = "line" if item.line is not None else "item"
    error = (f"duplicate id {item.id!r}: {where} {first} has it already; "
             "give every item its own id")
    return Item(id=item.id, line=item.line, error=error)


def _job_row(batch: Batch, position: int, item: Item, lease: datetime, at: datetime) -> dict:
    """The jobs row of one item: queued with a lease, or failed at once when unreadable."""
    rejected = item.error is not None
    return {
        "id": new_id(), "api_key_id": batch.api_key_id, "batch_id": batch.id,
        "queue": BATCH_QUEUE, "status": JobStatus.FAILED if rejected else JobStatus.QUEUED,
        "text": item.text, "fmt": item.fmt, "targets": list(item.targets),
        "source_language": item.source_language, "engine": item.engine, "error": item.error,
        "item_id": item.id, "item_line": item.line, "batch_position": position,
        "input_rejected": rejected, "lease_until": None if rejected else lease,
        "attempts": 0, "enqueued": True, "sweeps": 0, "created_at": at, "updated_at": at,
    }


def _counts(session: Session, batch_id: str) -> dict[str, int]:
    cancelled = func.coalesce(Job.error, "") == CANCELLED
    rows = session.execute(
        select(Job.status, cancelled, func.count()).where(Job.batch_id == batch_id)
        .group_by(Job.status, cancelled)
    )
    counts = dict.fromkeys(STATUSES, 0)
    for status, is_cancelled, count in rows:
        counts[CANCELLED if status == JobStatus.FAILED and is_cancelled else status] += count
    return counts


def _rate(session: Session, batch: Batch) -> float:
    """Items finished per second over the last RATE_WINDOW seconds, or since the batch began
    when it is younger; items rejected on arrival are not work and do not count."""
    current = now()
    created = _aware(batch.created_at)
    window = min(RATE_WINDOW, (current - created).total_seconds())
    if window <= 0:
        return 0.0
    finished = session.scalar(
        select(func.count()).select_from(Job).where(
            Job.batch_id == batch.id, Job.input_rejected.is_(False),
            Job.status.in_((JobStatus.DONE, JobStatus.FAILED)),
            Job.updated_at >= current - timedelta(seconds=window),
        )
    ) or 0
    return finished / window


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes for timezone-aware columns; they were written in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=now().tzinfo)


def _failed_items(session: Session, batch_id: str) -> list[dict]:
    rows = session.execute(
        select(Job.item_id, Job.item_line, Job.error).where(
            Job.batch_id == batch_id, Job.status == JobStatus.FAILED,
            func.coalesce(Job.error, "") != CANCELLED,
        ).order_by(Job.batch_position).limit(FAILED_SHOWN)
    )
    return [{"id": item_id, "line": line, "error": error} for item_id, line, error in rows]


def _batch_dict(batch: Batch, counts: dict[str, int], rate: float, failed: list[dict]) -> dict:
    remaining = counts[JobStatus.QUEUED] + counts[JobStatus.RUNNING]
    finished = batch.total - remaining
    progress = round(finished / batch.total, 4) if batch.total else 1.0
    return {
        "id": batch.id,
        "name": batch.name,
        "api_key_id": batch.api_key_id,
        "created_at": _iso(batch.created_at),
        "status": _status(batch, counts, remaining),
        "cancelled": batch.cancelled,
        "total": batch.total,
        "counts": counts,
        "progress": progress,
        "done_fraction": progress,
        "finished": remaining == 0,
        "rate": round(rate, 3),
        "eta_seconds": _eta(remaining, rate),
        "failed_items": failed,
    }


def _status(batch: Batch, counts: dict[str, int], remaining: int) -> str:
    """queued, running, then done or cancelled once nothing is left to run: a cancelled batch
    stays running while the items that had started finish, so a poller that waits for
    done|cancelled sees every item's final state."""
    if remaining == 0:
        return CANCELLED if batch.cancelled else JobStatus.DONE
    if counts[JobStatus.QUEUED] < remaining or counts[JobStatus.DONE] or counts[JobStatus.FAILED]:
        return JobStatus.RUNNING
    return JobStatus.QUEUED


def _eta(remaining: int, rate: float) -> float | None:
    if remaining == 0:
        return 0.0
    return round(remaining / rate, 1) if rate > 0 else None


def _result(job: Job) -> dict:
    record: dict = {"index": job.batch_position, "id": job.item_id, "line": job.item_line,
                    "job_id": job.id}
    if job.status == JobStatus.FAILED and job.error == CANCELLED:
        return {**record, "status": CANCELLED, "error": CANCELLED}
    record["status"] = job.status
    if job.status == JobStatus.DONE and job.normalized is not None:
        record["result"] = _document(job)
    elif job.error:
        record["error"] = job.error
    return record


def _document(job: Job) -> dict:
    """The result document (architecture.md), versions in the order of the job's targets."""
    normalized = job.normalized
    assert normalized is not None  # asked for only once the job is done and normalized
    versions = {r.locale: r.version for r in job.results}
    order = [t for t in normalized.get("targets", []) if t in versions]
    order += [locale for locale in versions if locale not in order]
    return {
        "source_language": normalized["source_language"],
        "normalized": normalized["normalized"],
        "versions": {locale: versions[locale] for locale in order},
    }
