"""Submitting work: store first, then queue; a job the broker refused is kept and queued later.

Both rules below hold for a single job and for a batch: a worker must never receive an id whose
row is not committed, and a job the broker refused stays recorded as not queued (its history
says so) and the sweeper (usecases.sweep) queues it once the broker is back. The client gets a
503 that names the job, so retrying with the same Idempotency-Key finds it instead of making a
second one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..domain import Queue
from .ports import Batches, Enqueue, Jobs

if TYPE_CHECKING:
    from ..store.batches import Item

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


# Hands a chunk of a batch's committed job ids to the batch queue, as one task.
SendChunk = Callable[[Sequence[str]], None]
STORE_PAGE = 500  # items stored per transaction while an upload is read


def submit_batch(
    api_key_id: str | None, items: Iterable[Item], name: str, batches: Batches, jobs: Jobs,
    send: SendChunk, chunk_size: int,
) -> BatchIntake:
    """A new batch with `items` stored and queued as they come (an iterator is read once,
    never held whole); returns the finished intake (its batch_id, stored and accepted counts).

    Raises NotQueued naming the jobs the broker did not take; the sweeper queues them later.
    """
    intake = BatchIntake(batches.open(api_key_id, name), batches, jobs, send, chunk_size)
    for item in items:
        intake.add(item)
    intake.finish()
    return intake


def one_message_per_job(enqueue: Enqueue) -> SendChunk:
    """A SendChunk for an app built with only enqueue(job_id, queue) (tests, tools): each job
    of the chunk is its own message on the batch queue."""

    def send(job_ids: Sequence[str]) -> None:
        for job_id in job_ids:
            enqueue(job_id, Queue.BATCH)

    return send


class BatchIntake:
    """Stores a batch's items as they are read, STORE_PAGE per transaction, and hands each
    stored page to the batch queue in chunks of `chunk_size` jobs: the upload is never held
    whole, and workers start on the first chunks while the rest is still arriving.

    Every job is committed before its chunk is sent. Once the broker refuses a chunk, it is
    not asked again during this upload: the rest is recorded as not queued, for the sweeper
    (usecases.sweep) to queue job by job when the broker is back, and finish() raises
    NotQueued naming the batch.
    """

    def __init__(self, batch_id: str, batches: Batches, jobs: Jobs, send: SendChunk,
                 chunk_size: int):
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be at least 1, not {chunk_size}")
        self.batch_id = batch_id
        self._batches, self._jobs, self._send = batches, jobs, send
        self._chunk_size = chunk_size
        self._pending: list[Item] = []
        self.stored = 0
        self.accepted = 0
        self._refusal: str | None = None
        self._unqueued: list[str] = []

    def add(self, item: Item) -> None:
        self._pending.append(item)
        if len(self._pending) >= STORE_PAGE:
            self._store()

    def finish(self) -> None:
        """Store what is left; raises NotQueued when the broker refused some jobs."""
        self._store()
        if self._refusal is not None:
            raise NotQueued(
                f"batch {self.batch_id} is recorded but {len(self._unqueued)} of its jobs were not "
                f"taken by the task queue ({self._refusal}); they will be queued automatically "
                f"when the queue is back: follow them with GET /v1/batches/{self.batch_id}",
                self._unqueued,
            )

    def abandon(self) -> None:
        """The upload was refused half-way: what was stored is cancelled (running items
        finish), so a client that sends the batch again does not get it twice."""
        self._pending.clear()
        self._batches.cancel(self.batch_id)

    def _store(self) -> None:
        if not self._pending:
            return
        job_ids = self._batches.add_items(self.batch_id, self.stored, self._pending)
        self.stored += len(self._pending)
        self.accepted += len(job_ids)
        self._pending = []
        self.send_jobs(job_ids)

    def send_jobs(self, job_ids: Sequence[str]) -> None:
        """Hand stored jobs to the batch queue, `chunk_size` per task."""
        for start in range(0, len(job_ids), self._chunk_size):
            chunk = job_ids[start : start + self._chunk_size]
            if self._refusal is None:
                try:
                    self._send(chunk)
                    continue
                except Exception as exc:
                    self._refusal = _reason(exc)
                    log.warning("batch %s: the task queue refused a chunk: %s", self.batch_id,
                                self._refusal)
            for job_id in chunk:
                self._jobs.mark_unqueued(job_id, self._refusal)
            self._unqueued += chunk


def queue_batch(batch_id: str, job_ids: Sequence[str], batches: Batches, jobs: Jobs,
                send: SendChunk, chunk_size: int) -> None:
    """Hand committed jobs of a batch (its retried ones) to the batch queue in chunks; raises
    NotQueued when the broker refused some (they stay queued for the sweeper)."""
    intake = BatchIntake(batch_id, batches, jobs, send, chunk_size)
    intake.send_jobs(list(job_ids))
    intake.finish()


def _reason(exc: Exception) -> str:
    # An error meant for clients (the broker's own 503 from enqueue) keeps its words.
    message = getattr(exc, "message", None)
    return message if isinstance(message, str) else "the task queue did not accept it"
