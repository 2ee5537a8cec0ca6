"""The service's process shapes, run for real: docker-compose's (gunicorn + Celery worker on
PostgreSQL and Redis) and `audarma serve`'s (one process tree on SQLite), over real HTTP."""

from __future__ import annotations

import http.client
import json
import os
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
    [worker] = serve.children()
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
    assert not os.path.exists(f"/proc/{worker}"), "the embedded worker outlived serve"
