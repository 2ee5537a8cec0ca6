"""Thin tasks: take a job id, call a use case in service.usecases (run, deliver), and turn its
answers into Celery retries. Every task may run twice for one message and does no harm.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from celery import shared_task
from celery.exceptions import Reject, SoftTimeLimitExceeded
from flask import current_app

from service.config import Settings
from service.core.figures import load_house_styles
from service.core.matching import NamePolicy
from service.domain import JOB_QUEUES, Queue
from service.engines import build_engines
from service.queueing import (
    DELIVER_WEBHOOK,
    LOCALIZE_CHUNK,
    LOCALIZE_JOB,
    SEND_CHUNK,
    SWEEP_JOBS,
)
from service.services import Services
from service.store.db import StoreUnavailable
from service.store.repositories import JobStore, WebhookLog
from service.usecases.deliver import send_job_webhook
from service.usecases.run import (
    DONE,
    TASK_BACKOFF,
    WEBHOOK_BACKOFF,
    ChunkInterrupted,
    JobOutcome,
    LocalizerCache,
    TransientJobError,
    retry_or_fail,
    run_job,
    run_jobs,
)
from service.usecases.sweep import sweep
from service.webhooks import post

log = logging.getLogger(__name__)
_BUILD_LOCK = threading.Lock()
BATCH = Queue.BATCH


@dataclass
class WorkerServices:
    """What tasks need besides the app's stores: engines and the compiled glossary, built once
    per worker process (after the fork), on the first job, and kept on the Flask app. A worker
    that only delivers webhooks never builds them."""

    settings: Settings
    services: Services
    webhook_log: WebhookLog
    # The jobs store batch chunks run through: commits that do not wait for the disk.
    batch_jobs: JobStore
    _localizers: LocalizerCache | None = None

    @classmethod
    def build(cls, services: Services) -> WorkerServices:
        return cls(services.settings, services, WebhookLog(services.db),
                   JobStore(services.db, services.jobs.leases, synchronous=False))

    @property
    def localizers(self) -> LocalizerCache:
        with _BUILD_LOCK:
            if self._localizers is None:
                settings = self.settings
                self._localizers = LocalizerCache(
                    build_engines(settings), load_house_styles(desk=settings.styles_path or None),
                    settings.glossary_refresh_seconds,
                    policy=NamePolicy(former=settings.former_names, exonym=settings.exonyms),
                )
            return self._localizers

    def close(self) -> None:
        if self._localizers is not None:
            self._localizers.close()


def worker_services() -> WorkerServices:
    extensions = current_app.extensions
    with _BUILD_LOCK:
        if "audarma_worker" not in extensions:
            extensions["audarma_worker"] = WorkerServices.build(extensions["audarma"])
    return extensions["audarma_worker"]


@shared_task(bind=True, name=LOCALIZE_JOB, acks_late=True, max_retries=None)
def localize_job(self, job_id: str) -> str:
    """Localize one job; transient engine failures are retried with exponential backoff."""
    worker = worker_services()
    stores = worker.services
    try:
        outcome = run_job(
            job_id, stores.jobs, stores.glossary, worker.localizers, stores.candidates,
            interrupts=(SoftTimeLimitExceeded,),
        )
    except TransientJobError as exc:
        _unmark(stores, job_id)  # batches need not wait through its backoff
        delay = retry_or_fail(
            stores.jobs, job_id, exc, self.request.retries + 1, worker.settings.task_max_retries
        )
        if delay is None:
            return "failed"
        raise self.retry(exc=exc, countdown=delay) from exc
    except SoftTimeLimitExceeded:
        # An article that takes this long would take as long again: fail it, never retry.
        limit = worker.settings.task_soft_time_limit
        stores.jobs.fail(job_id, time_limit_error(limit))
        log.warning("job %s: failed: over the %g s time limit", job_id, limit)
        _unmark(stores, job_id)
        return "failed"
    except StoreUnavailable as exc:
        # The database itself is unreachable: nothing can be recorded, so just try later.
        if self.request.retries >= worker.settings.task_max_retries:
            # Not acknowledged as done: the message is dropped, and the job, still queued or
            # running in the database with its lease, is the sweeper's to queue again.
            log.warning("job %s: the database is still down; left to the sweeper", job_id)
            raise Reject(exc, requeue=False) from exc
        raise self.retry(exc=exc, countdown=TASK_BACKOFF.delay(self.request.retries + 1)) from exc
    _unmark(stores, job_id)
    if outcome.webhook_queue is not None:
        # Queued, never awaited: the webhook's retries must not hold this worker.
        deliver_webhook.apply_async((job_id,), queue=outcome.webhook_queue)
    return outcome.status


def _unmark(stores: Services, job_id: str) -> None:
    """An editor's job is stored or given up: batch workers need not wait for it. (A job of
    the batch queue has no mark; removing none costs one Redis command.)"""
    if stores.foreground is not None:
        stores.foreground.unmark(job_id)


@shared_task(bind=True, name=LOCALIZE_CHUNK, acks_late=True, max_retries=None)
def localize_chunk(self, job_ids: list[str]) -> str:
    """Localize a chunk of a batch's jobs through run_jobs, which claims and stores them in a
    few transactions for the whole chunk: a finished job is skipped, so a chunk delivered again
    after its worker died does only what is left, and the sweeper still takes back any job
    whose lease ran out.

    One job's trouble never holds the others: a transient failure sends that job alone to
    localize_job (with its backoff), a job that errors is failed and the chunk goes on, and
    when the chunk's time runs out the job at hand goes on alone under the per-article limit
    and the jobs not yet started as a new chunk.
    """
    worker = worker_services()
    stores, settings = worker.services, worker.settings
    try:
        outcomes = run_jobs(job_ids, worker.batch_jobs, stores.glossary, worker.localizers,
                            stores.candidates, interrupts=(SoftTimeLimitExceeded,),
                            before_each=_hold_back_for_editors(stores))
    except ChunkInterrupted as exc:
        _after(exc.outcomes, stores, settings)
        _split_after_time_limit(exc.at_hand, exc.untouched, stores)
        done = sum(o.status == DONE for o in exc.outcomes.values())
        return f"{done} done; the rest handed on after the chunk's time limit"
    except StoreUnavailable as exc:
        # Nothing can be recorded: the whole chunk waits and tries again (what was finished
        # before the database went away is skipped then).
        if self.request.retries >= settings.task_max_retries:
            log.warning("chunk of %d: the database is still down; left to the sweeper",
                        len(job_ids))
            raise Reject(exc, requeue=False) from exc
        raise self.retry(exc=exc, countdown=TASK_BACKOFF.delay(self.request.retries + 1)) from exc
    _after(outcomes, stores, settings)
    done = sum(outcome.status == DONE for outcome in outcomes.values())
    return f"{done} of {len(job_ids)} done"


def _hold_back_for_editors(stores: Services) -> Callable[[], object] | None:
    foreground = stores.foreground
    return foreground.wait_while_busy if foreground is not None and foreground.enabled else None


def _after(outcomes: dict[str, JobOutcome], stores: Services, settings: Settings) -> None:
    """A chunk's follow-ups: a transient failure goes on alone with its backoff; a done job
    with a callback sends its webhook."""
    for job_id, outcome in outcomes.items():
        if outcome.error is not None:
            delay = retry_or_fail(stores.jobs, job_id, outcome.error, 1,
                                  settings.task_max_retries)
            if delay is not None:
                localize_job.apply_async((job_id,), queue=BATCH, countdown=delay, retries=1)
        elif outcome.webhook_queue is not None:
            deliver_webhook.apply_async((job_id,), queue=outcome.webhook_queue)


def _split_after_time_limit(at_hand: str, untouched: list[str], stores: Services) -> None:
    """The chunk's time ran out while `at_hand` ran: it goes back to queued and runs alone
    under the per-article limit (where a hopeless article fails as too long); the jobs the
    chunk had not started go back to queued too, as a new chunk."""
    stores.jobs.note_retry(at_hand, "its chunk ran out of time; it runs on its own")
    localize_job.apply_async((at_hand,), queue=BATCH)
    if untouched:
        stores.jobs.release(untouched, "its chunk ran out of time before it started; "
                                       "queued again in a new chunk")
        current_app.extensions[SEND_CHUNK](untouched)


def time_limit_error(seconds: float) -> str:
    return (
        f"took longer than {seconds:g} s; the article was not localized. Split it or remove "
        "what is not copy (pasted data, long lists), then submit it again"
    )


@shared_task(bind=True, name=DELIVER_WEBHOOK, acks_late=True, max_retries=None)
def deliver_webhook(self, job_id: str) -> str:
    """POST a done job to its callback URL, signed; retried while the receiver fails."""
    worker = worker_services()
    attempt = self.request.retries + 1
    delivery = send_job_webhook(
        job_id, attempt, worker.services.jobs, worker.services.keys, worker.webhook_log,
        send=partial(post, timeout=worker.settings.webhook_timeout,
                     allow=worker.settings.webhook_allow_networks),
    )
    if delivery is None:
        return "nothing to send"
    if delivery.delivered:
        log.info("job %s: webhook delivered (attempt %d)", job_id, attempt)
        return "delivered"
    if delivery.permanent:  # a refused destination stays refused: retrying cannot help
        log.warning("job %s: webhook not sent: %s", job_id, delivery.error)
        return "refused"
    # The error, never the URL: a callback URL may carry credentials.
    log.info("job %s: webhook attempt %d failed: %s", job_id, attempt,
             delivery.error or f"HTTP {delivery.status_code}")
    if attempt >= worker.settings.webhook_max_attempts:
        log.warning(
            "job %s: webhook not delivered after %d attempts: %s", job_id, attempt, delivery.error
        )
        return "given up"
    raise self.retry(countdown=WEBHOOK_BACKOFF.delay(attempt))


@shared_task(name=SWEEP_JOBS, ignore_result=True)
def sweep_jobs() -> str:
    """Queue again (or fail) the jobs whose lease ran out; `celery beat` sends this."""
    services = current_app.extensions["audarma"]
    report = sweep(services.jobs, services.enqueue, JOB_QUEUES, services.queue_size)
    return f"{len(report.requeued)} queued again, {len(report.failed)} failed"
