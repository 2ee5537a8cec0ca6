"""Batches through the HTTP API (Flask test client, fake task queue) and `audarma batch submit`
against a real HTTP server."""

from __future__ import annotations

import json
import threading

import pytest
from click.testing import CliRunner
from sqlalchemy import inspect
from werkzeug.serving import make_server

from service.app import create_app
from service.cli_batch import batch as batch_cli
from service.domain import QUEUES
from service.store.batches import BatchStore
from service.store.db import Database
from service.usecases.sweep import sweep

DOCUMENT = {
    "source_language": "en",
    "normalized": {"text": "x", "changes": []},
    "versions": {"ru-RU": {"text": "икс", "engine": "none", "names": [], "figures": [],
                           "warnings": []}},
}


def items(n: int) -> list[dict]:
    return [{"text": f"Article number {i}.", "id": f"a{i}"} for i in range(n)]


def submit(client, headers, payload=None):
    payload = payload or {"items": items(3), "targets": ["ru-RU"], "name": "archive"}
    return client.post("/v1/batches", json=payload, headers=headers)


def error_of(response) -> str:
    return response.get_json()["error"]["message"]


def progress(client, headers, batch_id) -> dict:
    return client.get(f"/v1/batches/{batch_id}", headers=headers).get_json()


def jobs_of(app, batch_id) -> list[str]:
    return [line["job_id"] for line in BatchStore(app.extensions["audarma"].db)
            .results(batch_id)]


# --------------------------------------------------------------------------- API


def test_submit_creates_one_job_per_item_queued_once_on_batch(client, auth, queue):
    response = submit(client, auth["editor"])

    assert response.status_code == 202
    batch = response.get_json()
    assert response.headers["Location"] == f"/v1/batches/{batch['id']}"
    assert batch["total"] == 3 and batch["name"] == "archive"
    assert batch["counts"] == {"queued": 3, "running": 0, "done": 0, "failed": 0}
    assert len(queue.calls) == 3 and len(set(queue.calls)) == 3
    assert {q for _, q in queue.calls} == {"batch"}
    assert queue.row_committed == [True, True, True]


def test_progress_counts_jobs_by_status(app, client, auth, queue):
    batch_id = submit(client, auth["editor"]).get_json()["id"]
    jobs = app.extensions["audarma"].jobs
    first, second, _ = (job_id for job_id, _ in queue.calls)
    jobs.claim(first)
    jobs.save_results(first, DOCUMENT)
    jobs.finish(first)
    jobs.claim(second)

    batch = progress(client, auth["editor"], batch_id)

    assert batch["counts"] == {"queued": 1, "running": 1, "done": 1, "failed": 0}
    assert batch["done_fraction"] == pytest.approx(1 / 3, abs=1e-3)
    assert batch["finished"] is False
    assert jobs.get(first)["queue"] == "batch"


def test_results_are_ndjson_one_line_per_item_in_order(app, client, auth, queue):
    batch_id = submit(client, auth["editor"]).get_json()["id"]
    jobs = app.extensions["audarma"].jobs
    done, failed, _ = (job_id for job_id, _ in queue.calls)
    jobs.save_results(done, DOCUMENT)
    jobs.finish(done)
    jobs.fail(failed, "no engine")

    response = client.get(f"/v1/batches/{batch_id}/results", headers=auth["editor"])

    assert response.status_code == 200
    assert response.mimetype == "application/x-ndjson"
    lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert [(line["index"], line["id"], line["status"]) for line in lines] == [
        (0, "a0", "done"), (1, "a1", "failed"), (2, "a2", "queued")]
    assert lines[0]["result"] == DOCUMENT and lines[0]["job_id"] == done
    assert lines[1]["error"] == "no engine"


def test_cancel_fails_queued_jobs_and_lets_running_ones_finish(app, client, auth, queue):
    batch_id = submit(client, auth["editor"]).get_json()["id"]
    jobs = app.extensions["audarma"].jobs
    running = queue.calls[0][0]
    jobs.claim(running)

    response = client.post(f"/v1/batches/{batch_id}/cancel", headers=auth["editor"])

    assert response.status_code == 200
    body = response.get_json()
    assert body["cancelled"] is True and body["cancelled_jobs"] == 2
    assert body["counts"] == {"queued": 0, "running": 1, "done": 0, "failed": 2}
    assert jobs.get(queue.calls[1][0])["error"] == "cancelled"
    assert jobs.claim(queue.calls[1][0]) is None  # a worker skips a cancelled job
    assert jobs.get(running)["status"] == "running"


def test_retry_failed_requeues_only_failed_jobs(app, client, auth, queue):
    batch_id = submit(client, auth["editor"]).get_json()["id"]
    jobs = app.extensions["audarma"].jobs
    done, failed, _ = (job_id for job_id, _ in queue.calls)
    jobs.finish(done)
    jobs.fail(failed, "engine down")
    queue.calls.clear()

    response = client.post(f"/v1/batches/{batch_id}/retry-failed", headers=auth["editor"])

    assert response.status_code == 200
    assert response.get_json()["retried_jobs"] == 1
    assert queue.calls == [(failed, "batch")]
    job = jobs.get(failed)
    assert job["status"] == "queued" and job["error"] is None
    assert job["events"][-1] == {**job["events"][-1], "status": "queued",
                                 "detail": "retry requested"}


def test_retry_after_cancel_is_409(client, auth):
    batch_id = submit(client, auth["editor"]).get_json()["id"]
    client.post(f"/v1/batches/{batch_id}/cancel", headers=auth["editor"])

    response = client.post(f"/v1/batches/{batch_id}/retry-failed", headers=auth["editor"])

    assert response.status_code == 409


@pytest.mark.parametrize(
    ("payload", "status", "expected"),
    [
        ({"items": [{"text": "ok"}, {"text": ""}], "targets": ["ru-RU"]}, 422, "items[1]:"),
        ({"items": [{"text": "ok"}, {"html": "<p>x</p>", "text": "y"}], "targets": ["ru-RU"]},
         422, "items[1]: give exactly one"),
        ({"items": ["just text"], "targets": ["ru-RU"]}, 422, "items[0]: must be an object"),
        ({"items": [{"text": "a", "queue": "x"}], "targets": ["ru-RU"]}, 422,
         "items[0]: unknown field 'queue'"),
        ({"items": [], "targets": ["ru-RU"]}, 422, "'items' must be a non-empty list"),
        ({"items": [{"text": "a"}] * 1001, "targets": ["ru-RU"]}, 422, "too many items: 1001"),
        ({"items": [{"text": "a"}], "targets": ["xx-QQ-invalid!"]}, 400, "unknown target"),
        ({"items": [{"text": "a"}]}, 422, "'targets'"),
        ({"items": [{"text": "a"}], "targets": ["ru-RU"], "callback_url": "http://x"}, 422,
         "unknown field 'callback_url'"),
    ],
)
def test_invalid_batches_name_the_problem_and_queue_nothing(client, auth, queue, payload,
                                                            status, expected):
    response = submit(client, auth["editor"], payload)

    assert response.status_code == status, response.get_json()
    assert expected in error_of(response)
    assert queue.calls == []


def test_an_oversized_item_is_413_naming_it(database, queue):
    app = create_app({"TESTING": True, "max_article_bytes": 100}, enqueue=queue,
                     database=database)
    queue.store = app.extensions["audarma"].jobs
    key = app.extensions["audarma"].keys.create("editor")[0]
    payload = {"items": [{"text": "short"}, {"text": "x" * 101}], "targets": ["ru-RU"]}

    response = app.test_client().post("/v1/batches", json=payload,
                                      headers={"Authorization": f"Bearer {key}"})

    assert response.status_code == 413
    assert error_of(response).startswith("items[1]: the article is 101 bytes")


def test_a_batch_may_be_larger_than_one_articles_body_limit(database, queue):
    app = create_app({"TESTING": True, "max_article_bytes": 1000}, enqueue=queue,
                     database=database)
    queue.store = app.extensions["audarma"].jobs
    key = app.extensions["audarma"].keys.create("editor")[0]
    payload = {"items": [{"text": "y" * 900}] * 200, "targets": ["ru-RU"]}

    response = app.test_client().post("/v1/batches", json=payload,
                                      headers={"Authorization": f"Bearer {key}"})

    assert response.status_code == 202
    assert len(queue.calls) == 200


def test_editors_see_only_their_own_batches(client, auth):
    batch_id = submit(client, auth["editor"]).get_json()["id"]

    for method, suffix in [("get", ""), ("get", "/results"), ("post", "/cancel"),
                           ("post", "/retry-failed")]:
        response = getattr(client, method)(f"/v1/batches/{batch_id}{suffix}",
                                           headers=auth["editor2"])
        assert response.status_code == 404, suffix
    assert client.get(f"/v1/batches/{batch_id}", headers=auth["admin"]).status_code == 200
    assert client.get(f"/v1/batches/{batch_id}", headers=auth["maintainer"]).status_code == 403


def test_maintainers_cannot_submit_or_cancel(client, auth):
    batch_id = submit(client, auth["editor"]).get_json()["id"]

    assert submit(client, auth["maintainer"]).status_code == 403
    response = client.post(f"/v1/batches/{batch_id}/cancel", headers=auth["maintainer"])
    assert response.status_code == 403


def test_unknown_batch_is_404(client, auth):
    assert client.get("/v1/batches/nope", headers=auth["admin"]).status_code == 404


def test_a_queue_that_refuses_keeps_the_unqueued_jobs_for_the_sweeper(app, client, auth, queue):
    def refuse_second(job_id, name):
        queue(job_id, name)
        if len(queue.calls) == 2:
            raise RuntimeError("broker down")

    app.extensions["audarma"].enqueue = refuse_second

    response = submit(client, auth["editor"])

    assert response.status_code == 503
    assert "2 of its jobs were not taken by the task queue" in error_of(response)
    assert response.headers["Retry-After"]
    batch_id = error_of(response).split()[1]
    counts = progress(client, auth["editor"], batch_id)["counts"]
    assert counts["queued"] == 3 and counts["failed"] == 0  # none lost, none failed
    jobs = app.extensions["audarma"].jobs
    app.extensions["audarma"].enqueue = queue
    assert len(sweep(jobs, queue, QUEUES).requeued) == 2


def test_openapi_documents_the_batch_routes(client):
    paths = client.get("/v1/openapi.json").get_json()["paths"]

    assert paths["/v1/batches"]["post"]["x-roles"] == ["editor", "admin"]
    for path in ("/v1/batches/{batch_id}", "/v1/batches/{batch_id}/results"):
        assert "get" in paths[path]
    for path in ("/v1/batches/{batch_id}/cancel", "/v1/batches/{batch_id}/retry-failed"):
        assert "post" in paths[path]


def test_migration_0002_applies_on_a_fresh_database(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    db.upgrade()

    inspector = inspect(db.engine)
    assert {"id", "api_key_id", "created_at", "cancelled", "total", "name"} <= {
        column["name"] for column in inspector.get_columns("batches")}
    assert "batch_id" in {column["name"] for column in inspector.get_columns("jobs")}
    assert "ix_jobs_batch_id" in {index["name"] for index in inspector.get_indexes("jobs")}
    assert any(fk["referred_table"] == "batches" for fk in inspector.get_foreign_keys("jobs"))
    db.dispose()


# --------------------------------------------------------------------------- CLI


class FinishingQueue:
    """enqueue that 'runs' each job at once: done, or failed for articles saying FAIL."""

    def __init__(self):
        self.store = None
        self.calls: list[tuple[str, str]] = []

    def __call__(self, job_id: str, queue: str) -> None:
        self.calls.append((job_id, queue))
        job = self.store.claim(job_id)
        if "FAIL" in job["text"]:
            self.store.fail(job_id, "engine said no")
            return
        self.store.save_results(job_id, DOCUMENT)
        self.store.finish(job_id)


@pytest.fixture
def server(database):
    queue = FinishingQueue()
    app = create_app({"TESTING": True}, enqueue=queue, database=database)
    queue.store = app.extensions["audarma"].jobs
    key = app.extensions["audarma"].keys.create("editor")[0]
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}", key, queue
    http.shutdown()
    thread.join(5)


def test_cli_submits_a_folder_waits_and_downloads_results(server, tmp_path):
    url, key, queue = server
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "one.txt").write_text("Tokayev met the press.", encoding="utf-8")
    (folder / "two.html").write_text("<p>FAIL here</p>", encoding="utf-8")
    (folder / "notes.md").write_text("ignored", encoding="utf-8")
    output = tmp_path / "out.jsonl"

    result = CliRunner().invoke(
        batch_cli, ["submit", str(folder), "--to", "ru-RU", "--url", url, "--wait",
                    "--output", str(output)], env={"AUDARMA_API_KEY": key})

    assert result.exit_code == 0, result.output
    assert len(queue.calls) == 2 and {q for _, q in queue.calls} == {"batch"}
    lines = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [(line["id"], line["status"]) for line in lines] == [
        ("one.txt", "done"), ("two.html", "failed")]
    assert lines[0]["result"]["versions"]["ru-RU"]["text"] == "икс"


def test_cli_submits_jsonl_and_prints_the_batch_id(server, tmp_path):
    url, key, queue = server
    source = tmp_path / "items.jsonl"
    source.write_text('{"id": "x", "text": "One."}\n\n{"html": "<p>Two.</p>"}\n',
                      encoding="utf-8")

    result = CliRunner().invoke(batch_cli, ["submit", str(source), "--to", "ru-RU",
                                            "--url", url, "--key", key])

    assert result.exit_code == 0, result.output
    assert len(result.output.strip()) == 32
    assert len(queue.calls) == 2


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("bad.jsonl", b'{"text": "ok"}\n{not json\n', "bad.jsonl, line 2: not valid JSON"),
        ("bad.jsonl", b'{"text": "ok"}\n[1, 2]\n', "bad.jsonl, line 2: expected an object"),
        ("cp1251.jsonl", '{"text": "Привет"}'.encode("cp1251"), "cp1251.jsonl is not UTF-8"),
    ],
)
def test_cli_names_the_bad_file_and_line(tmp_path, name, content, expected):
    source = tmp_path / name
    source.write_bytes(content)

    result = CliRunner().invoke(batch_cli, ["submit", str(source), "--to", "ru-RU",
                                            "--key", "k"])

    assert result.exit_code != 0
    assert expected in result.output


def test_cli_names_a_non_utf8_file_in_a_folder(tmp_path):
    (tmp_path / "good.txt").write_text("fine", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes("Привет".encode("cp1251"))

    result = CliRunner().invoke(batch_cli, ["submit", str(tmp_path), "--to", "ru-RU",
                                            "--key", "k"])

    assert result.exit_code != 0
    assert "bad.txt is not UTF-8" in result.output


def test_cli_reports_api_errors(server, tmp_path):
    url, key, _ = server
    source = tmp_path / "items.jsonl"
    source.write_text('{"text": ""}\n', encoding="utf-8")

    result = CliRunner().invoke(batch_cli, ["submit", str(source), "--to", "ru-RU",
                                            "--url", url, "--key", key])

    assert result.exit_code != 0
    assert "422" in result.output and "items[0]" in result.output
