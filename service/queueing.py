"""The Celery app bound to the Flask app (the Flask docs' celery_init_app), queues and routing.

Two queues: `interactive` (an editor waits for the answer) and `batch` (archives), each with
its own workers, so a long batch never delays an interactive job. A job goes to the queue
stored on its row. Tasks are acknowledged after they finish and fetched one at a time, so a
worker that dies mid-task leaves its message to be delivered again.

The worker entry point is workers/celery_app.py (`celery -A workers.celery_app worker`, or
`audarma worker`); the tasks are in workers/tasks.py. This module is the one definition of the
queues and task names that the API (to enqueue) and the workers (to consume) share.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from celery import Celery, Task
from celery.signals import setup_logging, worker_process_init, worker_process_shutdown
from flask import Flask
from kombu import Exchange
from kombu import Queue as BrokerQueue
from kombu.exceptions import ChannelError

from service import embedded_broker, redis_broker
from service.config import Settings
from service.domain import QUEUES, Queue
from service.foreground import Foreground

INTERACTIVE, BATCH = Queue.INTERACTIVE, Queue.BATCH
LOCALIZE_JOB = "audarma.localize_job"
LOCALIZE_CHUNK = "audarma.localize_chunk"
# Jobs per chunk task on the batch queue: one broker message and one acknowledgement carry this
# many articles, and a killed worker redelivers at most this many (the finished ones skipped).
BATCH_CHUNK_SIZE = 50
# app.extensions key of the app's send_chunk(job_ids); absent for an app given its enqueue.
SEND_CHUNK = "audarma_send_chunk"
DELIVER_WEBHOOK = "audarma.deliver_webhook"
SWEEP_JOBS = "audarma.sweep_jobs"


def celery_init_app(app: Flask) -> Celery:
    """Bind a Celery app to `app`: tasks run inside its app context and reach its services.

    Also gives the app's services an `enqueue(job_id, queue)` and a `broker_ping()` that use
    this Celery app's broker, and the app a send_chunk(job_ids) for batches (SEND_CHUNK).
    """
    services = app.extensions["audarma"]
    settings: Settings = services.settings

    class FlaskTask(Task):
        def __call__(self, *args: object, **kwargs: object) -> object:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.name, task_cls=FlaskTask)
    celery.config_from_object(celery_config(settings))
    celery.set_default()
    app.extensions["celery"] = celery
    services.foreground = Foreground.for_broker(settings.broker_url,
                                                settings.batch_yield_seconds)
    services.enqueue = partial(
        enqueue, celery, foreground=services.foreground,
        wake_embedded=settings.embedded_wake and embedded_broker.is_embedded(settings.broker_url),
    )
    app.extensions[SEND_CHUNK] = partial(
        enqueue_chunk, celery, soft_time_limit=settings.task_soft_time_limit,
        time_limit=settings.task_time_limit,
        ceiling=CHUNK_SHARE_OF_VISIBILITY * _visibility_timeout(settings),
        wake_embedded=settings.embedded_wake and embedded_broker.is_embedded(settings.broker_url),
    )
    services.broker_ping = partial(broker_ping, celery)
    services.queue_size = partial(queue_size, celery)
    return celery


def celery_config(settings: Settings) -> dict:
    """Celery settings for audarma's workers and producers."""
    if settings.broker_url.startswith(("sqla+", "sqlalchemy+")):
        _speed_up_embedded_broker()
    if settings.broker_url.startswith(("redis://", "rediss://")):
        redis_broker.install()  # a worker that survives a Redis restart (see the module)
    return {
        "broker_url": settings.broker_url,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": _transport_options(settings),
        # Publishing during an outage: two quick retries, then the API records the job as not
        # queued and answers 503 (the sweeper queues it later).
        "task_publish_retry_policy": {
            "max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5,
        },
        # Job state and results live in SQL; nobody reads Celery results.
        "task_ignore_result": True,
        "result_backend": None,
        # Ack after the task, one message at a time: a dead worker's job is delivered again
        # (tasks are idempotent), and a busy worker does not sit on jobs others could run.
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        # No article may hold a pool process for long: localize_job fails the job at the soft
        # limit; the hard limit kills a process stuck where the soft one cannot reach (inside
        # a C call), and a process grown too large is replaced after its job.
        "task_soft_time_limit": settings.task_soft_time_limit,
        "task_time_limit": settings.task_time_limit,
        "worker_max_memory_per_child": settings.worker_max_memory_per_child,
        # A lost broker connection redelivers unacked messages anyway; stop the local copy.
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        # Each job is sent to the queue stored on its row, its webhook to the same one, and a
        # retry to the queue it came from; anything sent without a queue is interactive.
        "task_default_queue": INTERACTIVE,
        "task_queues": tuple(
            BrokerQueue(str(name), Exchange(str(name)), routing_key=str(name)) for name in QUEUES
        ),
        "imports": ("workers.tasks",),
        # The sweeper (service/usecases/sweep.py) under `celery beat`; a run that waited longer
        # than one interval is dropped, the next one does the same work.
        "beat_schedule": {
            "sweep-jobs": {
                "task": SWEEP_JOBS,
                "schedule": settings.sweep_interval_seconds,
                "options": {"queue": Queue.SWEEPS, "expires": settings.sweep_interval_seconds},
            },
        },
    }


def _transport_options(settings: Settings) -> dict:
    if not settings.broker_url.startswith(("redis://", "rediss://")):
        return {}
    return {
        # An unacked message (its worker was killed) is delivered again after this long; it
        # must exceed the longest task plus its retry countdown, or a running job is duplicated.
        "visibility_timeout": _visibility_timeout(settings),
        # A Redis that is down or hung (SIGSTOP) costs a submission about two seconds and a
        # 503, not a request that hangs: connect and each command give up after these.
        "socket_connect_timeout": 1,
        "socket_timeout": 2,
    }


def _visibility_timeout(settings: Settings) -> float:
    # AUDARMA_BROKER_VISIBILITY_TIMEOUT, once Settings carries that field.
    return float(settings.broker_visibility_timeout)


def _speed_up_embedded_broker() -> None:
    # The embedded worker sleeps on a socket the API wakes after each enqueue (one poll every
    # 0.1 s remains the fallback); see service/embedded_broker.py.
    embedded_broker.install()


def enqueue(celery: Celery, job_id: str, queue: str, wake_embedded: bool = False,
            foreground: Foreground | None = None) -> None:
    """Send a committed job to the workers of `queue` (create_app's enqueue). An interactive
    job is then marked in flight, so batch workers hold back until it is done (marked after
    the send: with Redis down or hung, the send's own timeout is the only wait)."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}; queues: {', '.join(QUEUES)}")
    celery.send_task(LOCALIZE_JOB, args=(job_id,), queue=queue)
    if foreground is not None and queue == Queue.INTERACTIVE:
        foreground.mark(job_id)
    if wake_embedded:
        embedded_broker.wake(celery.conf.broker_url)


# A chunk's hard time limit stays below this share of the broker's visibility timeout: a task
# still running when the timeout passes would be delivered a second time, to another worker.
CHUNK_SHARE_OF_VISIBILITY = 0.8


def enqueue_chunk(
    celery: Celery, job_ids: Sequence[str], soft_time_limit: float, time_limit: float,
    ceiling: float | None = None, wake_embedded: bool = False,
) -> None:
    """Send a chunk of a batch's committed jobs to the batch queue as one task.

    The task's time limits are the per-article ones times the chunk's length, so the chunk as
    a whole gets what its articles would get one by one (the task itself hands an article that
    used up the chunk's time to localize_job, under the per-article limit), but never more
    than `ceiling` (below the broker's visibility timeout): a chunk that reaches it hands its
    remaining articles on the same way.
    """
    count = len(job_ids)
    hard = time_limit * count if ceiling is None else min(time_limit * count, ceiling)
    soft = min(soft_time_limit * count, hard - (time_limit - soft_time_limit))
    celery.send_task(
        LOCALIZE_CHUNK, args=(list(job_ids),), queue=BATCH,
        soft_time_limit=soft, time_limit=hard,
    )
    if wake_embedded:
        embedded_broker.wake(celery.conf.broker_url)


def broker_ping(celery: Celery) -> None:
    """Raise when the broker does not answer (GET /readyz)."""
    with celery.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0)


def queue_size(celery: Celery, queue: str) -> int:
    """Messages waiting in `queue` (not those a worker has taken); raises when the broker does
    not answer."""
    with celery.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0)
        try:
            declared = connection.default_channel.queue_declare(queue=queue, passive=True)
        except ChannelError:
            return 0  # Redis drops the key of an empty list: no such queue is an empty queue
        return int(declared.message_count)


def bind_worker_process_signals(flask_app: Flask) -> None:
    """Per pool process: fresh database connections after the fork, engines closed at exit;
    and the service's own logging instead of Celery's."""
    services = flask_app.extensions["audarma"]

    @setup_logging.connect(weak=False)
    def _one_logging_setup(loglevel: object = None, **_: object) -> None:
        from .logs import configure

        configure(loglevel if isinstance(loglevel, str) else None)

    @worker_process_init.connect(weak=False)
    def _fresh_connections(**_: object) -> None:
        # A forked pool process must not share the parent's pooled database connections.
        services.db.engine.dispose(close=False)

    @worker_process_shutdown.connect(weak=False)
    def _close_engines(**_: object) -> None:
        # Apertium pipelines are child processes of this pool process; end them with it.
        worker = flask_app.extensions.get("audarma_worker")
        if worker is not None:
            worker.close()
