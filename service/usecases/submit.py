"""Submitting work: store first, then queue; a job the broker refused is kept and queued later.

Both rules below hold for a single job and for a batch: a worker must never receive an id whose
row is not committed, and a job the broker refused stays recorded as not queued (its history
says so) and the sweeper (usecases.sweep) queues it once the broker is back. The client gets a
503 that names the job, so retrying with the same Idempotency-Key finds it instead of making a
second one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from ..domain import Queue
from .ports import Batches, Enqueue, Jobs

log = logging.getLogger(__name__)


class NotQueued(Exception):
    """The broker refused a committed job (or some jobs of a batch). `message` is for clients."""

    def __init__(self, message: str, job_ids: Sequence[str]):
        super().__init__(message)
        self.message = message
        self.job_ids = list(job_ids)


@dataclass(frozen=True)
class JobRequest:
    """A validated submission (the API's parse_submission makes one)."""

    text: str
    fmt: str  # "text" or "html"
    targets: tuple[str, ...]
    source_language: str = "auto"
    engine: str | None = None
    callback_url: str | None = None
    queue: str = Queue.INTERACTIVE


def submit_job(
    request: JobRequest, api_key_id: str, idempotency_key: str | None, jobs: Jobs,
    enqueue: Enqueue,
) -> tuple[dict, bool]:
    """The job (new, or the earlier one with this Idempotency-Key) and whether it was created.

    Raises NotQueued when the broker refused it; the job stays queued for the sweeper.
    """
    job, created = jobs.submit(
        api_key_id=api_key_id, text=request.text, targets=list(request.targets),
        source_language=request.source_language, fmt=request.fmt, engine=request.engine,
        callback_url=request.callback_url, idempotency_key=idempotency_key, queue=request.queue,
    )
    if created:
        try:
            enqueue(job["id"], job["queue"])
        except Exception as exc:
            reason = _reason(exc)
            log.warning("could not queue job %s: %s", job["id"], reason)
            jobs.mark_unqueued(job["id"], reason)
            raise NotQueued(
                f"job {job['id']} is recorded but the task queue did not take it ({reason}); it "
                "will be queued automatically when the queue is back: follow it with GET "
                f"/v1/jobs/{job['id']}, or resend with the same Idempotency-Key", [job["id"]],
            ) from exc
    return job, created


def submit_batch(
    api_key_id: str, items: list[dict], targets: Sequence[str], source_language: str,
    engine: str | None, name: str, batches: Batches, jobs: Jobs, enqueue: Enqueue,
) -> dict:
    """One batch of jobs on the batch queue, all rows committed before the first is queued.

    Raises NotQueued naming the jobs the broker did not take; the sweeper queues them later.
    """
    batch, job_ids = batches.create(
        api_key_id, items, targets, source_language, "text", engine, name
    )
    queue_batch(batch["id"], job_ids, jobs, enqueue)
    return batch


def queue_batch(batch_id: str, job_ids: Sequence[str], jobs: Jobs, enqueue: Enqueue) -> None:
    """Hand a batch's committed jobs to the batch queue (a new batch, or its retried jobs)."""
    for position, job_id in enumerate(job_ids):
        try:
            enqueue(job_id, Queue.BATCH)
        except Exception as exc:
            reason = _reason(exc)
            log.warning("batch %s: could not queue job %s: %s", batch_id, job_id, reason)
            left = list(job_ids[position:])
            for unqueued in left:
                jobs.mark_unqueued(unqueued, reason)
            raise NotQueued(
                f"batch {batch_id} is recorded but {len(left)} of its jobs were not taken by "
                f"the task queue ({reason}); they will be queued automatically when the queue "
                f"is back: follow them with GET /v1/batches/{batch_id}", left,
            ) from exc


def _reason(exc: Exception) -> str:
    # An error meant for clients (the broker's own 503 from enqueue) keeps its words.
    message = getattr(exc, "message", None)
    return message if isinstance(message, str) else "the task queue did not accept it"
