"""Benchmark: batches through the production shape against the in-process pipeline.

Starts, on this machine: a fresh PostgreSQL database on the shared server (dropped at the end),
a redis-server of its own (so its command counters are this run's alone), and the shape of
docker-compose.yml: gunicorn (2 workers, 4 threads), a Celery worker for the interactive queue
and, here, two worker processes for the batch queue (concurrency 1 each, SCHED_IDLE as
docker-compose.yml runs them). Articles are
generated (names from the shipped glossary, dates, money) and go to en-GB, ru-RU and de-DE:
no machine translation runs (ru and de have no engine here, so names and figures are localized
and the text is null).

1. In-process: the same articles through one Localizer in this process: articles/s.
2. Interactive latency idle: one-paragraph jobs submitted one at a time, submit -> done.
3. A batch of --small articles, then one of --articles, each uploaded as streamed NDJSON with
   the `audarma batch` client code: articles/s from upload to done, peak RSS of the API and of
   the workers during each (flat in batch size is the target), and interactive latency during
   the large one.
4. Per-job round trips during the small batch: Redis commands and Redis CPU time (INFO
   commandstats), PostgreSQL transactions and statement time (pg_stat_database), per article.
5. The small batch again with one worker process: the scale-out ratio, and from 4. where the
   broker and the database would bound 10 and 100 worker processes.

Targets: batch >= 0.6x in-process; interactive during a batch <= 2x idle; memory flat.

    .venv/bin/python bench/batch.py                       # 10,000 articles (long)
    .venv/bin/python bench/batch.py --articles 3000 --small 1000
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
LOGS = ROOT / "bench" / ".cache" / "batch"  # bench/.cache/ is git-ignored

import psycopg  # noqa: E402
import redis  # noqa: E402

from service.cli_batch import Api, submit_path  # noqa: E402
from service.store.db import Database  # noqa: E402
from service.store.repositories import GlossaryStore, KeyStore  # noqa: E402
from tests.support.servers import OwnRedis, free_port, group_rss_kib  # noqa: E402

TARGETS = ["en-GB", "ru-RU", "de-DE"]
TARGET_BATCH_RATIO = 0.6
TARGET_INTERACTIVE_RATIO = 2.0
PEOPLE = ["Kassym-Zhomart Tokayev", "Ma Xingruy", "Olzhas Bektenoff", "Vladimir Putin",
          "Xi Jinping", "Alikhan Smailov"]
PLACES = ["Astana", "Almaty", "Beijing", "Moscow", "Shymkent"]
PARAGRAPH = ("President Kassym-Zhomart Tokayev met Ma Xingruy in Astana on 28 March 2023; they "
             "discussed $24 billion of investment.")


def article(n: int) -> str:
    """A short news article of about 600 characters, different for every n."""
    who, other = PEOPLE[n % len(PEOPLE)], PEOPLE[(n * 7 + 3) % len(PEOPLE)]
    where = PLACES[n % len(PLACES)]
    day, amount, share = 1 + n % 28, 1 + n % 90, 2 + n % 40
    return (f"Dispatch {n}. {who} received {other} in {where} on {day} March 2024. The two "
            f"sides signed agreements worth ${amount}.{n % 10} billion, officials said. "
            f"Freight through {where} rose by {share}.5% in the first half, and {other} said "
            f"a new rail corridor of {100 + n % 900} km would open on {day} June 2025. "
            f"{who} thanked the delegation; the talks lasted {2 + n % 5} hours.")


# --------------------------------------------------------------------------- processes


@dataclass
class Proc:
    """A service process in its own process group (its RSS is the whole group's)."""

    name: str
    popen: subprocess.Popen

    def rss_kib(self) -> int:
        return group_rss_kib(self.popen.pid)

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()


def spawn(name: str, argv: list[str], env: dict) -> Proc:
    log = (LOGS / f"{name}.log").open("wb")
    popen = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True)
    return Proc(name, popen)


@dataclass
class Stack:
    admin_url: str
    database: str
    db_url: str
    redis: OwnRedis
    env: dict
    port: int = 0
    key: str = ""
    api: Proc | None = None
    workers: list[Proc] = field(default_factory=list)  # on the batch queue
    interactive: Proc | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start_worker(self, queue: str = "batch") -> Proc:
        name = f"{queue}{len(self.workers) + 1}"
        # Batch workers in SCHED_IDLE, as docker-compose.yml runs them (`--priority idle`).
        argv = ["chrt", "--idle", "0"] if queue == "batch" else []
        argv += [str(BIN / "celery"), "-A", "workers.celery_app", "worker", "--queues", queue,
                "--concurrency", "1", "--hostname", f"{name}@%h", "--loglevel", "WARNING",
                "--without-gossip", "--without-mingle", "--without-heartbeat"]  # fmt: skip
        return spawn(name, argv, self.env)

    def stop(self) -> None:
        for proc in [*self.workers, self.interactive, self.api]:
            if proc is not None:
                proc.stop()
        self.redis.stop()
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


def start_stack(args: argparse.Namespace) -> Stack:
    LOGS.mkdir(parents=True, exist_ok=True)
    database = f"audarma_bench_{secrets.token_hex(4)}"
    with psycopg.connect(args.postgres, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{database}"')
    parts = urlsplit(args.postgres)
    db_url = urlunsplit(("postgresql+psycopg", parts.netloc, f"/{database}", parts.query, ""))
    own_redis = OwnRedis(LOGS / "redis").start()
    env = {**os.environ, "AUDARMA_DATABASE_URL": db_url,
           "AUDARMA_BROKER_URL": own_redis.url(0), "AUDARMA_RATE_LIMIT_STORAGE": own_redis.url(1),
           "AUDARMA_RATE_LIMIT": "100000000/minute"}
    stack = Stack(args.postgres, database, db_url, own_redis, env)
    db = Database(db_url)
    try:
        db.upgrade()
        GlossaryStore(db).seed_if_empty()
        stack.key, _ = KeyStore(db).create("editor", "bench")
    finally:
        db.dispose()
    stack.port = free_port()
    gunicorn = [str(BIN / "gunicorn"), "service.app:create_app()", "--workers", "2",
                "--threads", "4", "--bind", f"127.0.0.1:{stack.port}", "--log-level", "warning"]
    stack.api = spawn("gunicorn", gunicorn, env)
    wait_for(lambda: _answers(stack.port), 30, "gunicorn")
    return stack


def _answers(port: int) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except OSError:
        return False


def wait_for(condition, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise SystemExit(f"{what}: not within {timeout:.0f}s (see {LOGS}/*.log)")
        time.sleep(interval)
    return value


# --------------------------------------------------------------------------- measuring


class PeakRss(threading.Thread):
    """Samples the API's and the workers' RSS (whole process groups) every 0.2 s."""

    def __init__(self, stack: Stack):
        super().__init__(daemon=True)
        self.stack = stack
        self.api_kib = 0
        self.workers_kib = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.2):
            assert self.stack.api is not None
            self.api_kib = max(self.api_kib, self.stack.api.rss_kib())
            self.workers_kib = max(self.workers_kib,
                                   sum(w.rss_kib() for w in self.stack.workers))

    def __enter__(self) -> PeakRss:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()
        self.join()


class JsonClient:
    """One keep-alive connection with the editor key."""

    def __init__(self, stack: Stack):
        self.connection = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=30)
        self.headers = {"Authorization": f"Bearer {stack.key}"}

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        headers = dict(self.headers)
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode()
        self.connection.request(method, path, data, headers)
        response = self.connection.getresponse()
        payload = response.read()
        if response.status >= 300:
            raise SystemExit(f"{method} {path}: {response.status} {payload[:300]!r}")
        return json.loads(payload)


def interactive_job(client: JsonClient) -> float:
    """Seconds from POST /v1/jobs to the first GET that shows it finished."""
    started = time.perf_counter()
    job = client.call("POST", "/v1/jobs", {"text": PARAGRAPH, "targets": ["en-GB"]})
    while client.call("GET", f"/v1/jobs/{job['id']}")["status"] not in ("done", "failed"):
        time.sleep(0.01)
    return time.perf_counter() - started


def run_batch(stack: Stack, count: int, name: str, during=None) -> tuple[float, str]:
    """Upload `count` articles as streamed NDJSON and wait until done: (seconds, batch id).
    `during(stop_event)` runs in a thread while the batch runs."""
    def lines() -> Iterator[bytes]:
        for n in range(count):
            yield json.dumps({"id": f"{name}-{n}", "text": article(n)}).encode() + b"\n"

    api = Api(stack.base_url, stack.key)
    started = time.perf_counter()
    with api.open("POST", submit_path(TARGETS, "en", name), lines(),
                  "application/x-ndjson") as response:
        batch_id = json.loads(response.read())["id"]
    uploaded = time.perf_counter() - started
    stop = threading.Event()
    helper = threading.Thread(target=during, args=(stop,)) if during else None
    if helper:
        helper.start()
    client = JsonClient(stack)
    try:
        final = wait_for(lambda: _finished(client, batch_id), 24 * 3600, "the batch",
                         interval=0.5)
    finally:
        stop.set()
        if helper:
            helper.join()
    seconds = time.perf_counter() - started
    counts = final["counts"]
    print(f"  batch of {count}: upload {uploaded:.1f} s, done in {seconds:.1f} s "
          f"({counts['done']} done, {counts['failed']} failed)", flush=True)
    return seconds, batch_id


def _finished(client: JsonClient, batch_id: str) -> dict | None:
    batch = client.call("GET", f"/v1/batches/{batch_id}")
    return batch if batch["status"] in ("done", "cancelled") else None


def in_process_rate(stack: Stack, count: int) -> float:
    """Articles/s through one Localizer in this process: the pipeline alone, no store."""
    from service.config import Settings
    from service.core.figures import load_house_styles
    from service.core.matching import NamePolicy
    from service.engines import build_engines
    from service.usecases.run import LocalizerCache

    settings = Settings.from_env(stack.env)
    cache = LocalizerCache(build_engines(settings), load_house_styles(), 3600.0,
                           policy=NamePolicy(former=settings.former_names,
                                             exonym=settings.exonyms))
    db = Database(stack.db_url)
    try:
        localizer = cache.current(GlossaryStore(db))
        localizer.localize(article(0), TARGETS, "en", None, "text")  # warm
        started = time.perf_counter()
        for n in range(count):
            localizer.localize(article(n), TARGETS, "en", None, "text")
        return count / (time.perf_counter() - started)
    finally:
        db.dispose()
        cache.close()


@dataclass
class Counters:
    redis_calls: int
    redis_usec: int
    pg_commits: int
    pg_active_ms: float | None


def counters(stack: Stack) -> Counters:
    stats = redis.Redis.from_url(stack.redis.url(0)).info("commandstats")
    calls = sum(s["calls"] for s in stats.values())
    usec = sum(s["usec"] for s in stats.values())
    parts = urlsplit(stack.admin_url)
    plain = urlunsplit((parts.scheme, parts.netloc, f"/{stack.database}", parts.query, ""))
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute("SELECT pg_stat_force_next_flush()")  # PostgreSQL 15+
        row = connection.execute(
            "SELECT xact_commit, active_time FROM pg_stat_database WHERE datname = %s",
            (stack.database,)).fetchone()
    return Counters(calls, usec, row[0], row[1])


# --------------------------------------------------------------------------- the run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000, help="the large batch")
    parser.add_argument("--small", type=int, default=1_000, help="the small batch")
    parser.add_argument("--latency-samples", type=int, default=30)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()

    stack = start_stack(args)
    try:
        report(stack, args)
    finally:
        stack.stop()


def report(stack: Stack, args: argparse.Namespace) -> None:
    print(f"{os.cpu_count()} CPUs shared by PostgreSQL, Redis, gunicorn (2x4) and the workers; "
          f"targets {','.join(TARGETS)}, no machine translation", flush=True)
    inproc = in_process_rate(stack, args.small)
    print(f"in-process pipeline          {inproc:8.1f} articles/s (one process)", flush=True)

    stack.interactive = stack.start_worker("interactive")
    stack.workers += [stack.start_worker(), stack.start_worker()]
    run_batch(stack, 40, "warm")  # both batch workers build engines and glossary once
    client = JsonClient(stack)
    interactive_job(client)  # and the interactive one
    idle = [interactive_job(client) for _ in range(args.latency_samples)]

    # Round trips are counted over the small batch: nothing else runs then but the client's
    # status request every 0.5 s (the interactive sampler polls every 10 ms, later).
    before = counters(stack)
    with PeakRss(stack) as small_rss:
        small_seconds, _ = run_batch(stack, args.small, "small")
    after = counters(stack)
    during: list[float] = []

    def sample(stop: threading.Event) -> None:
        own = JsonClient(stack)
        while not stop.is_set():
            during.append(interactive_job(own))
            stop.wait(0.5)

    with PeakRss(stack) as large_rss:
        large_seconds, _ = run_batch(stack, args.articles, "large", during=sample)

    stack.workers.pop().stop()
    one_seconds, _ = run_batch(stack, args.small, "one-worker")

    two_rate = args.articles / large_seconds
    small_rate = args.small / small_seconds
    one_rate = args.small / one_seconds
    print(f"batch, 2 worker processes    {two_rate:8.1f} articles/s ({args.articles}); "
          f"{small_rate:.1f}/s ({args.small})")
    print(f"batch / in-process           {two_rate / inproc:8.2f}x   "
          f"(target >= {TARGET_BATCH_RATIO}x){_missed(two_rate / inproc >= TARGET_BATCH_RATIO)}")
    idle_ms, during_ms = statistics.median(idle) * 1000, statistics.median(during) * 1000
    print(f"interactive job idle         {idle_ms:8.1f} ms median ({len(idle)} jobs)")
    print(f"interactive during batch     {during_ms:8.1f} ms median ({len(during)} jobs), "
          f"p90 {sorted(during)[int(0.9 * len(during))] * 1000:.1f} ms; "
          f"{during_ms / idle_ms:.2f}x idle (target <= {TARGET_INTERACTIVE_RATIO}x)"
          f"{_missed(during_ms / idle_ms <= TARGET_INTERACTIVE_RATIO)}")
    print("peak RSS: the API is gunicorn's master and workers, the workers the two batch "
          "worker processes (each a Celery main process and its pool child)")
    print(f"peak RSS at {args.small:>6}          API {small_rss.api_kib / 1024:7.1f} MiB, "
          f"workers {small_rss.workers_kib / 1024:7.1f} MiB")
    print(f"peak RSS at {args.articles:>6}          API {large_rss.api_kib / 1024:7.1f} MiB, "
          f"workers {large_rss.workers_kib / 1024:7.1f} MiB")
    print(f"1 worker process             {one_rate:8.1f} articles/s ({args.small}); "
          f"2 processes {small_rate / one_rate:.2f}x")
    bounds(before, after, args.small, one_rate)


def bounds(before: Counters, after: Counters, jobs: int, per_worker: float) -> None:
    """Per-job round trips, and the worker count at which Redis (one core) or PostgreSQL
    would be busy all the time if each worker process kept the rate measured here."""
    redis_calls = (after.redis_calls - before.redis_calls) / jobs
    redis_ms = (after.redis_usec - before.redis_usec) / jobs / 1000
    commits = (after.pg_commits - before.pg_commits) / jobs
    print(f"per article                  Redis {redis_calls:.1f} commands ({redis_ms:.3f} ms "
          f"Redis CPU), PostgreSQL {commits:.1f} transactions", end="")
    pg_ms = None
    if after.pg_active_ms is not None and before.pg_active_ms is not None:
        pg_ms = (after.pg_active_ms - before.pg_active_ms) / jobs
        print(f" ({pg_ms:.2f} ms statement time)", end="")
    print()
    for workers in (10, 100):
        rate = workers * per_worker
        line = (f"at {workers:>3} workers ({rate:7.0f} articles/s): Redis "
                f"{rate * redis_calls:8.0f} commands/s, {rate * redis_ms / 10:5.1f}% of a core; "
                f"PostgreSQL {rate * commits:7.0f} commits/s")
        if pg_ms is not None:
            line += f", {rate * pg_ms / 1000:5.2f} cores busy in statements"
        print(line)


def _missed(ok: bool) -> str:
    return "" if ok else "   MISSED"


if __name__ == "__main__":
    main()
