"""Batches: many jobs submitted together on the batch queue, followed and steered as one.

A batch row keeps its manifest (item ids in submission order with their job ids); the jobs are
ordinary jobs with `batch_id` set, so workers run them exactly like single submissions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..domain import JOB_STATUSES, JobStatus, Queue
from .db import Database
from .models import Batch, Job, JobEvent, now
from .repositories import Leases, _iso

BATCH_QUEUE = Queue.BATCH
CANCELLED = "cancelled"  # the error of a job its batch's cancel took off the queue
RETRY_DETAIL = "retry requested"
_CHUNK = 200  # jobs read per query when streaming results


class BatchStore:
    def __init__(self, db: Database, leases: Leases | None = None):
        self.db = db
        self.leases = leases or Leases()

    def create(
        self,
        api_key_id: str | None,
        items: Sequence[dict],
        targets: Sequence[str],
        source_language: str = "auto",
        fmt: str = "text",
        engine: str | None = None,
        name: str = "",
    ) -> tuple[dict, list[str]]:
        """One batch and one queued job per item, in one transaction.

        An item is {"text": ..., "fmt"?: "text"|"html", "id"?: ...}; its fmt defaults to `fmt`,
        its id to its index. Returns (batch, job ids in item order).
        """
        batch = Batch(api_key_id=api_key_id, name=name or "", total=len(items))
        jobs = [
            _job(api_key_id, item, targets, source_language, item.get("fmt", fmt), engine)
            for item in items
        ]
        lease = now() + timedelta(seconds=self.leases.queued)
        for job in jobs:
            job.lease_until = lease
        with self.db.session() as session:
            session.add(batch)
            session.flush()
            for job in jobs:
                job.batch_id = batch.id
            session.add_all(jobs)
            session.flush()
            batch.items = [
                {"id": _item_id(item, index), "job": job.id}
                for index, (item, job) in enumerate(zip(items, jobs, strict=True))
            ]
            created = _batch_dict(batch, {JobStatus.QUEUED: len(jobs)})
        return created, [entry["job"] for entry in batch.items]

    def get(self, batch_id: str, api_key_id: str | None = None) -> dict | None:
        """Progress of a batch; with api_key_id, only if that key submitted it."""
        with self.db.session() as session:
            batch = session.get(Batch, batch_id)
            if batch is None or (api_key_id is not None and batch.api_key_id != api_key_id):
                return None
            rows = session.execute(
                select(Job.status, func.count()).where(Job.batch_id == batch_id)
                .group_by(Job.status)
            )
            return _batch_dict(batch, dict(rows.all()))

    def results(self, batch_id: str) -> Iterator[dict]:
        """One record per item, in submission order: its result document or its error."""
        with self.db.session() as session:
            batch = session.get(Batch, batch_id)
            manifest = list(batch.items) if batch is not None else []
        for start in range(0, len(manifest), _CHUNK):
            chunk = manifest[start : start + _CHUNK]
            jobs = self._jobs([entry["job"] for entry in chunk])
            for offset, entry in enumerate(chunk):
                yield _result(start + offset, entry, jobs.get(entry["job"]))

    def _jobs(self, job_ids: list[str]) -> dict[str, Job]:
        with self.db.session() as session:
            rows = session.scalars(
                select(Job).where(Job.id.in_(job_ids)).options(selectinload(Job.results))
            )
            return {job.id: job for job in rows}

    def cancel(self, batch_id: str) -> int:
        """Take the batch's queued jobs off the queue (failed, error "cancelled"); running jobs
        finish. Returns how many jobs were cancelled."""
        with self.db.session() as session:
            batch = session.get(Batch, batch_id, with_for_update=True)
            if batch is None:
                return 0
            batch.cancelled = True
            queued = session.scalars(
                select(Job).where(Job.batch_id == batch_id, Job.status == JobStatus.QUEUED)
                .with_for_update()
            ).all()
            for job in queued:
                _set_status(job, JobStatus.FAILED, error=CANCELLED, detail=CANCELLED)
            return len(queued)

    def failed_jobs(self, batch_id: str) -> list[str]:
        with self.db.session() as session:
            return list(session.scalars(
                select(Job.id).where(Job.batch_id == batch_id, Job.status == JobStatus.FAILED)
                .order_by(Job.created_at, Job.id)
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
            for job in jobs:
                _set_status(job, JobStatus.QUEUED, error=None, detail=RETRY_DETAIL)
                job.lease_until, job.enqueued, job.sweeps = lease, True, 0
            return [job.id for job in jobs]


def _job(api_key_id, item: dict, targets, source_language, fmt, engine) -> Job:
    job = Job(
        api_key_id=api_key_id, text=item["text"], targets=list(targets),
        source_language=source_language, fmt=fmt, engine=engine, queue=BATCH_QUEUE,
    )
    job.events.append(JobEvent(status=JobStatus.QUEUED))
    return job


def _item_id(item: dict, index: int) -> str:
    given = item.get("id")
    return str(index) if given is None else str(given)


def _set_status(job: Job, status: str, error: str | None, detail: str) -> None:
    job.status = status
    job.error = error
    job.updated_at = now()
    if status in (JobStatus.DONE, JobStatus.FAILED):
        job.lease_until = None
    job.events.append(JobEvent(status=status, detail=detail))


def _batch_dict(batch: Batch, counts: dict[str, int]) -> dict:
    counts = {status: counts.get(status, 0) for status in JOB_STATUSES}
    finished = counts[JobStatus.DONE] + counts[JobStatus.FAILED]
    return {
        "id": batch.id,
        "name": batch.name,
        "api_key_id": batch.api_key_id,
        "created_at": _iso(batch.created_at),
        "cancelled": batch.cancelled,
        "total": batch.total,
        "counts": counts,
        "done_fraction": round(finished / batch.total, 4) if batch.total else 1.0,
        "finished": finished >= batch.total,
    }


def _result(index: int, entry: dict, job: Job | None) -> dict:
    record = {"index": index, "id": entry["id"], "job_id": entry["job"]}
    if job is None:
        return {**record, "status": JobStatus.FAILED, "error": "the job no longer exists"}
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
