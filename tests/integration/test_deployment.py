"""The service's process shapes, run for real: docker-compose's (gunicorn + Celery worker on
PostgreSQL and Redis) and `audarma serve`'s (one process tree on SQLite), over real HTTP."""

from __future__ import annotations

import http.client
import json
import os
import signal
import time

import pytest

from service.store.repositories import KeyStore
from tests.integration.conftest import BIN, free_port
from tests.support.polling import wait_until

pytestmark = pytest.mark.integration

ARTICLE = "Kassym-Zhomart Tokayev met Ma Xingruy in Astana on 28 March 2023."


class Http:
    """A keep-alive HTTP/1.1 client for one server, speaking JSON."""

    def __init__(self, port: int, key: str | None = None):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.headers = {"Authorization": f"Bearer {key}"} if key else {}

    def request(self, method: str, path: str, body: dict | None = None):
        headers = dict(self.headers)
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        self.connection.request(method, path, payload, headers)
        response = self.connection.getresponse()
        data = response.read()
        return response.status, dict(response.getheaders()), json.loads(data) if data else None

    def wait_for_job(self, location: str, timeout: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            _, _, job = self.request("GET", location)
            if job["status"] in ("done", "failed") or time.monotonic() > deadline:
                return job
            time.sleep(0.05)


def answers(port: int) -> bool:
    try:
        return Http(port).request("GET", "/healthz")[0] == 200
    except OSError:
        return False


def test_gunicorn_api_and_celery_worker_over_http(db, start_process, start_worker):
    """What docker-compose runs: gunicorn with 2 workers and a Celery worker."""
    port = free_port()
    argv = [str(BIN / "gunicorn"), "service.app:create_app()", "--workers", "2",
            "--threads", "4", "--bind", f"127.0.0.1:{port}"]  # fmt: skip
    start_process("gunicorn", argv, ready="Booting worker")
    start_worker("interactive")
    wait_until(lambda: answers(port), 30, "gunicorn to answer")
    key, _ = KeyStore(db).create("editor", "deployment test")
    client = Http(port, key)

    status, headers, body = client.request(
        "POST", "/v1/jobs", {"text": ARTICLE, "targets": ["en-GB", "ru-RU"]}
    )
    assert status == 202, body
    job = client.wait_for_job(headers["Location"])

    assert job["status"] == "done", job
    assert job["result"]["normalized"]["text"].startswith("Kassym-Jomart Tokayev met Ma Xingrui")
    ready_status, _, ready = client.request("GET", "/readyz")
    assert (ready_status, ready["checks"]) == (200, {"database": "ok", "broker": "ok"})


def test_serve_runs_api_and_embedded_worker_on_sqlite(start_process, tmp_path):
    """`audarma serve` in an empty folder: SQLite files appear, a key is printed, jobs run,
    and SIGTERM stops the embedded worker too."""
    port = free_port()
    folder = tmp_path / "embedded"
    folder.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUDARMA_")}
    argv = [str(BIN / "audarma"), "serve", "--port", str(port)]
    serve = start_process("serve", argv, ready="editor key: ", env=env, cwd=folder)
    key = serve.output().split("editor key: ", 1)[1].split()[0]
    workers = serve.children()
    assert len(workers) == 2, workers  # localization and webhooks
    client = Http(port, key)

    status, headers, body = client.request(
        "POST", "/v1/jobs", {"text": ARTICLE, "targets": ["en-GB", "ru-RU"]}
    )
    assert status == 202, body
    job = client.wait_for_job(headers["Location"])

    assert job["status"] == "done", job
    assert {"audarma.sqlite3", "audarma-broker.sqlite3"} <= {p.name for p in folder.iterdir()}
    serve.stop()
    assert serve.popen.returncode == 0, serve.output()[-2000:]
    for worker in workers:
        assert not os.path.exists(f"/proc/{worker}"), "an embedded worker outlived serve"


def test_serve_killed_with_its_worker_finishes_the_job_after_a_restart(
    start_process, tmp_path, fake_mt
):
    """`audarma serve` and its workers SIGKILLed mid-job: started again on the same folder,
    its sweeper takes the job back once the lease has passed and the job finishes."""
    folder = tmp_path / "embedded"
    folder.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUDARMA_")}
    env.update({"AUDARMA_LIBRETRANSLATE_URL": fake_mt.url, "AUDARMA_HTTP_RETRIES": "0",
                "AUDARMA_TASK_SOFT_TIME_LIMIT": "8", "AUDARMA_TASK_TIME_LIMIT": "10",
                "AUDARMA_JOB_LEASE_SECONDS": "12", "AUDARMA_SWEEP_INTERVAL_SECONDS": "0.5"})
    port = free_port()
    argv = [str(BIN / "audarma"), "serve", "--port", str(port)]
    first = start_process("serve-1", argv, ready="editor key: ", env=env, cwd=folder)
    key = first.output().split("editor key: ", 1)[1].split()[0]
    fake_mt.stall(60, path="/translate")
    status, headers, body = Http(port, key).request(
        "POST", "/v1/jobs", {"text": ARTICLE, "targets": ["de-DE"], "engine": "libretranslate"}
    )
    assert status == 202, body
    wait_until(lambda: fake_mt.seen("/translate"), 30, "the job to reach the engine")
    # serve and both workers at once, SIGKILL: nothing finishes, nothing is given back. The
    # workers run in sessions of their own, so they are killed by pid, not with serve's group.
    workers = first.children()
    assert len(workers) == 2, workers
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    first.kill()

    second = start_process("serve-2", argv, ready="serving on", env=env, cwd=folder)
    job = Http(port, key).wait_for_job(headers["Location"], timeout=60)
    assert job["status"] == "done", job
    assert any("lease expired while running" in e["detail"] for e in job["events"]), job
    second.stop()
