"""`audarma serve`: the whole service on one machine, with no server to install.

It uses the embedded defaults (a SQLite database and a SQLite message broker in the current
folder), applies migrations, seeds the glossary on first start, starts one Celery worker as a
child process and serves the API with werkzeug's threaded server. Jobs stay asynchronous, as in
production: POST returns 202 and the client polls. Ctrl-C or SIGTERM stops both processes.
"""

from __future__ import annotations

import _thread
import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from werkzeug.serving import make_server

from .config import Settings
from .domain import Role
from .store.db import Database
from .store.repositories import GlossaryStore, KeyStore

log = logging.getLogger(__name__)

WORKER_STOP_SECONDS = 15.0
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


@dataclass(frozen=True)
class Prepared:
    """What the first steps did: entries seeded (0 when the glossary existed) and a new key."""

    seeded: int
    editor_key: str | None  # only on the first start: keys are stored hashed


def prepare(settings: Settings) -> Prepared:
    """Migrate the database, seed an empty glossary and create an editor key on first start."""
    db = Database(settings.database_url)
    try:
        db.upgrade()
        paths = [settings.glossary_path] if settings.glossary_path else None
        seeded = GlossaryStore(db).seed_if_empty(paths)
        keys = KeyStore(db)
        editor_key = keys.create(Role.EDITOR, "embedded editor")[0] if keys.count() == 0 else None
    finally:
        db.dispose()
    return Prepared(seeded, editor_key)


def worker_command(queues: str = "interactive,batch", pool: str = "solo",
                   concurrency: int = 1) -> list[str]:
    """An embedded worker. The default localizes (both job queues, one task at a time, no pool
    process to manage); webhooks get a worker of their own (WEBHOOK_WORKER), so a receiver that
    hangs never holds a localization."""
    return [
        sys.executable, "-m", "celery", "-A", "workers.celery_app", "--quiet", "worker",
        "--queues", queues, "--concurrency", str(concurrency), "--pool", pool,
        "--hostname", f"{queues.replace(',', '-')}@%h",
        "--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip


# Deliveries wait on the network, not the CPU: threads, several at once.
WEBHOOK_WORKER = {"queues": "webhooks", "pool": "threads", "concurrency": 4}


def start_worker(settings: Settings, **command: Any) -> subprocess.Popen:
    """Start an embedded worker (worker_command(**command)) with this process's database and
    broker."""
    env = {
        **os.environ,
        "AUDARMA_DATABASE_URL": settings.database_url,
        "AUDARMA_BROKER_URL": settings.broker_url,
    }
    # A session of its own: Ctrl-C reaches only `serve`, which then stops the worker in order.
    return subprocess.Popen(
        worker_command(**command), env=env, start_new_session=True, preexec_fn=_die_with_parent
    )


def stop_worker(worker: subprocess.Popen, timeout: float = WORKER_STOP_SECONDS) -> int:
    """SIGTERM (Celery's warm shutdown: the running task finishes), then SIGKILL if it hangs."""
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    return worker.returncode


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    settings: Settings | None = None,
    echo: Callable[[str], None] = print,
) -> None:
    """Run API and embedded worker until Ctrl-C or SIGTERM."""
    from .app import close_app, create_app

    settings = settings or Settings.from_env()
    prepared = prepare(settings)
    app = create_app(settings)
    server = make_server(host, port, app, threaded=True)
    worker = start_worker(settings)
    webhooks = start_worker(settings, **WEBHOOK_WORKER)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        _announce(echo, f"http://{_display_host(host)}:{server.server_port}", prepared)
        _watch(worker, stopping, echo)
        _watch(webhooks, stopping, echo)
        start_sweeper(app.extensions["audarma"], stopping)
        server.serve_forever()  # returns on Ctrl-C or SIGTERM: werkzeug takes the interrupt
    finally:
        stopping.set()
        echo("stopping: the embedded worker finishes its current task first")
        server.server_close()
        close_app(app)  # engines the drop-in endpoints started (Apertium child processes)
        stop_worker(webhooks)
        stop_worker(worker)


def _announce(echo: Callable[[str], None], url: str, prepared: Prepared) -> None:
    echo(f"audarma is serving on {url} (embedded database, broker and worker)")
    if prepared.seeded:
        echo(f"glossary: {prepared.seeded} entries loaded from the shipped collections")
    echo(f"glossary maintainers' UI: {url}/ui/ (make a login with "
         "`audarma users create --role admin --username NAME`)")
    if prepared.editor_key is None:
        echo(
            "editor key: printed on the first start (only its hash is stored); make another "
            "with `audarma keys create --role editor`"
        )
        return
    echo(f"editor key: {prepared.editor_key}")
    echo("try it:")
    echo(
        f"  curl -s -X POST {url}/v1/jobs -H 'Authorization: Bearer {prepared.editor_key}' "
        "-H 'Content-Type: application/json' "
        '-d \'{"text": "Kassym-Zhomart Tokayev met Ma Xingruy.", "targets": ["ru-RU"]}\''
    )
    echo(f"  curl -s {url}/v1/jobs/<id> -H 'Authorization: Bearer {prepared.editor_key}'")


def _display_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "") else host


def _watch(worker: subprocess.Popen, stopping: threading.Event, echo) -> None:
    """Stop serving when the worker dies: an API whose jobs would never run misleads clients."""

    def wait() -> None:
        code = worker.wait()
        if not stopping.is_set():
            echo(f"the embedded worker exited with code {code}; stopping")
            _thread.interrupt_main()

    threading.Thread(target=wait, name="worker-watch", daemon=True).start()


def start_sweeper(services, stopping: threading.Event) -> threading.Thread:
    """The sweeper as a thread (production runs it under `celery beat`): at start, then every
    sweep_interval_seconds, jobs whose lease ran out are queued again. After `serve` was killed
    with its worker, the job that was running is taken back once its lease has passed."""
    from .domain import JOB_QUEUES
    from .usecases.sweep import sweep

    def run() -> None:
        while not stopping.is_set():
            try:
                sweep(services.jobs, services.enqueue, JOB_QUEUES, services.queue_size)
            except Exception:
                log.exception("sweep failed; trying again in %g s",
                              services.settings.sweep_interval_seconds)
            stopping.wait(services.settings.sweep_interval_seconds)

    thread = threading.Thread(target=run, name="sweeper", daemon=True)
    thread.start()
    return thread


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _die_with_parent() -> None:
    # Linux: if `serve` is killed outright (SIGKILL), the worker gets SIGTERM instead of living
    # on without its API. Elsewhere this is a no-op and stop_worker is the only stop.
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass
