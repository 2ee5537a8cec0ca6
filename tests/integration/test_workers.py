"""Jobs through real workers: results, retries, idempotency, webhooks, killed workers, queues."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from service.store.repositories import CandidateStore, GlossaryStore, KeyStore, WebhookLog
from service.webhooks import SIGNATURE_HEADER, verify_signature
from tests.integration.conftest import (
    job_row,
    result_rows,
    settings_field,
    submit,
    wait_for_job,
)
from tests.support.polling import wait_until

pytestmark = pytest.mark.integration

ARTICLE = (
    "President Kassym-Zhomart Tokayev met Ma Xingruy in Astana on 28 March 2023. "
    "They discussed $24 billion of investment. Prime Minister Olzhas Bektenoff also spoke."
)
HAS_APERTIUM_SPA = Path("/usr/share/apertium/modes/eng-spa.mode").exists()


def statuses(job: dict) -> list[str]:
    return [event["status"] for event in job["events"]]


# --------------------------------------------------------------------------- results


def test_submitted_job_is_localized_by_a_worker(client, editor, db, start_worker):
    start_worker()
    targets = ["en-GB", "ru-RU"] + (["es-ES"] if HAS_APERTIUM_SPA else [])
    job_id = submit(client, editor, text=ARTICLE, targets=targets)

    job = wait_for_job(client, editor, job_id)

    assert job["status"] == "done", job
    assert statuses(job) == ["queued", "running", "done"]
    result = job["result"]
    assert list(result["versions"]) == targets
    fixes = {c["original"]: c["replacement"] for c in result["normalized"]["changes"]}
    assert fixes["Kassym-Zhomart Tokayev"] == "Kassym-Jomart Tokayev"
    assert fixes["Ma Xingruy"] == "Ma Xingrui"
    assert "Kassym-Jomart Tokayev" in result["versions"]["en-GB"]["text"]
    russian_names = {n["rendered"] for n in result["versions"]["ru-RU"]["names"]}
    assert "Касым-Жомарт Токаев" in russian_names
    if HAS_APERTIUM_SPA:
        spanish = result["versions"]["es-ES"]
        assert spanish["engine"] == "apertium"
        assert "28 de marzo de 2023" in spanish["text"]
    assert [locale for locale, _ in result_rows(db, job_id)] == sorted(targets)


def test_unknown_spellings_become_glossary_candidates(client, editor, db, start_worker):
    start_worker()
    job_id = submit(client, editor, text=ARTICLE, targets=["en-GB"])
    wait_for_job(client, editor, job_id)

    # Candidates are recorded just after the job is marked done (a crash in between costs a
    # hint, never a double count), so the test polls for them.
    def seen():
        pending = CandidateStore(db).list()
        return [(c["spelling"], c["entity_id"]) for c in pending
                if any(ctx["job"] == job_id for ctx in c["contexts"])]

    assert wait_until(seen, 10, "the job's candidates") == [
        ("Olzhas Bektenoff", "olzhas-bektenov")
    ]


def test_glossary_edit_reaches_a_running_worker(client, editor, db, start_worker):
    start_worker()  # refreshes its glossary every 0.5 s (AUDARMA_GLOSSARY_REFRESH_SECONDS)
    text = "Spokesperson Aigerim Testova-Zhusupova said the talks went well."
    before = wait_for_job(client, editor, submit(client, editor, text=text, targets=["en-GB"]))
    assert before["result"]["normalized"]["changes"] == []

    GlossaryStore(db).create(
        {"id": "aigerim-testova-integration", "type": "person",
         "names": {"en": "Aigerim Testova", "ru": "Айгерим Тестова"},
         "variants": ["Aigerim Testova-Zhusupova"]},
        by="integration test",
    )  # fmt: skip
    # No fixed wait: jobs are submitted until one runs with the new glossary (the worker
    # rereads its revision every 0.5 s, so this takes a second or two).
    def changes_now():
        job = wait_for_job(client, editor, submit(client, editor, text=text, targets=["en-GB"]))
        return job["result"]["normalized"]["changes"]

    changes = wait_until(changes_now, 20, "a job to see the new glossary entry")
    assert [(c["original"], c["replacement"]) for c in changes] == [
        ("Aigerim Testova-Zhusupova", "Aigerim Testova")
    ]


# --------------------------------------------------------------------------- retries


def test_transient_engine_failure_is_retried_until_done(client, editor, fake_mt, start_worker):
    start_worker("batch")  # retries must come back to the job's own queue
    fake_mt.fail(503, times=2, path="/translate", message="overloaded")
    job_id = submit(client, editor, text=ARTICLE, targets=["de-DE"], engine="libretranslate",
                    queue="batch")  # fmt: skip

    job = wait_for_job(client, editor, job_id)

    assert job["status"] == "done", job
    retries = [e for e in job["events"] if e["detail"].startswith("retry:")]
    assert len(retries) == 2
    assert "HTTP 503" in retries[0]["detail"]
    assert statuses(job) == ["queued", "running", "queued", "running", "queued", "running", "done"]
    assert len(fake_mt.seen("/translate")) == 3
    assert job["result"]["versions"]["de-DE"]["text"].startswith("[de] ")


def test_engine_failing_past_the_retry_limit_fails_the_job(client, editor, fake_mt, start_worker):
    start_worker(AUDARMA_TASK_MAX_RETRIES="1")
    fake_mt.fail(503, times=5, path="/translate", message="overloaded")
    job_id = submit(client, editor, text=ARTICLE, targets=["de-DE"], engine="libretranslate")

    job = wait_for_job(client, editor, job_id)

    assert job["status"] == "failed"
    assert job["error"].startswith(
        "gave up after 2 tries: libretranslate: POST /translate: HTTP 503"
    )
    assert "result" not in job
    assert len(fake_mt.seen("/translate")) == 2


# --------------------------------------------------------------------------- idempotency


def test_idempotency_key_gives_one_job_run_once(client, editor, db, start_worker):
    start_worker()
    body = {"text": ARTICLE, "targets": ["en-GB", "ru-RU"]}
    headers = {**editor.headers, "Idempotency-Key": "integration-idem-1"}

    first = client.post("/v1/jobs", json=body, headers=headers)
    second = client.post("/v1/jobs", json=body, headers=headers)
    changed = client.post("/v1/jobs", json={**body, "targets": ["de-DE"]}, headers=headers)

    assert (first.status_code, second.status_code) == (202, 200)
    job_id = first.get_json()["id"]
    assert second.get_json()["id"] == job_id
    assert changed.status_code == 422
    job = wait_for_job(client, editor, job_id)
    assert statuses(job) == ["queued", "running", "done"]
    assert [locale for locale, _ in result_rows(db, job_id)] == ["en-GB", "ru-RU"]


def test_redelivered_task_of_a_done_job_changes_nothing(app, client, editor, db, start_worker):
    worker = start_worker()
    job_id = submit(client, editor, text=ARTICLE, targets=["en-GB", "ru-RU"])
    done = wait_for_job(client, editor, job_id)
    rows = result_rows(db, job_id)

    # The same message again, as the broker would redeliver it after a lost acknowledgement.
    app.extensions["audarma"].enqueue(job_id, "interactive")
    wait_until(lambda: worker.output().count("succeeded") >= 2, 20, "the second delivery")

    again = wait_for_job(client, editor, job_id)
    assert "'skipped'" in worker.output()
    assert again["events"] == done["events"]
    assert again["result"] == done["result"]
    assert result_rows(db, job_id) == rows


# --------------------------------------------------------------------------- webhooks


class Receiver:
    """A webhook receiver on 127.0.0.1 answering scripted statuses (then 200) and recording."""

    def __init__(self, statuses: list[int]):
        self.statuses = deque(statuses)
        self.received: list[tuple[int, dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = receiver.statuses.popleft() if receiver.statuses else 200
                receiver.received.append((status, dict(self.headers), body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/audarma"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_webhook_is_signed_retried_and_recorded(client, editor, db, start_worker):
    start_worker()
    with Receiver([500]) as receiver:
        job_id = submit(client, editor, text=ARTICLE, targets=["en-GB"], callback_url=receiver.url)
        wait_until(lambda: len(receiver.received) >= 2, 30, "the second webhook attempt")

    (first_status, _, _), (status, headers, body) = receiver.received[:2]
    assert (first_status, status) == (500, 200)
    secret = KeyStore(db).webhook_secret(editor.id)
    assert verify_signature(secret, body, headers[SIGNATURE_HEADER])
    assert not verify_signature("another secret", body, headers[SIGNATURE_HEADER])
    assert json.loads(body) == client.get(f"/v1/jobs/{job_id}", headers=editor.headers).get_json()
    attempts = WebhookLog(db).attempts(job_id)
    assert [(a["attempt"], a["status_code"], a["delivered"]) for a in attempts] == [
        (1, 500, False),
        (2, 200, True),
    ]
    assert attempts[0]["error"] == "HTTP 500 Internal Server Error"


def test_webhook_to_a_refused_address_is_recorded_once_and_not_retried(
    client, editor, db, start_worker
):
    # The API allows loopback (service_env), this worker does not: the worker's own check,
    # made when sending, is the one that must refuse, and a refusal is not retried.
    worker = start_worker(AUDARMA_WEBHOOK_ALLOW_NETWORKS="")
    with Receiver([]) as receiver:
        job_id = submit(client, editor, text=ARTICLE, targets=["en-GB"], callback_url=receiver.url)
        wait_until(lambda: "'refused'" in worker.output(), 30, "the webhook task to give up")

    assert receiver.received == []
    attempts = WebhookLog(db).attempts(job_id)
    assert [(a["attempt"], a["status_code"], a["delivered"]) for a in attempts] == [
        (1, None, False)
    ]
    assert attempts[0]["error"].startswith(
        "refused: 'callback_url' points at 127.0.0.1, a loopback address"
    )
    assert "Retry in" not in worker.output()


# --------------------------------------------------------------------------- killed workers


def test_pool_process_killed_mid_task_is_redelivered_once(
    client, editor, db, fake_mt, start_worker
):
    worker = start_worker()
    fake_mt.stall(30, path="/translate")  # the first run hangs inside the engine call
    job_id = submit(client, editor, text=ARTICLE, targets=["de-DE", "en-GB"],
                    engine="libretranslate")  # fmt: skip
    wait_until(lambda: fake_mt.seen("/translate"), 20, "the task to reach the engine")

    [pool_process] = worker.children()
    os.kill(pool_process, signal.SIGKILL)
    job = wait_for_job(client, editor, job_id)

    assert job["status"] == "done", job
    assert statuses(job) == ["queued", "running", "running", "done"]
    assert job["events"][2]["detail"] == "attempt 2"
    assert "WorkerLostError" in worker.output()
    assert [locale for locale, _ in result_rows(db, job_id)] == ["de-DE", "en-GB"]
    assert job_row(db, job_id)["attempts"] == 2


@pytest.mark.skipif(
    not settings_field("broker_visibility_timeout"),
    reason="needs Settings.broker_visibility_timeout (AUDARMA_BROKER_VISIBILITY_TIMEOUT): "
    "Redis gives a dead worker's message back only after that timeout (default 1 hour)",
)
def test_worker_killed_mid_task_job_completes_on_a_new_worker(
    client, editor, db, fake_mt, start_worker
):
    first = start_worker()
    fake_mt.stall(30, path="/translate")
    job_id = submit(client, editor, text=ARTICLE, targets=["de-DE", "en-GB"],
                    engine="libretranslate")  # fmt: skip
    wait_until(lambda: fake_mt.seen("/translate"), 20, "the task to reach the engine")

    first.kill()  # main process and pool process, SIGKILL: the message stays unacknowledged
    assert job_row(db, job_id)["status"] == "running"
    time.sleep(2.5)
    # A new worker gives back, on start, unacknowledged messages older than its visibility
    # timeout; production keeps the default hour (longer than any job), the test 2 s.
    start_worker(AUDARMA_BROKER_VISIBILITY_TIMEOUT="2")
    job = wait_for_job(client, editor, job_id)

    assert job["status"] == "done", job
    assert statuses(job) == ["queued", "running", "running", "done"]
    assert [locale for locale, _ in result_rows(db, job_id)] == ["de-DE", "en-GB"]


# --------------------------------------------------------------------------- queues


def test_interactive_job_is_not_delayed_behind_batch_jobs(
    client, editor, db, fake_mt, start_worker
):
    start_worker("interactive")
    start_worker("batch")
    # Warm the interactive worker first (its first job builds the name index), so what is
    # compared below is waiting in line, not a cold start on a busy machine.
    warm = submit(client, editor, text=ARTICLE, targets=["en-GB"])
    assert wait_for_job(client, editor, warm)["status"] == "done"
    batch_ids = []
    for n in range(4):
        fake_mt.stall(3, path="/translate")
        batch_ids.append(
            submit(client, editor, text=f"Batch article {n}: {ARTICLE}", targets=["de-DE"],
                   engine="libretranslate", queue="batch")
        )  # fmt: skip
    wait_until(lambda: fake_mt.seen("/translate"), 20, "the first batch job to start")

    interactive = wait_for_job(client, editor, submit(client, editor, text=ARTICLE,
                                                      targets=["en-GB"]))  # fmt: skip
    batch_now = [job_row(db, job_id)["status"] for job_id in batch_ids]

    # No clock: the interactive job is done while the batch backlog (four jobs of 3 s each
    # behind a stalled engine) is not, so it did not wait in line behind them.
    assert interactive["status"] == "done"
    assert batch_now.count("done") <= 1, batch_now
    assert {job_row(db, job_id)["queue"] for job_id in batch_ids} == {"batch"}
    for job_id in batch_ids:
        assert wait_for_job(client, editor, job_id, timeout=40)["status"] == "done"
