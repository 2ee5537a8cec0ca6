"""Benchmark: the production shape's API under load: job submissions against a bare endpoint.

Starts what docker-compose runs, on this machine: gunicorn (2 workers) with the app, one Celery
worker, Redis (broker and rate limits) and PostgreSQL (a fresh database, dropped afterwards).
Then, from threads on loopback with http.client:

1. POST /v1/jobs (one paragraph, target en-GB: no machine translation) for a bounded time:
   submissions per second, p50 and p99 latency;
2. GET /healthz with the same load: the bare-Flask baseline, and the ratio to it;
3. submit -> done one job at a time, polling GET /v1/jobs/<id>: median end-to-end latency.

Targets: >= 300 submissions/s with p99 <= 50 ms; end-to-end median <= 100 ms.

    .venv/bin/python bench/api.py
    .venv/bin/python bench/api.py --seconds 20 --threads 8
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
LOGS = ROOT / "bench" / ".cache"

import psycopg  # noqa: E402
import redis  # noqa: E402

from service.store.db import Database  # noqa: E402
from service.store.repositories import GlossaryStore, KeyStore  # noqa: E402

TARGET_SUBMITS_PER_SECOND = 300
TARGET_P99_MS = 50
TARGET_E2E_MEDIAN_MS = 100
PARAGRAPH = (
    "President Kassym-Zhomart Tokayev met Ma Xingruy in Astana on 28 March 2023, and the two "
    "sides signed agreements worth $24 billion. Prime Minister Olzhas Bektenov said trade grew "
    "by 12.5% last year."
)


# --------------------------------------------------------------------------- the service


@dataclass
class Stack:
    """The running processes and what they need: a port, a key, the database to drop."""

    port: int
    key: str
    env: dict
    processes: list[subprocess.Popen]
    admin_url: str
    database: str

    def start_worker(self) -> None:
        worker = [str(BIN / "celery"), "-A", "workers.celery_app", "worker", "--queues",
                  "interactive,batch", "--concurrency", "1", "--loglevel", "WARNING",
                  "--without-gossip", "--without-mingle", "--without-heartbeat"]  # fmt: skip
        self.processes.append(_spawn(worker, self.env, LOGS / "api-worker.log"))

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


def start_stack(args: argparse.Namespace) -> Stack:
    """PostgreSQL database, Redis database and gunicorn; the worker starts when asked."""
    database = f"audarma_bench_{secrets.token_hex(4)}"
    with psycopg.connect(args.postgres, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{database}"')
    parts = urlsplit(args.postgres)
    url = urlunsplit(("postgresql+psycopg", parts.netloc, f"/{database}", parts.query, ""))
    db = Database(url)
    db.upgrade()
    GlossaryStore(db).seed_if_empty()
    key, _ = KeyStore(db).create("editor", "bench")
    db.dispose()
    redis.Redis.from_url(args.redis).flushdb()

    port = free_port()
    env = {
        **os.environ,
        "AUDARMA_DATABASE_URL": url,
        "AUDARMA_BROKER_URL": args.redis,
        "AUDARMA_RATE_LIMIT_STORAGE": args.redis,
        # Measure the API, not the per-key budget (120/minute by default).
        "AUDARMA_RATE_LIMIT": "100000000/minute",
    }
    LOGS.mkdir(exist_ok=True)
    gunicorn = [str(BIN / "gunicorn"), args.app, "--workers", "2", "--bind",
                f"127.0.0.1:{port}", "--log-level", "warning", *args.gunicorn.split()]  # fmt: skip
    stack = Stack(port, key, env, [_spawn(gunicorn, env, LOGS / "api-gunicorn.log")],
                  args.postgres, database)  # fmt: skip
    _wait_for(lambda: _answers(port), 30, "gunicorn")
    return stack


def _spawn(argv: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(argv, env=env, cwd=ROOT, stdout=log.open("wb"),
                            stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip


def _answers(port: int) -> bool:
    try:
        return Client(port).get("/healthz")[0] == 200
    except OSError:
        return False


def _wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} did not come up in {timeout}s (see bench/.cache/*.log)")
        time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------- the load


class Client:
    """One keep-alive connection (reopened when the server closes it) with the editor key."""

    def __init__(self, port: int, key: str = ""):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.headers = {"Authorization": f"Bearer {key}"} if key else {}

    def get(self, path: str) -> tuple[int, bytes]:
        return self._send("GET", path, None)

    def post(self, path: str, body: dict) -> tuple[int, bytes]:
        return self._send("POST", path, json.dumps(body).encode())

    def _send(self, method: str, path: str, body: bytes | None) -> tuple[int, bytes]:
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
        self.connection.request(method, path, body, headers)
        response = self.connection.getresponse()
        return response.status, response.read()


@dataclass
class Load:
    """Latencies (seconds) of the successful requests, errors, and the wall time they took."""

    latencies: list[float]
    errors: int
    seconds: float

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


def run_load(port: int, key: str, request, threads: int, seconds: float, limit: int) -> Load:
    """`threads` clients send `request(client)` until `seconds` pass or `limit` are sent."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    sent = [0]

    def client_loop() -> None:
        client = Client(port, key)
        while time.monotonic() < deadline:
            with lock:
                if sent[0] >= limit:
                    return
                sent[0] += 1
            started = time.perf_counter()
            ok = request(client)
            elapsed = time.perf_counter() - started
            with lock:
                if ok:
                    latencies.append(elapsed)
                else:
                    errors[0] += 1

    workers = [threading.Thread(target=client_loop) for _ in range(threads)]
    started = time.monotonic()
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return Load(latencies, errors[0], time.monotonic() - started)


def submit_job(client: Client) -> bool:
    status, _ = client.post("/v1/jobs", {"text": PARAGRAPH, "targets": ["en-GB"]})
    return status == 202


def healthz(client: Client) -> bool:
    return client.get("/healthz")[0] == 200


def end_to_end(port: int, key: str, count: int, poll_seconds: float) -> list[float]:
    """Seconds from POST to the first GET that shows the job done, one job at a time."""
    client = Client(port, key)
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        status, body = client.post("/v1/jobs", {"text": PARAGRAPH, "targets": ["en-GB"]})
        if status != 202:
            raise SystemExit(f"submission failed: {status} {body[:300]!r}")
        location = f"/v1/jobs/{json.loads(body)['id']}"
        while json.loads(client.get(location)[1])["status"] not in ("done", "failed"):
            time.sleep(poll_seconds)
        samples.append(time.perf_counter() - started)
    return samples


def wait_until_drained(port: int, key: str, timeout: float) -> None:
    """Let the worker finish the jobs the load test queued, so e2e measures an idle queue."""
    client = Client(port, key)

    def drained() -> bool:
        text = client.get("/metrics")[1].decode()
        queued = [line for line in text.splitlines()
                  if line.startswith(('audarma_jobs{status="queued"}',
                                      'audarma_jobs{status="running"}'))]  # fmt: skip
        return all(line.rsplit(" ", 1)[1] == "0" for line in queued)

    _wait_for(drained, timeout, "the worker to drain the queue")


# --------------------------------------------------------------------------- report


def report(name: str, load: Load) -> None:
    print(f"{name:22} {load.rate:8.1f} req/s   p50 {load.percentile(50):6.1f} ms   "
          f"p99 {load.percentile(99):6.1f} ms   ({len(load.latencies)} ok, {load.errors} errors, "
          f"{load.seconds:.1f} s)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per load phase")
    parser.add_argument("--threads", type=int, default=4, help="concurrent clients")
    parser.add_argument("--limit", type=int, default=20000, help="max requests per phase")
    parser.add_argument("--e2e", type=int, default=50, help="jobs timed end to end")
    parser.add_argument("--app", default="service.app:create_app()", help="gunicorn app")
    parser.add_argument(
        "--gunicorn",
        default="--threads 4",
        help="more gunicorn options (docker-compose.yml uses --threads 4)",
    )
    parser.add_argument(
        "--worker-during-load",
        action="store_true",
        help="start the worker before the load (it then competes for CPU)",
    )
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/11", help="flushed!")
    args = parser.parse_args()

    stack = start_stack(args)
    try:
        if args.worker_during_load:
            stack.start_worker()
        where = "during" if args.worker_during_load else "after"
        print(f"gunicorn 2 workers {args.gunicorn}, PostgreSQL, Redis; one Celery worker started "
              f"{where} the load; {args.threads} client threads; {os.cpu_count()} CPUs shared "
              "by all")  # fmt: skip
        run_load(stack.port, stack.key, healthz, args.threads, 2, 1000)  # warm both workers
        bare = run_load(stack.port, stack.key, healthz, args.threads, args.seconds, args.limit)
        submits = run_load(stack.port, stack.key, submit_job, args.threads, args.seconds,
                           args.limit)  # fmt: skip
        report("GET /healthz", bare)
        report("POST /v1/jobs", submits)
        print(
            f"submit / bare: throughput {submits.rate / bare.rate:.2f}x, "
            f"p50 {submits.percentile(50) / bare.percentile(50):.1f}x, "
            f"p99 {submits.percentile(99) / bare.percentile(99):.1f}x"
        )
        if not args.worker_during_load:
            stack.start_worker()
        wait_until_drained(stack.port, stack.key, timeout=900)
        samples = [s * 1000 for s in end_to_end(stack.port, stack.key, args.e2e, 0.005)]
        print(f"submit -> done         median {statistics.median(samples):6.1f} ms   "
              f"p90 {sorted(samples)[int(0.9 * len(samples))]:6.1f} ms   ({len(samples)} jobs "
              "one at a time, polling every 5 ms)")  # fmt: skip
        print(
            f"targets: >= {TARGET_SUBMITS_PER_SECOND}/s with p99 <= {TARGET_P99_MS} ms; "
            f"end-to-end median <= {TARGET_E2E_MEDIAN_MS} ms"
        )
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
