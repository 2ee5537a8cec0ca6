"""Soak: the production shape under steady load while a worker is killed and Redis restarts.

Starts, on this machine: a fresh PostgreSQL database on the shared server (dropped at the end),
a redis-server of its own (tests/support/servers.py's OwnRedis) as broker and rate-limit store,
gunicorn (2 workers, 4 threads, as docker-compose.yml), two Celery workers (interactive, batch,
webhooks; concurrency 1 each) and `celery beat` for the sweeper, with short leases so that a
lost job comes back within the run. Like docker-compose's `restart: unless-stopped`, a process
that exits by itself is started again (and counted).

1. Capacity: a burst of jobs (one paragraph, targets en-GB and ru-RU, no machine translation),
   timed until all are done: the jobs/s the two workers sustain here.
2. Soak at 80% of that, open loop (a steady schedule over a few client threads), each
   submission with its own Idempotency-Key, resent with the same key after a 503 (once
   Retry-After has passed) or a connection error, as the README tells clients. At 1/3 of the
   run one worker's process group is SIGKILLed and started again 10 s later; at 2/3 Redis is
   stopped and started again 5 s later on the same port.
3. Drain (bounded), then count from the database: lost, duplicated, left unfinished; POST
   latency before, during and after the faults; RSS of the API and the workers.

Targets: lost 0, duplicated 0, nothing left queued or running; p99 after recovery <= 1.5x
before the faults; RSS growth < 10%. A missed target is printed as MISSED; the exit status is 0.

    .venv/bin/python bench/soak.py --minutes 5
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
LOGS = ROOT / "bench" / ".cache" / "soak"  # bench/.cache/ is git-ignored

import psycopg  # noqa: E402

from service.store.db import Database  # noqa: E402
from service.store.repositories import GlossaryStore, KeyStore  # noqa: E402
from tests.support.servers import OwnRedis, free_port, group_rss_kib  # noqa: E402

# Names from the shipped glossary, a date and money, in English: en-GB needs no engine, and
# ru-RU has none installed here, so no machine translation runs.
ARTICLE = (
    "Kassym-Zhomart Tokayev received Ma Xingrui in Almaty on 14 June 2024. The delegations "
    "discussed a $3.2 billion rail corridor, and freight volumes rose by 7% in the first half."
)
TARGETS = ["en-GB", "ru-RU"]
LEASES = {
    # A lease must outlast the task's hard time limit (Settings refuses it otherwise); a job
    # here takes about 0.1 s, a worker's first one (engines, glossary) up to about 9 s.
    "AUDARMA_TASK_SOFT_TIME_LIMIT": "15",
    "AUDARMA_TASK_TIME_LIMIT": "18",
    "AUDARMA_JOB_LEASE_SECONDS": "20",
    "AUDARMA_QUEUED_LEASE_SECONDS": "20",
    "AUDARMA_SWEEP_INTERVAL_SECONDS": "2",
}
TARGET_P99_RATIO = 1.5
TARGET_RSS_GROWTH = 10.0  # percent
RECORDED_JOB = re.compile(r"job (\w+) is recorded")


# --------------------------------------------------------------------------- processes


class Proc:
    """A service process in its own process group (so a kill takes its children too)."""

    def __init__(self, name: str, argv: list[str], env: dict, ready: str | None = None):
        self.name, self.argv, self.env, self.ready = name, argv, env, ready
        self.popen: subprocess.Popen | None = None
        self.starts = 0
        self.expected_down = False  # killed on purpose: the supervisor leaves it alone

    def start(self, wait: bool = True) -> Proc:
        self.starts += 1
        log = LOGS / f"{self.name}.log"
        with log.open("ab") as out:
            out.write(f"\n===== start {self.starts} at {time.strftime('%X')}\n".encode())
        self.popen = subprocess.Popen(self.argv, env=self.env, cwd=ROOT, stdout=log.open("ab"),
                                      stderr=subprocess.STDOUT, start_new_session=True)
        self._offset = log.stat().st_size
        if wait and self.ready:
            deadline = time.monotonic() + 90
            while self.ready not in self._new_output():
                if self.popen.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"{self.name} did not start; see {log}")
                time.sleep(0.1)
        self.expected_down = False
        return self

    def _new_output(self) -> str:
        with (LOGS / f"{self.name}.log").open("rb") as log:
            log.seek(max(0, self._offset - 200))
            return log.read().decode(errors="replace")

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole group at once: no warm shutdown, nothing given back."""
        self.expected_down = True
        if self.popen is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()

    def stop(self) -> None:
        self.expected_down = True
        if self.popen is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):  # warm shutdown took too long
            self.popen.wait(20)
        with contextlib.suppress(ProcessLookupError):  # pool children left behind
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait()

    def rss_kib(self) -> int:
        """VmRSS summed over every process of the group."""
        if not self.running:
            return 0
        assert self.popen is not None
        return group_rss_kib(self.popen.pid)


def supervise(procs: list[Proc], stop: threading.Event, restarts: Counter) -> None:
    """docker-compose's restart policy: a process that exits by itself is started again."""
    while not stop.wait(1.0):
        for proc in procs:
            if not proc.expected_down and not proc.running:
                restarts[proc.name] += 1
                print(f"  [{proc.name} exited by itself (code {proc.popen.returncode}); "  # type: ignore[union-attr]
                      "started again]", flush=True)
                proc.start(wait=False)


# --------------------------------------------------------------------------- the database


@dataclass
class Bench:
    admin_url: str
    database: str
    url: str  # SQLAlchemy URL for the service
    key: str

    def query(self, sql: str, *params: object) -> list[tuple]:
        parts = urlsplit(self.admin_url)
        plain = urlunsplit((parts.scheme, parts.netloc, f"/{self.database}", parts.query, ""))
        with psycopg.connect(plain) as connection:
            return connection.execute(sql, params).fetchall()

    def counts(self) -> dict[str, int]:
        return dict(self.query("SELECT status, count(*) FROM jobs GROUP BY status"))  # type: ignore[arg-type]

    def drop(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


def create_database(admin_url: str) -> Bench:
    database = f"audarma_soak_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{database}"')
    parts = urlsplit(admin_url)
    url = urlunsplit(("postgresql+psycopg", parts.netloc, f"/{database}", parts.query, ""))
    bench = Bench(admin_url, database, url, "")
    db = Database(url)
    try:
        db.upgrade()
        GlossaryStore(db).seed_if_empty()
        bench.key, _ = KeyStore(db).create("editor", "soak")
    finally:
        db.dispose()
    return bench


# --------------------------------------------------------------------------- clients


@dataclass
class Submission:
    """One article a client wanted recorded, however many sends that took."""

    key: str  # its Idempotency-Key
    job_id: str | None = None
    seen_ids: set[str] = field(default_factory=set)  # every id an answer named
    sends: int = 0
    # each send: (seconds into the soak, HTTP status or the error's name)
    statuses: list[tuple[float, str]] = field(default_factory=list)
    latency: float | None = None  # the successful send only
    sent_at: float = 0.0  # when the successful send began, seconds into the soak


class Poster:
    """One keep-alive connection; any error closes it so the next send opens a fresh one."""

    IDLE_SECONDS = 1.0  # gunicorn closes a keep-alive connection idle for 2 s

    def __init__(self, port: int, key: str):
        self.port, self.key = port, key
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.last_used = 0.0

    def post(self, idempotency_key: str) -> tuple[int, dict, str]:
        # A connection the server may have closed meanwhile would fail as a broken pipe that
        # says nothing about the service: start a fresh one instead.
        if time.monotonic() - self.last_used > self.IDLE_SECONDS:
            self.connection.close()
        self.last_used = time.monotonic()
        headers = {"Authorization": f"Bearer {self.key}", "Content-Type": "application/json",
                   "Idempotency-Key": idempotency_key}
        body = json.dumps({"text": ARTICLE, "targets": TARGETS}).encode()
        try:
            self.connection.request("POST", "/v1/jobs", body, headers)
            response = self.connection.getresponse()
            text = response.read().decode(errors="replace")
        except (OSError, http.client.HTTPException):
            self.connection.close()
            raise
        self.last_used = time.monotonic()
        retry_after = response.headers.get("Retry-After", "1")
        return response.status, {"retry_after": retry_after}, text


def submit_until_recorded(poster: Poster, sub: Submission, t0: float, give_up: float) -> None:
    """Send until the API names the job (200 or 202), resending with the same key after a 503,
    a 429 or a connection error; give up after `give_up` seconds."""
    deadline = time.monotonic() + give_up
    while time.monotonic() < deadline:
        sub.sends += 1
        started = time.perf_counter()
        try:
            status, headers, text = poster.post(sub.key)
        except (OSError, http.client.HTTPException) as exc:
            sub.statuses.append((time.monotonic() - t0, type(exc).__name__))
            time.sleep(0.5)
            continue
        elapsed = time.perf_counter() - started
        sub.statuses.append((time.monotonic() - t0, str(status)))
        if status in (200, 202):
            job_id = json.loads(text)["id"]
            sub.job_id = job_id
            sub.seen_ids.add(job_id)
            sub.latency = elapsed
            sub.sent_at = time.monotonic() - elapsed - t0
            return
        named = RECORDED_JOB.search(text)
        if named:
            sub.seen_ids.add(named.group(1))
        if status in (429, 503) or status >= 500:
            try:
                wait = float(headers["retry_after"])
            except ValueError:
                wait = 1.0
            time.sleep(min(wait, 5.0))
            continue
        print(f"  [unexpected {status} for {sub.key}: {text[:200]}]", flush=True)
        return


def burst(port: int, key: str, count: int, threads: int) -> list[Submission]:
    subs = [Submission(f"cap-{i}-{secrets.token_hex(4)}") for i in range(count)]
    t0 = time.monotonic()

    def loop(mine: list[Submission]) -> None:
        poster = Poster(port, key)
        for sub in mine:
            submit_until_recorded(poster, sub, t0, 60)

    run_threads([threading.Thread(target=loop, args=(subs[i::threads],))
                 for i in range(threads)])
    return subs


def run_threads(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def soak_load(port: int, key: str, rate: float, seconds: float, threads: int,
              t0: float) -> list[Submission]:
    """Open loop: submission n is due at t0 + n / rate, thread n % threads sends it; a thread
    that fell behind (retrying through an outage) sends its late ones at once."""
    total = int(rate * seconds)
    subs = [Submission(f"soak-{n}-{secrets.token_hex(4)}") for n in range(total)]

    def loop(first: int) -> None:
        poster = Poster(port, key)
        for n in range(first, total, threads):
            delay = t0 + n / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            submit_until_recorded(poster, subs[n], t0, 180)

    run_threads([threading.Thread(target=loop, args=(i,)) for i in range(threads)])
    return subs


# --------------------------------------------------------------------------- report


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000 if ordered else 0.0


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def wait_drained(bench: Bench, timeout: float) -> tuple[float, dict[str, int]]:
    started = time.monotonic()
    while True:
        counts = bench.counts()
        if not counts.get("queued") and not counts.get("running"):
            return time.monotonic() - started, counts
        if time.monotonic() - started > timeout:
            return time.monotonic() - started, counts
        time.sleep(1.0)


def audit(bench: Bench, subs: list[Submission]) -> dict:
    """Lost and duplicated jobs, from the database and what the clients were told."""
    rows = {job_id: (status, key, attempts, sweeps) for job_id, status, key, attempts, sweeps in
            bench.query("SELECT id, status, idempotency_key, attempts, sweeps FROM jobs")}
    got = {sub.job_id for sub in subs if sub.job_id}
    missing = sorted(job_id for job_id in got if job_id not in rows)
    unfinished = sorted(job_id for job_id in got
                        if job_id in rows and rows[job_id][0] in ("queued", "running"))
    unanswered = [sub.key for sub in subs if sub.job_id is None]
    two_done = bench.query(
        "SELECT job_id, count(*) FROM job_events WHERE status = 'done' GROUP BY job_id "
        "HAVING count(*) > 1")
    two_rows = bench.query(
        "SELECT idempotency_key, count(*) FROM jobs WHERE idempotency_key IS NOT NULL "
        "GROUP BY api_key_id, idempotency_key HAVING count(*) > 1")
    two_ids = [sub.key for sub in subs if len(sub.seen_ids) > 1]
    statuses = Counter(row[0] for row in rows.values())
    return {
        "rows": rows, "submitted": len(got), "missing": missing, "unfinished": unfinished,
        "unanswered": unanswered, "two_done": two_done, "two_rows": two_rows,
        "two_ids": two_ids, "statuses": statuses,
        "done_submitted": sum(1 for j in got if rows.get(j, ("",))[0] == "done"),
        "failed_submitted": sum(1 for j in got if rows.get(j, ("",))[0] == "failed"),
    }


def events_of(bench: Bench, job_id: str) -> str:
    return "; ".join(f"{at:%H:%M:%S.%f} {status} {detail}".strip() for status, detail, at in
                     bench.query("SELECT status, detail, at FROM job_events WHERE job_id = %s "
                                 "ORDER BY id", job_id))


def takeback_delays(bench: Bench, job_id: str) -> list[float]:
    """For each take-back of the job, the seconds between its lease's end and the sweep."""
    delays = []
    last: dict[str, object] = {}
    for status, detail, at in bench.query(
            "SELECT status, detail, at FROM job_events WHERE job_id = %s ORDER BY id", job_id):
        if detail.startswith("lease expired while "):
            was = detail.split()[3].rstrip(";")
            lease = LEASES["AUDARMA_JOB_LEASE_SECONDS" if was == "running"
                          else "AUDARMA_QUEUED_LEASE_SECONDS"]
            since = last.get(was)
            if since is not None:
                delays.append((at - since).total_seconds() - float(lease))  # type: ignore[operator]
        last[status] = at
    return delays


def sweeps_in_logs() -> tuple[int, int]:
    run = dropped = 0
    for log in LOGS.glob("worker*.log"):
        text = log.read_text(errors="replace")
        run += len(re.findall(r"sweep_jobs\[[0-9a-f-]+\] succeeded", text))
        dropped += len(re.findall(r"Discarding revoked task: audarma\.sweep_jobs", text))
    return run, dropped


# --------------------------------------------------------------------------- main


def interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM cleans up like Ctrl-C: processes stopped, database dropped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0, help="length of the soak")
    parser.add_argument("--burst", type=int, default=300, help="jobs in the capacity burst")
    parser.add_argument("--load", type=float, default=0.8, help="share of capacity to send")
    parser.add_argument("--threads", type=int, default=8, help="client threads")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, interrupted)

    # A fresh folder: an earlier run's append-only file would replay its queues into this one.
    shutil.rmtree(LOGS, ignore_errors=True)
    LOGS.mkdir(parents=True)
    redis_server = OwnRedis(LOGS / "redis")
    bench = create_database(args.postgres)
    procs: list[Proc] = []
    stop_supervisor = threading.Event()
    restarts: Counter = Counter()
    try:
        redis_server.start()
        run(args, bench, redis_server, procs, stop_supervisor, restarts)
    except KeyboardInterrupt:
        print("interrupted: stopping everything and dropping the database", flush=True)
    finally:
        stop_supervisor.set()
        for proc in procs:
            proc.stop()
        redis_server.close()
        bench.drop()


def run(args: argparse.Namespace, bench: Bench, redis_server: OwnRedis, procs: list[Proc],
        stop_supervisor: threading.Event, restarts: Counter) -> None:
    port = free_port()
    env = {**os.environ, **LEASES,
           "AUDARMA_DATABASE_URL": bench.url,
           "AUDARMA_BROKER_URL": redis_server.url(0),
           "AUDARMA_RATE_LIMIT_STORAGE": redis_server.url(1),
           # The load, not the per-key budget (120/minute by default), is what is measured.
           "AUDARMA_RATE_LIMIT": "100000000/minute"}
    celery = [str(BIN / "celery"), "-A", "workers.celery_app"]
    gunicorn = Proc("gunicorn", [str(BIN / "gunicorn"), "service.app:create_app()", "--workers",
                                 "2", "--threads", "4", "--bind", f"127.0.0.1:{port}",
                                 "--log-level", "warning"], env)
    queues = "interactive,batch,webhooks,sweeps"
    workers = [Proc(f"worker{i}", [*celery, "worker", "--queues", queues,
                                   "--concurrency", "1", "--pool", "prefork", "--hostname",
                                   f"w{i}@%h", "--loglevel", "INFO", "--without-gossip",
                                   "--without-mingle", "--without-heartbeat"], env,
                    ready=" ready.") for i in (1, 2)]
    beat = Proc("beat", [*celery, "beat", "--loglevel", "INFO", "--schedule",
                         str(LOGS / "beat-schedule")], env, ready="beat: Starting")
    procs.extend([gunicorn, *workers, beat])
    for proc in procs:
        proc.start()
    wait_for_api(port, bench.key)
    threading.Thread(target=supervise, args=(procs, stop_supervisor, restarts),
                     daemon=True).start()

    print(f"setup: gunicorn 2 workers x 4 threads, 2 Celery workers (concurrency 1, queues "
          f"interactive,batch,webhooks,sweeps), celery beat, own redis-server :{redis_server.port} "
          f"(broker db 0, rate limits db 1), PostgreSQL database {bench.database}")
    print("leases: " + ", ".join(f"{k}={v}" for k, v in LEASES.items()))
    load1, load5, _ = os.getloadavg()
    print(f"machine: {os.cpu_count()} CPUs shared with whatever else runs (load average "
          f"{load1:.1f} / {load5:.1f} at start)", flush=True)

    # Each worker builds its engines and compiles the glossary on its first job (seconds):
    # a few jobs first, so that the burst measures the steady rate.
    warm_subs = burst(port, bench.key, 6, 2)
    while bench.counts().get("done", 0) < 6:
        time.sleep(0.2)

    # 1. capacity
    started = time.monotonic()
    capacity_subs = warm_subs + burst(port, bench.key, args.burst, 4)
    submitted_in = time.monotonic() - started
    while bench.counts().get("done", 0) + bench.counts().get("failed", 0) < args.burst + 6:
        if time.monotonic() - started > 600:
            raise SystemExit(f"the capacity burst did not finish in 600 s: {bench.counts()}")
        time.sleep(0.1)
    took = time.monotonic() - started
    capacity = args.burst / took
    rate = capacity * args.load
    print(f"capacity: {args.burst} jobs submitted in {submitted_in:.1f} s, all done after "
          f"{took:.1f} s: {capacity:.1f} jobs/s; soak at {args.load:.0%}: {rate:.1f} jobs/s "
          f"from {args.threads} threads", flush=True)
    rss_start = {"API (gunicorn)": gunicorn.rss_kib(),
                 "workers": sum(w.rss_kib() for w in workers)}

    # 2. soak with faults
    seconds = args.minutes * 60
    t0 = time.monotonic()
    marks: dict[str, float] = {}
    load_thread_result: list[list[Submission]] = []
    load = threading.Thread(target=lambda: load_thread_result.append(
        soak_load(port, bench.key, rate, seconds, args.threads, t0)))
    load.start()

    def at(offset: float) -> None:
        time.sleep(max(0.0, t0 + offset - time.monotonic()))

    def mark(key: str, text: str) -> None:
        marks[key] = time.monotonic() - t0
        print(f"  {marks[key]:6.1f} s ({time.strftime('%X')})  {text}", flush=True)

    at(seconds / 3)
    job = wait_busy(workers[0], 15.0)  # a kill mid-job is the case the lease exists for
    workers[0].kill()
    mark("kill", "worker1 SIGKILLed with its pool " + (
        f"while running job {job}" if job else "(it ran no job in 15 s: killed idle)"))
    at(seconds / 3 + 10)
    workers[0].start()
    mark("worker back", "worker1 started again and ready")
    at(2 * seconds / 3)
    redis_server.stop()
    mark("redis stop", "redis-server stopped")
    at(2 * seconds / 3 + 5)
    redis_server.start()
    mark("redis back", "redis-server started again on the same port")
    load.join()
    mark("end", "load finished (late sends included)")
    subs = load_thread_result[0]

    # 3. drain and count
    bound = 3 * float(LEASES["AUDARMA_JOB_LEASE_SECONDS"]) + 60
    waited, counts = wait_drained(bench, bound)
    print(f"drain: waited {waited:.0f} s (bound {bound:.0f} s); jobs by status {counts}")
    rss_end = {"API (gunicorn)": gunicorn.rss_kib(),
               "workers": sum(w.rss_kib() for w in workers)}
    stop_supervisor.set()
    report(bench, subs, capacity_subs, marks, seconds, rss_start, rss_end, restarts)


TASK_LINE = re.compile(r"localize_job\[[0-9a-f-]+\] (received|succeeded|raised|retry)")
RUNNING_LINE = re.compile(r"job (\w+): running")


def wait_busy(worker: Proc, timeout: float) -> str | None:
    """The id of the job `worker` is running now (claimed, not finished), waiting up to
    `timeout` for one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with (LOGS / f"{worker.name}.log").open("rb") as log:
            log.seek(0, os.SEEK_END)
            log.seek(max(0, log.tell() - 4000))
            tail = log.read().decode(errors="replace")
        lines = list(TASK_LINE.finditer(tail))
        if lines and lines[-1].group(1) == "received":
            running = RUNNING_LINE.search(tail, lines[-1].end())
            if running:
                return running.group(1)
        time.sleep(0.005)
    return None


def wait_for_api(port: int, key: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, http.client.HTTPException):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/readyz")
            if connection.getresponse().status == 200:
                return
        time.sleep(0.2)
    raise SystemExit("gunicorn did not answer /readyz within 60 s; see bench/.cache/soak/")


def report(bench: Bench, subs: list[Submission], capacity_subs: list[Submission],
           marks: dict[str, float], seconds: float, rss_start: dict, rss_end: dict,
           restarts: Counter) -> None:
    result = audit(bench, subs + capacity_subs)
    lost = len(result["missing"]) + len(result["unfinished"])
    duplicated = len(result["two_done"]) + len(result["two_rows"]) + len(result["two_ids"])
    sends = Counter(status for sub in subs for _, status in sub.statuses)
    print()
    print(f"submissions (soak): {len(subs)} articles, {sum(s.sends for s in subs)} sends "
          f"{dict(sends)}; resent at least once: {sum(1 for s in subs if s.sends > 1)}")
    print(f"jobs (soak + capacity burst): submitted {result['submitted']} (distinct ids the "
          f"clients got), done {result['done_submitted']}, failed {result['failed_submitted']}; "
          f"rows in the database {sum(result['statuses'].values())} {dict(result['statuses'])}")
    taken_back = bench.query("SELECT count(*) FROM jobs WHERE sweeps > 0")[0][0]
    retried = bench.query("SELECT count(*) FROM jobs WHERE attempts > 1")[0][0]
    print(f"recovery: {taken_back} job(s) taken back by the sweeper, {retried} run more than "
          f"once; processes restarted by the supervisor: {dict(restarts) or 'none'}")

    print(f"lost        {lost:5}   target 0   {verdict(lost == 0)}"
          f"   (no row {len(result['missing'])}, still queued/running {len(result['unfinished'])}"
          f"; never answered {len(result['unanswered'])})")
    print(f"duplicated  {duplicated:5}   target 0   {verdict(duplicated == 0)}"
          f"   (two done events {len(result['two_done'])}, two rows for a key "
          f"{len(result['two_rows'])}, two ids told for a key {len(result['two_ids'])})")
    unfinished = sum(result["statuses"].get(s, 0) for s in ("queued", "running"))
    print(f"left queued/running {unfinished:3}   target 0   {verdict(unfinished == 0)}")
    for label, ids in (("no row", result["missing"]), ("unfinished", result["unfinished"]),
                       ("two done events", [row[0] for row in result["two_done"]])):
        for job_id in ids[:10]:
            print(f"    {label} {job_id}: {events_of(bench, job_id)}")
    for (job_id,) in bench.query("SELECT id FROM jobs WHERE sweeps > 0 OR attempts > 1 "
                                 "ORDER BY created_at LIMIT 10"):
        print(f"    taken back or run again {job_id}: {events_of(bench, job_id)}")
        for late in takeback_delays(bench, job_id):
            print(f"      taken back {late:.1f} s after its lease ran out")
    run, dropped = sweeps_in_logs()
    print(f"sweeps: {run} ran, {dropped} dropped unrun (each expires after one interval, and "
          "waits on the interactive queue behind any backlog of jobs)")
    for key in result["two_ids"][:10]:
        print(f"    key {key} was told {sorted(next(s for s in subs if s.key == key).seen_ids)}")

    windows = [
        ("before the first fault", 0.0, marks["kill"]),
        ("worker killed -> back +30 s", marks["kill"], marks["worker back"] + 30),
        ("between the faults", marks["worker back"] + 30, marks["redis stop"]),
        ("redis stopped -> back +30 s", marks["redis stop"], marks["redis back"] + 30),
        ("after recovery", marks["redis back"] + 30, seconds + 3600),
    ]
    print()
    print(f"{'POST /v1/jobs (successful sends)':34} {'count':>6} {'p50 ms':>8} {'p99 ms':>8}"
          f" {'non-2xx/errors':>15}")
    p99 = {}
    for name, start, end in windows:
        inside = [s.latency for s in subs if s.latency is not None and start <= s.sent_at < end]
        failures = sum(1 for s in subs for when, status in s.statuses
                       if start <= when < end and status not in ("200", "202"))
        p99[name] = percentile(inside, 99)
        print(f"{name:34} {len(inside):6} {percentile(inside, 50):8.1f} {p99[name]:8.1f} "
              f"{failures:15}")
    if p99["after recovery"] and p99["before the first fault"]:
        ratio = p99["after recovery"] / p99["before the first fault"]
        print(f"p99 after recovery / before: {ratio:.2f}x   target <= {TARGET_P99_RATIO}x   "
              f"{verdict(ratio <= TARGET_P99_RATIO)}")
    else:
        print("p99 after recovery / before: no sends in one of the windows (run longer)   "
              "MISSED")
    print()
    for name in rss_start:
        growth = 100 * (rss_end[name] - rss_start[name]) / rss_start[name]
        print(f"RSS {name:15} {rss_start[name] / 1024:7.1f} MiB at start (after the capacity "
              f"burst) -> {rss_end[name] / 1024:7.1f} MiB at end: {growth:+.1f}%   target < "
              f"{TARGET_RSS_GROWTH:.0f}%   {verdict(growth < TARGET_RSS_GROWTH)}")
    load1, load5, load15 = os.getloadavg()
    print(f"machine: {os.cpu_count()} CPUs, load average at the end {load1:.1f} / {load5:.1f} / "
          f"{load15:.1f} (other engineers' tests share it); logs in {LOGS}")


if __name__ == "__main__":
    main()
