"""`audarma serve` and `audarma worker`: the service's processes, as commands of the CLI group.

`serve` is the embedded, one-machine shape; `worker` is a production Celery worker whose broker
and database come from AUDARMA_* variables (see docker-compose.yml).
"""

from __future__ import annotations

import os
from collections.abc import Callable

import click

from .config import Settings, SettingsError


def _lowest_priority() -> None:
    """SCHED_IDLE where the system has it (Linux); elsewhere the highest niceness."""
    if hasattr(os, "sched_setscheduler") and hasattr(os, "SCHED_IDLE"):
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    else:
        os.nice(19)


CPU_PRIORITIES: dict[str, Callable[[], object]] = {
    "normal": lambda: None,
    "low": lambda: os.nice(10),
    "idle": _lowest_priority,
}


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0: any free port).",
)
def serve(host: str, port: int) -> None:
    """Run the API and an embedded worker on SQLite: no other server needed.

    The database and the message broker are SQLite files in the current folder unless
    AUDARMA_DATABASE_URL / AUDARMA_BROKER_URL say otherwise. The first start prints an editor
    API key.
    """
    from .logs import configure
    from .serve import serve as run

    configure()
    run(host, port, _settings(), echo=click.echo)


@click.command()
@click.option(
    "--queues",
    default="interactive,batch,webhooks,sweeps",
    show_default=True,
    help="Queues to consume, comma-separated: interactive, batch, webhooks, sweeps.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1),
    default=None,
    help="Tasks run at once (pool processes). Default: one per CPU.",
)
@click.option(
    "--loglevel",
    default="INFO",
    show_default=True,
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
)
@click.option(
    "--pool",
    type=click.Choice(["prefork", "threads", "solo"]),
    default="prefork",
    show_default=True,
    help="prefork for localization; threads for the webhooks queue (network-bound).",
)
@click.option(
    "--priority",
    type=click.Choice(list(CPU_PRIORITIES)),
    default="normal",
    show_default=True,
    help="CPU priority of the worker and its pool processes. low: niceness 10. idle: Linux's "
         "SCHED_IDLE, the CPU only when nothing else wants it; batch workers sharing a host "
         "with the API or interactive workers then never slow an editor's job.",
)
def worker(queues: str, concurrency: int | None, loglevel: str, pool: str, priority: str) -> None:
    """Run a Celery worker for the given queues (production: AUDARMA_BROKER_URL=redis://...)."""
    from service.queueing import QUEUES

    names = [name.strip() for name in queues.split(",") if name.strip()]
    unknown = [name for name in names if name not in QUEUES]
    if not names or unknown:
        raise click.BadParameter(
            f"unknown queue(s) {', '.join(unknown) or '(none given)'}; queues: {', '.join(QUEUES)}",
            param_hint="--queues",
        )
    _settings()  # a bad variable is reported here, not as a traceback from inside Celery
    CPU_PRIORITIES[priority]()  # inherited by the pool processes Celery forks
    argv = ["-A", "workers.celery_app", "worker", "--queues", ",".join(names),
            "--loglevel", loglevel, "--pool", pool]
    if concurrency:
        argv += ["--concurrency", str(concurrency)]
    # Celery loads the worker entry point by name, as `celery -A workers.celery_app` does; the
    # service never imports the workers package itself.
    from celery.bin.celery import celery as celery_command

    celery_command.main(args=argv, prog_name="audarma worker")
