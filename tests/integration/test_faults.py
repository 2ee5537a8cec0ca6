"""Faults with real processes: killed workers, a broker that goes away or hangs, a database that
stops mid-job. Nothing stays queued or running for good, and nothing runs twice.

Tests that stop, hang or restart a server start their own redis-server or PostgreSQL cluster
(tests/support/servers.py) on a free port; the machine's shared servers are never touched.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg
import pytest

from service.store.db import Database
from service.store.repositories import GlossaryStore, KeyStore
from tests.integration.conftest import (
    FAST_SWEEP,
    Editor,
    job_row,
    result_rows,
    submit,
    wait_for_job,
)
from tests.support.polling import wait_until
from tests.support.servers import OwnPostgres, OwnRedis

pytestmark = pytest.mark.integration

ARTICLE = "Kassym-Zhomart Tokayev met Ma Xingruy in Astana on 28 March 2023."
# Short leases and a quick sweeper, so a lost job comes back within seconds, not minutes. A
# lease must outlast the task's hard time limit (Settings refuses anything else), so the limits
# shrink with it; the jobs here take well under a second when nothing stalls them.



def statuses(job: dict) -> list[str]:
    return [event["status"] for event in job["events"]]


def details(job: dict) -> str:
    return " | ".join(event["detail"] for event in job["events"])





@pytest.fixture
def own_redis(tmp_path):
    reason = OwnRedis.available()
    if reason:
        pytest.skip(reason)
    server = OwnRedis(tmp_path / "redis").start()
    yield server
    server.close()


@pytest.fixture
def own_postgres():
    reason = OwnPostgres.available()
    if reason:
        pytest.skip(reason)
    server = OwnPostgres().init().start()
    yield server
    server.close()


# --------------------------------------------------------------------------- killed workers


def test_a_worker_killed_mid_job_is_taken_back_by_the_sweeper_after_its_lease(
    client, editor, db, fake_mt, start_worker, start_beat
):
    first = start_worker(**FAST_SWEEP)
    start_beat(**FAST_SWEEP)
    fake_mt.stall(30, path="/translate")  # the first run hangs inside the engine call
    job_id = submit(client, editor, text=ARTICLE, targets=["de-DE", "en-GB"],
                    engine="libretranslate")  # fmt: skip
    wait_until(lambda: fake_mt.seen("/translate"), 20, "the task to reach the engine")

    first.kill()  # SIGKILL, worker and pool: its message is neither acked nor given back
    assert job_row(db, job_id)["status"] == "running"
    # The broker's visibility timeout stays at its default hour: only the lease brings it back.
    start_worker(**FAST_SWEEP)
    job = wait_for_job(client, editor, job_id, timeout=60)

    assert job["status"] == "done", job
    assert "lease expired while running" in details(job)
    assert [locale for locale, _ in result_rows(db, job_id)] == ["de-DE", "en-GB"]
    assert job_row(db, job_id)["attempts"] == 2


def test_a_job_whose_worker_is_always_lost_fails_with_a_clear_error(
    client, editor, db, fake_mt, start_worker, start_beat
):
    env = {**FAST_SWEEP, "AUDARMA_JOB_MAX_SWEEPS": "1"}
    start_beat(**env)
    fake_mt.stall(60, times=5, path="/translate")
    job_id = submit(client, editor, text=ARTICLE, targets=["de-DE"], engine="libretranslate")
    for _ in range(2):  # two workers, each killed while the job hangs in the engine
        seen = len(fake_mt.seen("/translate"))
        worker = start_worker(**env)
        wait_until(lambda s=seen: len(fake_mt.seen("/translate")) > s, 30, "the job to start")
        worker.kill()
    start_worker(**env)  # runs the sweeps that give up
    job = wait_for_job(client, editor, job_id, timeout=60)

    assert job["status"] == "failed"
    assert "gave up after 1 take-backs" in job["error"]


# --------------------------------------------------------------------------- the broker


@pytest.fixture
def app_on(service_env, monkeypatch):
    """The real app (real Celery enqueue) with some of service_env replaced."""
    from service.app import create_app

    apps = []

    def build(**env: str):
        for name, value in {**service_env, **env}.items():
            monkeypatch.setenv(name, value)
        flask_app = create_app({"TESTING": True})
        apps.append(flask_app)
        return flask_app

    yield build
    for flask_app in apps:
        flask_app.extensions["celery"].close()
        flask_app.extensions["audarma"].db.dispose()


def test_a_submission_the_broker_refused_runs_once_the_broker_is_back(
    db, editor, app_on, own_redis, start_worker, start_beat
):
    env = {**FAST_SWEEP, "AUDARMA_BROKER_URL": own_redis.url(),
           "AUDARMA_RATE_LIMIT_STORAGE": own_redis.url(1)}
    client = app_on(**env).test_client()
    own_redis.stop()

    started = time.monotonic()
    response = client.post("/v1/jobs", json={"text": ARTICLE, "targets": ["ru-RU"]},
                           headers={**editor.headers, "Idempotency-Key": "outage-1"})
    answered_in = time.monotonic() - started

    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.headers["Retry-After"]
    message = response.get_json()["error"]["message"]
    job_id = message.split()[1]
    assert "is recorded" in message and job_row(db, job_id)["status"] == "queued"
    # A client that retries with its key finds the same job, not a second one.
    again = client.post("/v1/jobs", json={"text": ARTICLE, "targets": ["ru-RU"]},
                        headers={**editor.headers, "Idempotency-Key": "outage-1"})
    assert again.status_code == 200 and again.get_json()["id"] == job_id

    own_redis.start()
    start_worker(**env)
    start_beat(**env)
    job = wait_for_job(client, editor, job_id, timeout=60)
    assert job["status"] == "done", job
    assert "not queued" in details(job)
    print(f"submission during the outage answered in {answered_in:.2f}s")


def test_a_hung_redis_leaves_readyz_answering_503_and_submissions_accepted_or_503(
    db, editor, app_on, own_redis
):
    env = {"AUDARMA_BROKER_URL": own_redis.url(), "AUDARMA_RATE_LIMIT_STORAGE": own_redis.url(1)}
    client = app_on(**env).test_client()
    assert client.get("/readyz").status_code == 200
    own_redis.pause()  # SIGSTOP: connections are accepted, nothing answers
    try:
        started = time.monotonic()
        ready = client.get("/readyz")
        took = time.monotonic() - started
        response = client.post("/v1/jobs", json={"text": ARTICLE, "targets": ["ru-RU"]},
                               headers=editor.headers)
    finally:
        own_redis.resume()

    assert ready.status_code == 503 and ready.get_json()["checks"]["broker"] == "failed (timeout)"
    assert took < 5, f"/readyz took {took:.1f}s"  # a bound on a hang, not a performance claim
    assert response.status_code == 503 and response.headers["Retry-After"]


def test_a_worker_survives_a_broker_restart_while_holding_messages(
    client, editor, db, own_redis, app_on, start_worker
):
    env = {"AUDARMA_BROKER_URL": own_redis.url(), "AUDARMA_RATE_LIMIT_STORAGE": "memory://",
           "AUDARMA_WEBHOOK_MAX_ATTEMPTS": "5"}
    client = app_on(**env).test_client()
    worker = start_worker(**env)
    # A webhook to a closed port is retried with a countdown: the worker holds that message
    # unacknowledged while it waits, which is what used to crash it on a reconnect.
    submit(client, editor, text=ARTICLE, targets=["en-GB"],
           callback_url="http://127.0.0.1:9/closed")
    wait_until(lambda: "Retry in" in worker.output(), 30, "a webhook retry to be scheduled")

    own_redis.stop()
    time.sleep(1.0)  # the worker notices the lost connection
    own_redis.start()

    job_id = submit(client, editor, text=ARTICLE, targets=["ru-RU"])
    job = wait_for_job(client, editor, job_id, timeout=60)
    assert job["status"] == "done", job
    assert worker.popen.poll() is None, worker.output()[-3000:]
    assert "AttributeError" not in worker.output()


# --------------------------------------------------------------------------- the database


def test_postgres_stopped_during_a_job_and_during_submissions(
    tmp_path, own_postgres, broker_url, fake_mt, start_worker, start_beat, app_on
):
    admin = own_postgres.url("postgres", driver="postgresql")
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute("CREATE DATABASE audarma")
    url = own_postgres.url("audarma")
    store = Database(url)
    store.upgrade()
    GlossaryStore(store).seed_if_empty()
    key, row = KeyStore(store).create("editor", "fault test")
    editor = Editor(key, row["id"])
    env = {**FAST_SWEEP, "AUDARMA_DATABASE_URL": url, "AUDARMA_TASK_MAX_RETRIES": "1"}
    client = app_on(**env).test_client()
    worker = start_worker(**env)
    start_beat(**env)

    fake_mt.stall(4, path="/translate")
    job_id = submit(client, editor, text=ARTICLE, targets=["de-DE"], engine="libretranslate")
    wait_until(lambda: fake_mt.seen("/translate"), 20, "the job to reach the engine")
    own_postgres.stop()
    # While the database is down every route answers 503 with Retry-After, never 500.
    for method, path in (("get", f"/v1/jobs/{job_id}"), ("post", "/v1/jobs"),
                         ("get", "/v1/glossary/entries"), ("get", "/readyz")):
        response = getattr(client, method)(
            path, headers=editor.headers, json={"text": ARTICLE, "targets": ["ru-RU"]}
            if method == "post" else None,
        )
        assert response.status_code == 503, (path, response.get_data(as_text=True))
        if path != "/readyz":
            assert response.headers["Retry-After"], path
    wait_until(lambda: "left to the sweeper" in worker.output(), 30,
               "the worker to give the job up to the sweeper")
    own_postgres.start()

    job = wait_for_job(client, editor, job_id, timeout=60)
    assert job["status"] == "done", job
    assert [locale for locale, _ in result_rows(store, job_id)] == ["de-DE"]
    store.dispose()



# --------------------------------------------------------------------------- webhooks


class Receiver:
    """A webhook receiver on 127.0.0.1: the first `hang` requests hang for `hang_seconds`
    (longer than the worker waits) and are never answered, the next answer the scripted
    statuses, the rest 200. Records (status, job id) of every request it answered."""

    def __init__(self, hang: int, hang_seconds: float, statuses: list[int]):
        self.script = ["hang"] * hang + statuses
        self.lock = threading.Lock()
        self.hanging = 0
        self.answered: list[tuple[int, str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with receiver.lock:
                    step = receiver.script.pop(0) if receiver.script else 200
                    if step == "hang":
                        receiver.hanging += 1
                if step == "hang":
                    time.sleep(hang_seconds)
                    with receiver.lock:
                        receiver.hanging -= 1
                    # Too late: the worker gave this attempt up long ago and will try again. A
                    # receiver that acts on a request it answers late sees that job twice; the
                    # README asks receivers to treat the job id as the delivery's identity.
                    return
                try:
                    self.send_response(step)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    return  # the worker closed the connection: it counts nothing
                with receiver.lock:
                    receiver.answered.append((step, body["id"]))

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_hanging_receivers_never_delay_a_job_and_each_delivery_arrives_once(
    client, editor, db, start_worker
):
    env = {"AUDARMA_WEBHOOK_TIMEOUT": "2"}
    start_worker("interactive,batch", **env)
    start_worker("webhooks", concurrency=4, **env)
    with Receiver(hang=4, hang_seconds=8, statuses=[500]) as receiver:
        hooked = [submit(client, editor, text=ARTICLE, targets=["en-GB"],
                         callback_url=receiver.url) for _ in range(4)]
        wait_until(lambda: receiver.hanging == 4, 30, "four deliveries hanging")

        job_id = submit(client, editor, text=ARTICLE, targets=["ru-RU"])
        job = wait_for_job(client, editor, job_id, timeout=30)
        still_hanging = receiver.hanging

        def delivered() -> list[str]:
            return [jid for status, jid in receiver.answered if status == 200]

        wait_until(lambda: sorted(set(delivered())) == sorted(hooked), 90,
                   "every webhook to arrive once the receiver answers")
        time.sleep(1.0)  # a late duplicate would arrive now

    assert job["status"] == "done" and still_hanging > 0  # done while receivers still hung
    assert sorted(delivered()) == sorted(hooked)  # each exactly once
    assert [status for status, _ in receiver.answered].count(500) == 1  # it failed once, too


# --------------------------------------------------------------------------- logs


def test_a_run_logs_no_key_secret_or_article_text(client, editor, db, fake_mt, start_worker):
    worker = start_worker("interactive,batch,webhooks")
    marker = "Zhanibek Kozhakhmetov-Quillfeather"  # a name found nowhere else
    article = f"{marker} met Ma Xingruy in Astana on 28 March 2023."
    fake_mt.fail(503, times=1, path="/translate", message="overloaded")  # a retry gets logged
    with Receiver(hang=0, hang_seconds=0, statuses=[500]) as receiver:
        job_id = submit(client, editor, text=article, targets=["de-DE"], engine="libretranslate",
                        callback_url=receiver.url)
        wait_until(lambda: any(status == 200 for status, _ in receiver.answered), 60,
                   "the webhook to be delivered after one failure")
    assert wait_for_job(client, editor, job_id)["status"] == "done"

    log = worker.output()
    assert job_id in log  # the lines are there, and say which job
    secret = KeyStore(db).webhook_secret(editor.id)
    for leaked in (editor.key, secret, marker, "Quillfeather", receiver.url):
        assert leaked not in log, f"the worker log holds {leaked[:12]}..."


def test_a_batch_survives_its_worker_being_killed_again_and_again(
    fast_sweep, client, editor, db, fake_mt, start_worker, start_beat
):
    """SIGKILL the batch worker three times mid-batch: every item ends done exactly once, with
    one result row per locale, and nothing is left queued or running.

    A killed worker takes the rest of its chunk's message with it; those items never started,
    so the sweeper queues them again once their queued lease runs out. The API gives that lease
    when it stores the batch, so it reads the same short leases as the workers (`fast_sweep`),
    as it would from the same environment in a deployment."""
    start_beat(**FAST_SWEEP)
    items = [{"id": f"item-{n}", "text": f"Story {n}: {ARTICLE}"} for n in range(12)]
    response = client.post("/v1/batches", headers=editor.headers, json={
        "items": items, "targets": ["de-DE"], "engine": "libretranslate"})
    assert response.status_code == 202, response.get_data(as_text=True)
    batch_id = response.get_json()["id"]

    for round_ in range(3):
        fake_mt.stall(30, path="/translate")  # the next job hangs in the engine: kill it there
        seen = len(fake_mt.seen("/translate"))
        worker = start_worker("batch,interactive,sweeps", **FAST_SWEEP)
        wait_until(lambda s=seen: len(fake_mt.seen("/translate")) > s, 60,
                   f"a batch job to reach the engine (round {round_ + 1})")
        worker.kill()
    start_worker("batch,interactive,sweeps", **FAST_SWEEP)

    def finished() -> bool:
        counts = client.get(f"/v1/batches/{batch_id}", headers=editor.headers).get_json()
        return counts["counts"].get("done", 0) == len(items)

    wait_until(finished, 120, "every item of the batch to be done")
    results = client.get(f"/v1/batches/{batch_id}/results", headers=editor.headers)
    lines = [json.loads(line) for line in results.get_data(as_text=True).splitlines() if line]
    assert sorted(line["id"] for line in lines) == sorted(item["id"] for item in items)
    for line in lines:
        job_id = line["job_id"]
        assert [locale for locale, _ in result_rows(db, job_id)] == ["de-DE"]
        job = client.get(f"/v1/jobs/{job_id}", headers=editor.headers).get_json()
        assert statuses(job).count("done") == 1, job["events"]
