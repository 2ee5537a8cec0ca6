"""The sweeper: jobs nobody will finish are taken back, so nothing stays queued or running.

A worker killed mid-job, a broker that restarted without its queues, a database outage longer
than a task's retries, an enqueue the broker refused: each leaves a job whose lease runs out
(see service.store.repositories.Leases). Every sweep queues such jobs again, or fails them
past the limit with an error that says what happened. Celery beat runs it in production,
a thread in `audarma serve`; running two sweepers at once is safe (locked rows are skipped).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .ports import Enqueue, Jobs

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepReport:
    requeued: list[str]
    failed: list[str]
    unqueued: list[str]  # the broker refused them again; the next sweep tries once more


def sweep(
    jobs: Jobs, enqueue: Enqueue, queues: Iterable[str],
    queue_size: Callable[[str], int] | None = None, limit: int = 500,
) -> SweepReport:
    busy = _busy_queues(queues, queue_size)
    taken = jobs.sweep(limit, busy)
    requeued: list[str] = []
    unqueued: list[str] = []
    for job_id, queue in taken.requeue:
        try:
            enqueue(job_id, queue)
        except Exception as exc:
            jobs.mark_unqueued(job_id, getattr(exc, "message", None) or type(exc).__name__)
            unqueued.append(job_id)
        else:
            requeued.append(job_id)
    if requeued or taken.failed or unqueued:
        log.warning("sweep: %d job(s) queued again, %d failed after too many take-backs, "
                    "%d still not accepted by the broker", len(requeued), len(taken.failed),
                    len(unqueued))
    return SweepReport(requeued, taken.failed, unqueued)


def _busy_queues(queues: Iterable[str], queue_size: Callable[[str], int] | None) -> set[str]:
    """Queues the broker still holds messages on. A broker that cannot say counts as busy:
    resending a backlog that is only out of sight would double it."""
    names = list(queues)
    if queue_size is None:
        return set()
    busy = set()
    for name in names:
        try:
            if queue_size(name) > 0:
                busy.add(name)
        except Exception:
            busy.add(name)
    return busy
