"""Integration fixtures: a fresh PostgreSQL database, a Redis database, real worker processes.

Nothing is mocked: jobs go through the real API (Flask's test client), the real Celery enqueue
into Redis, real `celery worker` processes and real SQL. Machine translation, where a test
needs it, is a fake LibreTranslate server on 127.0.0.1 that can stall or answer 503.

Without PostgreSQL or Redis every test here is skipped with the reason; with CI=true they fail
instead, so CI cannot pass by skipping them. AUDARMA_TEST_POSTGRES (an admin URL, default
postgresql://postgres@127.0.0.1:5432/postgres) and AUDARMA_TEST_REDIS (by default each run
claims a free database number 1-15 on 127.0.0.1:6379, flushed before each test) point
elsewhere. Each run has its own PostgreSQL database and Redis database, so two suites can run
at once on one machine.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import redis

from service.config import Settings
from service.store.db import Database
from service.store.models import Job, JobResult
from service.store.repositories import GlossaryStore, KeyStore
from tests.support.fake_mt_servers import FakeLibreTranslate

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ADMIN_URL = os.environ.get("AUDARMA_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("AUDARMA_TEST_REDIS", "redis://127.0.0.1:6379/10")
READY_SECONDS = 60.0
FINISHED = ("done", "failed")


# --------------------------------------------------------------------------- the services


def _unreachable() -> str | None:
    """Why PostgreSQL or Redis cannot be used, or None when both answer."""
    try:
        with psycopg.connect(ADMIN_URL, connect_timeout=3):
            pass
    except psycopg.Error as exc:
        return f"PostgreSQL at {ADMIN_URL} is not reachable ({exc.__class__.__name__}: {exc})"
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        return f"Redis at {REDIS_URL} is not reachable ({exc})"
    return None


@pytest.fixture(scope="session", autouse=True)
def backing_services() -> None:
    reason = _unreachable()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"integration tests need PostgreSQL and Redis under CI: {reason}")
    pytest.skip(f"integration tests need PostgreSQL and Redis: {reason}")


@pytest.fixture(scope="session")
def database_url(backing_services) -> Iterator[str]:
    """A database of its own for this test session: migrated, glossary seeded, then dropped."""
    name = f"audarma_test_{secrets.token_hex(4)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(ADMIN_URL)
    url = urlunsplit(("postgresql+psycopg", parts.netloc, f"/{name}", parts.query, ""))
    db = Database(url)
    db.upgrade()
    GlossaryStore(db).seed_if_empty()
    db.dispose()
    yield url
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def redis_url(backing_services) -> Iterator[str]:
    """A Redis database number of this test run's own, claimed with a lock key in database 0,
    so two suites run at once never share a broker (or take each other's tasks, or flush
    each other's queues). AUDARMA_TEST_REDIS, when set, is used as it is."""
    if "AUDARMA_TEST_REDIS" in os.environ:
        yield REDIS_URL
        return
    parts = urlsplit(REDIS_URL)
    claims = redis.Redis.from_url(urlunsplit((*parts[:2], "/0", "", "")))
    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    for number in range(1, 16):
        if claims.set(f"audarma:test-run:db{number}", token, nx=True, ex=4 * 3600):
            break
    else:
        pytest.fail("every Redis database 1-15 is claimed by another test run")
    yield urlunsplit((*parts[:2], f"/{number}", "", ""))
    if claims.get(f"audarma:test-run:db{number}") == token.encode():
        claims.delete(f"audarma:test-run:db{number}")
    claims.close()


@pytest.fixture
def broker_url(redis_url) -> Iterator[str]:
    """The test's Redis database, empty: no message of an earlier test reaches its workers."""
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield redis_url
    client.flushdb()
    client.close()


@pytest.fixture
def db(database_url) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def fake_mt() -> Iterator[FakeLibreTranslate]:
    """A LibreTranslate stand-in the workers use when a job forces engine 'libretranslate'."""
    with FakeLibreTranslate() as server:
        yield server


@pytest.fixture
def service_env(database_url, broker_url, fake_mt) -> dict[str, str]:
    """AUDARMA_* variables shared by the API and the workers, as docker-compose sets them."""
    return {
        "AUDARMA_DATABASE_URL": database_url,
        "AUDARMA_BROKER_URL": broker_url,
        "AUDARMA_RATE_LIMIT_STORAGE": broker_url,
        # Tests poll jobs every 50 ms: more than the default 120 requests a minute per key.
        "AUDARMA_RATE_LIMIT": "100000/minute",
        "AUDARMA_LIBRETRANSLATE_URL": fake_mt.url,
        # One HTTP attempt per task run, so an engine's 503 reaches the task's own retries.
        "AUDARMA_HTTP_RETRIES": "0",
        "AUDARMA_HTTP_TIMEOUT": "30",
        "AUDARMA_GLOSSARY_REFRESH_SECONDS": "0.5",
        # Webhook receivers in these tests listen on loopback, which is refused by default.
        "AUDARMA_WEBHOOK_ALLOW_NETWORKS": "127.0.0.0/8,::1/128",
    }


def settings_field(name: str) -> bool:
    return name in {f.name for f in fields(Settings)}


# --------------------------------------------------------------------------- the API


@pytest.fixture
def app(service_env, monkeypatch):
    """The real app with the real Celery enqueue, configured like the worker processes."""
    from service.app import create_app
    from service.queueing import celery_init_app

    for name, value in service_env.items():
        monkeypatch.setenv(name, value)
    flask_app = create_app({"TESTING": True})
    if "celery" not in flask_app.extensions:
        celery_init_app(flask_app)
    yield flask_app
    flask_app.extensions["celery"].close()
    flask_app.extensions["audarma"].db.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@dataclass
class Editor:
    """An editor's API key, its id, and the headers that present it."""

    key: str
    id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


@pytest.fixture
def editor(db) -> Editor:
    key, row = KeyStore(db).create("editor", "integration test")
    return Editor(key, row["id"])


def submit(client, editor: Editor, **body) -> str:
    response = client.post("/v1/jobs", json=body, headers=editor.headers)
    assert response.status_code == 202, response.get_data(as_text=True)
    return response.get_json()["id"]


def wait_for_job(client, editor: Editor, job_id: str, timeout: float = 30.0) -> dict:
    """GET the job until it is done or failed; fails the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(f"/v1/jobs/{job_id}", headers=editor.headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        job = response.get_json()
        if job["status"] in FINISHED:
            return job
        if time.monotonic() > deadline:
            pytest.fail(f"job {job_id} still {job['status']} after {timeout}s: {job['events']}")
        time.sleep(0.05)


def result_rows(db: Database, job_id: str) -> list[tuple[str, dict]]:
    with db.session() as session:
        rows = session.query(JobResult).filter(JobResult.job_id == job_id).all()
        return sorted((row.locale, row.version) for row in rows)


def job_row(db: Database, job_id: str) -> dict:
    with db.session() as session:
        job = session.get(Job, job_id)
        return {"status": job.status, "attempts": job.attempts, "queue": job.queue}


# --------------------------------------------------------------------------- processes


class Process:
    """A service process started for a test, in its own process group, logging to a file."""

    def __init__(
        self, argv: list[str], env: dict[str, str], log: Path, ready: str | None, cwd: Path = ROOT
    ):
        self.log = log
        self._ready = ready
        self.popen = subprocess.Popen(
            argv, env=env, cwd=cwd, stdout=log.open("wb"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    @property
    def pid(self) -> int:
        return self.popen.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, timeout: float = READY_SECONDS) -> Process:
        if self._ready is None:
            return self
        deadline = time.monotonic() + timeout
        while self._ready not in self.output():
            if self.popen.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{self.log.name} did not start:\n{self.output()[-3000:]}")
            time.sleep(0.05)
        return self

    def children(self) -> list[int]:
        """PIDs of this process's children (a Celery worker's pool processes)."""
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields_ = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # the process ended while we looked
            if int(fields_[1]) == self.pid:
                found.append(int(stat.parent.name))
        return found

    def kill(self) -> None:
        """SIGKILL the whole group at once: no warm shutdown, no message given back."""
        if self.popen.poll() is None:
            os.killpg(self.pid, signal.SIGKILL)
        self.popen.wait()

    def stop(self, timeout: float = 15.0) -> None:
        if self.popen.poll() is None:
            os.killpg(self.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        # A killed main process can leave its pool children behind in the group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)


@pytest.fixture
def start_worker(service_env, tmp_path) -> Iterator[Callable[..., Process]]:
    """start_worker(queues, concurrency=1, **env): a `celery worker` process, ready to consume."""
    started: list[Process] = []

    def start(
        queues: str = "interactive,batch,webhooks,sweeps", concurrency: int = 1, **env: str
    ) -> Process:
        name = f"w{len(started) + 1}-{queues.replace(',', '-')}"
        argv = [
            str(BIN / "celery"), "-A", "workers.celery_app", "worker", "--queues", queues,
            "--concurrency", str(concurrency), "--pool", "prefork", "--hostname", f"{name}@%h",
            "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        env = {**os.environ, **service_env, **env}
        process = Process(argv, env, tmp_path / f"{name}.log", " ready.")
        started.append(process)
        return process.wait_ready()

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def start_process(service_env, tmp_path) -> Iterator[Callable[..., Process]]:
    """start_process(name, argv, ready=None, env=None, cwd=ROOT): another service process
    (gunicorn, `audarma serve`); `env` None means this machine's plus service_env."""
    started: list[Process] = []

    def start(
        name: str,
        argv: list[str],
        ready: str | None = None,
        env: dict[str, str] | None = None,
        cwd: Path = ROOT,
    ) -> Process:
        env = {**os.environ, **service_env} if env is None else env
        process = Process(argv, env, tmp_path / f"{name}.log", ready, cwd)
        started.append(process)
        return process.wait_ready()

    yield start
    for process in started:
        process.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def loads(body: bytes) -> dict:
    return json.loads(body.decode("utf-8"))


# --------------------------------------------------------------------------- faults

# Short limits and leases, so the sweeper takes jobs back within seconds.
FAST_SWEEP = {
    "AUDARMA_TASK_SOFT_TIME_LIMIT": "8",
    "AUDARMA_TASK_TIME_LIMIT": "10",
    "AUDARMA_JOB_LEASE_SECONDS": "12",
    "AUDARMA_QUEUED_LEASE_SECONDS": "3",
    "AUDARMA_SWEEP_INTERVAL_SECONDS": "0.5",
}


@pytest.fixture
def fast_sweep(monkeypatch) -> None:
    """Short leases for the API too (request it before `client`): a batch's queued jobs carry
    the API's queued lease, which is what brings back a chunk a killed worker had taken."""
    for name, value in FAST_SWEEP.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def start_beat(start_process, service_env, tmp_path):
    """`celery beat` sending the sweep task (the production sweeper)."""

    def start(**env: str):
        argv = [str(BIN / "celery"), "-A", "workers.celery_app", "beat", "--loglevel", "INFO",
                "--schedule", str(tmp_path / "beat-schedule")]
        return start_process("beat", argv, ready="beat: Starting",
                             env={**os.environ, **service_env, **env})

    return start
