"""The services one app (API process or worker) is built with: typed, so that a reader and the
type checker can follow a job from the request to the store. create_app builds one and keeps it
in `app.extensions["audarma"]`; blueprints reach it through service.api.requests.services()."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .config import Settings
from .foreground import Foreground
from .store.db import Database
from .store.repositories import CandidateStore, GlossaryStore, JobStore, KeyStore, Leases

if TYPE_CHECKING:
    from .store.batches import BatchStore
    from .store.repositories import WebhookLog
    from .usecases import ports

Enqueue = Callable[[str, str], None]  # the same shape as usecases.ports.Enqueue


@dataclass
class Services:
    settings: Settings
    db: Database
    jobs: JobStore
    glossary: GlossaryStore
    keys: KeyStore
    candidates: CandidateStore
    # Hands a committed job to the workers of a queue (set by celery_init_app, or given).
    enqueue: Enqueue
    # Raises when the broker does not answer (GET /readyz); None without a broker.
    broker_ping: Callable[[], None] | None = None
    # Messages waiting in a broker queue (the sweeper leaves a busy queue's backlog alone);
    # None without a broker.
    queue_size: Callable[[str], int] | None = None
    # Editors' jobs in flight, which batch workers wait for (service/foreground.py); set with
    # the broker, None without one.
    foreground: Foreground | None = None
    # Set by the API's init: the rate limiter and the request metrics.
    limiter: Any = None
    metrics: Any = None
    # Set by the UI's init: the people who sign in to /ui (service.store.users.UserStore).
    users: Any = None

    @classmethod
    def on(cls, settings: Settings, db: Database, enqueue: Enqueue) -> Services:
        """Every store over one database."""
        return cls(
            settings=settings, db=db, jobs=JobStore(db, leases_of(settings)),
            glossary=GlossaryStore(db),
            keys=KeyStore(db, settings.key_cache_seconds), candidates=CandidateStore(db),
            enqueue=enqueue,
        )


def leases_of(settings: Settings) -> Leases:
    return Leases(queued=settings.queued_lease_seconds, running=settings.job_lease_seconds,
                  max_sweeps=settings.job_max_sweeps)


if TYPE_CHECKING:
    # The type checker holds the store's repositories to the use cases' Protocols here, so a
    # changed signature on either side is an error in CI, not a failure in a worker.
    def _stores_fit_the_ports(services: Services, batches: BatchStore, log: WebhookLog) -> None:
        jobs: ports.Jobs = services.jobs
        glossary: ports.Glossary = services.glossary
        candidates: ports.Candidates = services.candidates
        keys: ports.Keys = services.keys
        batch_store: ports.Batches = batches
        attempts: ports.WebhookAttempts = log
        del jobs, glossary, candidates, keys, batch_store, attempts
