"""Batches through the HTTP API (Flask test client, fake task queue): JSON and streamed NDJSON
uploads, hostile lines, progress, results as JSON lines and zip, cancel, retry, chunk tasks."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import inspect

from service.app import create_app
from service.domain import QUEUES
from service.queueing import SEND_CHUNK
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
    assert batch["counts"] == {"queued": 3, "running": 0, "done": 0, "failed": 0,
                               "cancelled": 0}
    assert (batch["accepted"], batch["failed"], batch["url"]) == (3, 0, batch["links"]["self"])
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

    assert batch["counts"] == {"queued": 1, "running": 1, "done": 1, "failed": 0,
                               "cancelled": 0}
    assert batch["progress"] == pytest.approx(1 / 3, abs=1e-3)
    assert batch["status"] == "running" and batch["finished"] is False
    # Rate and ETA from real clocks: only their presence here (back-dated rows test the values).
    assert batch["rate"] > 0 and batch["eta_seconds"] is not None and batch["eta_seconds"] >= 0
    assert batch["results_url"] == f"/v1/batches/{batch_id}/results"
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
    assert body["status"] == "running"  # until the running item finishes
    assert body["counts"] == {"queued": 0, "running": 1, "done": 0, "failed": 0,
                              "cancelled": 2}
    assert body["failed_items"] == []
    assert jobs.get(queue.calls[1][0])["error"] == "cancelled"
    assert jobs.get(queue.calls[1][0])["events"][-1]["detail"] == "cancelled"
    assert jobs.claim(queue.calls[1][0]) is None  # a worker skips a cancelled job
    assert jobs.get(running)["status"] == "running"
    jobs.finish(running)
    assert progress(client, auth["editor"], batch_id)["status"] == "cancelled"


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

    for route in ("retry", "retry-failed"):
        response = client.post(f"/v1/batches/{batch_id}/{route}", headers=auth["editor"])
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
        ({"items": [{"text": "a", "id": "x"}, {"text": "b", "id": "y"}], "targets": ["ru-RU"],
          "name": 5}, 422, "'name' must be a string"),
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

    for method, suffix in [("get", ""), ("get", "/results"), ("get", "/results?format=zip"),
                           ("post", "/cancel"), ("post", "/retry"), ("post", "/retry-failed")]:
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
    for path in ("/v1/batches/{batch_id}/cancel", "/v1/batches/{batch_id}/retry",
                 "/v1/batches/{batch_id}/retry-failed"):
        assert "post" in paths[path]
    submit_params = {p["name"] for p in paths["/v1/batches"]["post"]["parameters"]}
    assert {"targets", "name"} <= submit_params
    results = paths["/v1/batches/{batch_id}/results"]["get"]
    assert {p["name"] for p in results["parameters"]} >= {"format"}
    assert set(results["responses"]["200"]["content"]) == {"application/x-ndjson",
                                                           "application/zip"}


def test_migrations_0002_and_0006_apply_on_a_fresh_database(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    db.upgrade()

    inspector = inspect(db.engine)
    assert {"id", "api_key_id", "created_at", "cancelled", "total", "name"} <= {
        column["name"] for column in inspector.get_columns("batches")}
    assert "items" not in {column["name"] for column in inspector.get_columns("batches")}
    assert {"batch_id", "item_id", "item_line", "batch_position", "input_rejected"} <= {
        column["name"] for column in inspector.get_columns("jobs")}
    assert "ix_jobs_batch_item" in {index["name"] for index in inspector.get_indexes("jobs")}
    assert "ix_jobs_batch_id" in {index["name"] for index in inspector.get_indexes("jobs")}
    assert any(fk["referred_table"] == "batches" for fk in inspector.get_foreign_keys("jobs"))
    db.dispose()


# --------------------------------------------------------------------------- NDJSON uploads

NDJSON = "application/x-ndjson"


class LineStream:
    """A request body made line by line as the server reads it (no Content-Length): records
    how many lines were made, so a test can see the server did not read ahead."""

    def __init__(self, lines):
        self._lines = iter(lines)
        self._buffer = b""
        self.made = 0

    def _fill(self, size: int) -> None:
        while size < 0 or len(self._buffer) < size:
            line = next(self._lines, None)
            if line is None:
                return
            self.made += 1
            self._buffer += line

    def read(self, size: int = -1) -> bytes:
        self._fill(size)
        data, self._buffer = (self._buffer, b"") if size < 0 else (
            self._buffer[:size], self._buffer[size:])
        return data

    def readline(self, size: int = -1) -> bytes:
        while b"\n" not in self._buffer and (size < 0 or len(self._buffer) < size):
            before = len(self._buffer)
            self._fill(len(self._buffer) + 1)
            if len(self._buffer) == before:
                break
        end = self._buffer.find(b"\n") + 1 or len(self._buffer)
        if size >= 0:
            end = min(end, size)
        line, self._buffer = self._buffer[:end], self._buffer[end:]
        return line


def ndjson_body(*records) -> bytes:
    return b"".join(
        (r if isinstance(r, bytes) else json.dumps(r).encode()) + b"\n" for r in records)


def post_ndjson(client, headers, body: bytes, query: str = ""):
    return client.post(f"/v1/batches{query}", data=body, headers=headers, content_type=NDJSON)


def post_stream(client, headers, stream, query: str = ""):
    """A chunked upload: no Content-Length, the body read from `stream` as the server asks."""
    return client.post(f"/v1/batches{query}", headers=headers, content_type=NDJSON,
                       environ_overrides={"wsgi.input": stream, "wsgi.input_terminated": True})


def results_of(client, headers, batch_id, fmt="jsonl"):
    return client.get(f"/v1/batches/{batch_id}/results?format={fmt}", headers=headers)


def test_ndjson_header_line_sets_defaults_and_items_may_override(client, auth, queue):
    body = ndjson_body(
        {"batch": {"targets": ["ru-RU"], "name": "archive 1998"}},
        {"id": "a", "text": "Astana, 1998."},
        {"id": "b", "html": "<p>Almaty.</p>", "targets": ["de-DE", "kk-KZ"]},
        {"text": "No id: named by its position."},
    )

    response = post_ndjson(client, auth["editor"], body)

    assert response.status_code == 202, response.get_json()
    batch = response.get_json()
    assert (batch["name"], batch["total"], batch["accepted"], batch["failed"]) == (
        "archive 1998", 3, 3, 0)
    jobs = app_jobs(client)
    targets = [jobs.get(job_id)["targets"] for job_id, _ in queue.calls]
    assert targets == [["ru-RU"], ["de-DE", "kk-KZ"], ["ru-RU"]]
    answer = results_of(client, auth["editor"], batch["id"])
    lines = [json.loads(x) for x in answer.data.splitlines()]
    assert [(x["id"], x["line"], x["index"]) for x in lines] == [
        ("a", 2, 0), ("b", 3, 1), ("2", 4, 2)]


def app_jobs(client):
    return client.application.extensions["audarma"].jobs


def test_ndjson_defaults_may_come_from_the_query_string(client, auth, queue):
    body = ndjson_body({"text": "One."}, {"text": "Two."})

    response = post_ndjson(client, auth["editor"], body, "?targets=ru-RU,%20de-DE&name=q")

    assert response.status_code == 202
    assert response.get_json()["name"] == "q"
    assert app_jobs(client).get(queue.calls[0][0])["targets"] == ["ru-RU", "de-DE"]


def test_with_every_default_in_the_query_line_numbers_are_the_files_own(client, auth, queue):
    """What `audarma batch submit` sends: no header line, so a bad line's number is its line in
    the user's file."""
    body = ndjson_body({"id": "a", "text": "Один."}, b"{oops", {"id": "c", "text": "Три."})

    response = post_ndjson(client, auth["editor"], body,
                           "?targets=en-GB&source_language=ru&name=desk")

    assert response.status_code == 202, response.get_data(as_text=True)
    batch = progress(client, auth["editor"], response.get_json()["id"])
    assert [(item["id"], item["line"]) for item in batch["failed_items"]] == [("1", 2)]
    assert app_jobs(client).get(queue.calls[0][0])["source_language"] == "ru"


@pytest.mark.parametrize(
    ("query", "status", "expected"),
    [
        ("?targets=xx-QQ-invalid!", 400, "query parameter 'targets': unknown target"),
        ("?targets=en-GB&source_language=xx!", 400, "query parameter 'source_language'"),
        ("?engine=nope", 400, "query parameter 'engine'"),
        ("?name=" + "n" * 201, 400, "query parameter 'name' is 201 characters"),
        ("?queue=batch", 400, "unknown query parameter 'queue'"),
    ],
)
def test_bad_query_parameters_refuse_the_upload(client, auth, queue, query, status, expected):
    response = post_ndjson(client, auth["editor"], ndjson_body({"text": "x"}), query)

    assert response.status_code == status
    assert expected in error_of(response)
    assert queue.calls == []


def test_query_parameters_are_refused_with_a_json_body(client, auth, queue):
    response = client.post("/v1/batches?targets=ru-RU", headers=auth["editor"],
                           json={"items": items(1), "targets": ["ru-RU"]})

    assert response.status_code == 400
    assert "for NDJSON bodies" in error_of(response)


def test_a_bad_header_line_refuses_the_whole_upload_naming_the_field(client, auth, queue):
    body = ndjson_body({"batch": {"targets": ["ru-RU"], "colour": "red"}}, {"text": "x"})

    response = post_ndjson(client, auth["editor"], body)

    assert response.status_code == 422
    assert "line 1: unknown field 'batch.colour'" in error_of(response)
    assert queue.calls == []


def test_hostile_lines_become_failed_items_and_the_rest_run(database, queue):
    app = create_app({"TESTING": True, "max_article_bytes": 1000}, enqueue=queue,
                     database=database)
    queue.store = app.extensions["audarma"].jobs
    headers = {"Authorization": f"Bearer {app.extensions['audarma'].keys.create('editor')[0]}"}
    client = app.test_client()
    ten_mb = b'{"id": "huge", "text": "' + b"x" * (10 * 1024 * 1024) + b'"}'
    body = ndjson_body(
        {"id": "ok-1", "text": "Fine."},                               # line 1
        b"{not json",                                                  # line 2
        ten_mb,                                                        # line 3
        {"id": "nul", "text": "a\u0000b"},                             # line 4
        {"id": "loc", "text": "x", "targets": ["xx-QQ-invalid!"]},     # line 5
        {"id": "ok-1", "text": "Same id again."},                      # line 6
        {"id": "empty", "text": "   "},                                # line 7
        b"",                                                           # line 8: blank, skipped
        b"[1, 2]",                                                     # line 9
        b'{"text": "caf\xe9"}',                                        # line 10: not UTF-8
        {"id": "extra", "text": "x", "callback_url": "http://x"},      # line 11
        {"id": "big", "text": "y" * 1001},                             # line 12
        {"id": "ok-2", "text": "Also fine."},                          # line 13
    )

    response = post_ndjson(client, headers, body, "?targets=ru-RU")

    assert response.status_code == 202, response.get_json()
    batch = response.get_json()
    assert (batch["total"], batch["accepted"], batch["failed"]) == (12, 2, 10)
    assert len(queue.calls) == 2
    errors = {item["line"]: item["error"] for item in batch["failed_items"]}
    assert set(errors) == {2, 3, 4, 5, 6, 7, 9, 10, 11, 12}
    expected = {
        2: "line 2: the line is not valid JSON",
        3: "line 3: the line is longer than",
        4: "contains a NUL",
        5: "unknown target",
        6: "duplicate id 'ok-1': line 1 has it already",
        7: "'text' must be a non-empty string",
        9: "expected a JSON object",
        10: "line 10: the line is not valid UTF-8",
        11: "unknown field 'callback_url'",
        12: "the article is 1001 bytes",
    }
    for line, words in expected.items():
        assert words in errors[line], (line, errors[line])
    counts = client.get(f"/v1/batches/{batch['id']}", headers=headers).get_json()["counts"]
    assert counts == {"queued": 2, "running": 0, "done": 0, "failed": 10, "cancelled": 0}


def test_the_upload_is_read_as_it_comes_and_stored_before_it_ends(client, auth, queue):
    """A 100,000-line body, made line by line: the first jobs are queued (committed) while
    most of the body has not been made yet, so the API never held it whole."""
    made_at_first_queue = []
    jobs = app_jobs(client)

    def record(job_id, name):
        if not made_at_first_queue:
            made_at_first_queue.append(stream.made)
            assert jobs.get(job_id) is not None  # committed before it was queued
        queue.calls.append((job_id, name))

    client.application.extensions["audarma"].enqueue = record
    total = 100_000
    lines = (json.dumps({"id": f"n{i}", "text": f"Article {i}."}).encode() + b"\n"
             for i in range(total))
    stream = LineStream(lines)

    response = post_stream(client, auth["editor"], stream, "?targets=ru-RU")

    assert response.status_code == 202, response.get_json()
    assert response.get_json()["accepted"] == total and len(queue.calls) == total
    assert stream.made == total
    assert made_at_first_queue[0] < total // 20  # a read-ahead buffer, not the body


def test_more_items_than_the_limit_are_refused_and_what_was_stored_is_cancelled(
        client, auth, queue, monkeypatch):
    monkeypatch.setattr("service.api.batches.MAX_NDJSON_ITEMS", 3)
    body = ndjson_body(*({"text": f"Item {i}."} for i in range(5)))

    response = post_ndjson(client, auth["editor"], body, "?targets=ru-RU")

    assert response.status_code == 413
    assert "line 4: more than 3 items" in error_of(response)
    jobs = app_jobs(client)
    assert [jobs.get(job_id)["error"] for job_id, _ in queue.calls] == []  # nothing was queued
    assert queue.calls == []


def test_an_empty_ndjson_body_is_422(client, auth, queue):
    response = post_ndjson(client, auth["editor"], b"\n\n", "?targets=ru-RU")

    assert response.status_code == 422
    assert "has no items" in error_of(response)


def test_an_item_without_targets_anywhere_fails_alone(client, auth, queue):
    body = ndjson_body({"text": "No targets."}, {"text": "Own targets.", "targets": ["ru-RU"]})

    batch = post_ndjson(client, auth["editor"], body).get_json()

    assert (batch["accepted"], batch["failed"]) == (1, 1)
    assert batch["failed_items"][0]["line"] == 1
    assert "no 'targets'" in batch["failed_items"][0]["error"]


# --------------------------------------------------------------------------- chunks


def test_items_are_queued_in_chunks_of_committed_jobs(client, auth, queue):
    chunks = []
    jobs = app_jobs(client)

    def send(job_ids):
        assert all(jobs.get(job_id) is not None for job_id in job_ids)
        chunks.append(list(job_ids))

    client.application.extensions[SEND_CHUNK] = send
    body = ndjson_body(*({"text": f"Item {i}."} for i in range(120)), b"{broken")

    response = post_ndjson(client, auth["editor"], body, "?targets=ru-RU")

    assert response.status_code == 202
    assert [len(chunk) for chunk in chunks] == [50, 50, 20]
    assert len({job_id for chunk in chunks for job_id in chunk}) == 120
    assert queue.calls == []  # no job was also sent on its own


def test_a_refused_chunk_leaves_its_jobs_to_the_sweeper(client, auth, queue):
    def refuse(job_ids):
        raise ConnectionError("broker down")

    client.application.extensions[SEND_CHUNK] = refuse
    body = ndjson_body(*({"text": f"Item {i}."} for i in range(3)))

    response = post_ndjson(client, auth["editor"], body, "?targets=ru-RU")

    assert response.status_code == 503
    assert "3 of its jobs were not taken" in error_of(response)
    jobs = app_jobs(client)
    assert len(sweep(jobs, queue, QUEUES).requeued) == 3


@pytest.fixture
def worker(app):
    """The app as a worker process sees it, with no translation engine."""
    from service.core.figures import load_house_styles
    from service.core.translate import EngineRouter
    from service.usecases.run import LocalizerCache
    from workers.tasks import WorkerServices

    services = app.extensions["audarma"]
    state = WorkerServices.build(services)
    state._localizers = LocalizerCache(EngineRouter([]), load_house_styles(), 2.0)
    app.extensions["audarma_worker"] = state
    return app


def test_a_chunk_task_runs_each_job_once_and_skips_finished_ones(worker, auth, queue):
    from workers.tasks import localize_chunk

    client = worker.test_client()
    batch_id = submit(client, auth["editor"]).get_json()["id"]
    jobs = worker.extensions["audarma"].jobs
    first, second, third = (job_id for job_id, _ in queue.calls)
    jobs.save_results(first, DOCUMENT)
    jobs.finish(first)

    with worker.app_context():
        outcome = localize_chunk.run([first, second, third, "no-such-job"])
        again = localize_chunk.run([first, second, third])  # a redelivered chunk

    assert outcome == "2 of 4 done" and again == "0 of 3 done"
    assert [jobs.get(j)["status"] for j in (first, second, third)] == ["done"] * 3
    assert [len(jobs.get(j)["events"]) for j in (second, third)] == [3, 3]  # run once each
    assert progress(client, auth["editor"], batch_id)["status"] == "done"


def test_a_chunk_calls_before_each_once_before_every_job_it_runs(worker, auth, queue):
    """Where a batch worker holds back for editors (service/foreground.py): before each job it
    runs, and not for a job that is already finished."""
    from service.usecases.run import run_jobs
    from workers.tasks import worker_services

    client = worker.test_client()
    submit(client, auth["editor"])
    first, second, third = (job_id for job_id, _ in queue.calls)
    services = worker.extensions["audarma"]
    services.jobs.save_results(first, DOCUMENT)
    services.jobs.finish(first)
    seen: list[list[str]] = []

    def before_each() -> None:  # the statuses as each job is about to run
        seen.append([services.jobs.get(j)["status"] for j in (second, third)])

    with worker.app_context():
        outcomes = run_jobs([first, second, third], services.jobs, services.glossary,
                            worker_services().localizers, services.candidates,
                            before_each=before_each)

    assert [o.status for o in outcomes.values()] == ["skipped", "done", "done"]
    # Twice, as two jobs ran: each time before the job at hand was stored (the one before it
    # may already be, when the chunk stored what it had after a slow first job).
    assert len(seen) == 2 and seen[0] == ["running", "running"] and seen[1][1] == "running"


def batch_jobs(client, headers, texts, targets=("ru-RU",)) -> list[str]:
    payload = {"items": [{"id": f"a{n}", "text": text} for n, text in enumerate(texts)],
               "targets": list(targets)}
    response = submit(client, headers, payload)
    assert response.status_code == 202, response.get_data(as_text=True)
    return jobs_of(client.application, response.get_json()["id"])


def commits_during(app, action) -> int:
    from sqlalchemy import event

    engine, seen = app.extensions["audarma"].db.engine, []

    def count(connection):
        seen.append(1)

    event.listen(engine, "commit", count)
    try:
        action()
    finally:
        event.remove(engine, "commit", count)
    return len(seen)


def test_a_chunk_costs_the_same_few_commits_whatever_its_size(worker, auth, queue):
    """A chunk is claimed, stored and its findings recorded in bulk: the database sees the
    same handful of transactions for 5 jobs as for 40 (it was about 7 per job)."""
    from workers.tasks import localize_chunk

    glossary = worker.extensions["audarma"].glossary
    glossary.create({"id": "beibut-atamkulov", "type": "person",
                     "names": {"en": "Beibut Atamkulov"}}, by="seed")
    glossary.create({"id": "astana", "type": "place", "names": {"en": "Astana"}}, by="seed")
    client = worker.test_client()
    text = "Beibut Atamkulav spoke in Astana on 28 March 2023."  # a misspelling to suggest on
    small = batch_jobs(client, auth["editor"], [f"{n}. {text}" for n in range(5)])
    large = batch_jobs(client, auth["editor"], [f"{n}. {text}" for n in range(40)])
    jobs = worker.extensions["audarma"].jobs

    with worker.app_context():
        localize_chunk.run(small[:1])  # the first job builds the name index: not counted
        few = commits_during(worker, lambda: localize_chunk.run(small[1:]))
        many = commits_during(worker, lambda: localize_chunk.run(large))

    assert few == many <= 4
    assert {jobs.get(j)["status"] for j in small + large} == {"done"}
    candidates = worker.extensions["audarma"].candidates
    [found] = candidates.list()
    assert (found["spelling"], found["count"]) == ("Beibut Atamkulav", 45)  # once per job
    assert len(candidates.mentions("astana", limit=100)) == 45


class SlowOn:
    """A German engine that runs past the task's soft time limit on one article."""

    name = "slow"

    def __init__(self, marker: str):
        self.marker = marker

    def pairs(self):
        return frozenset({("en", "de")})

    def translate(self, segments, source, target):
        from celery.exceptions import SoftTimeLimitExceeded

        if any(self.marker in segment for segment in segments):
            raise SoftTimeLimitExceeded()
        return list(segments)

    def info(self):
        from service.core.translate import EngineInfo

        return EngineInfo(self.name, "ready")

    def close(self):
        pass


def test_a_chunk_out_of_time_keeps_what_is_done_and_hands_on_the_rest(
    worker, auth, queue, monkeypatch
):
    """The job at hand goes back to queued and runs alone (under the per-article limit); the
    jobs the chunk claimed and never started go back to queued as a new chunk."""
    from service.core.figures import load_house_styles
    from service.core.translate import EngineRouter
    from service.usecases.run import LocalizerCache
    from workers import tasks

    worker.extensions["audarma_worker"]._localizers = LocalizerCache(
        EngineRouter([SlowOn("Slow")]), load_house_styles(), 2.0)
    alone, chunks = [], []
    monkeypatch.setattr(tasks.localize_job, "apply_async",
                        lambda args, **options: alone.append((args, options)))
    client = worker.test_client()
    ids = batch_jobs(client, auth["editor"], ["Quick one.", "Slow two.", "Three.", "Four."],
                     targets=["de-DE"])
    worker.extensions[SEND_CHUNK] = chunks.append
    jobs = worker.extensions["audarma"].jobs

    with worker.app_context():
        said = tasks.localize_chunk.run(ids)

    assert said == "1 done; the rest handed on after the chunk's time limit"
    assert [jobs.get(j)["status"] for j in ids] == ["done", "queued", "queued", "queued"]
    assert alone == [((ids[1],), {"queue": "batch"})]
    assert chunks == [ids[2:]]
    assert "runs on its own" in jobs.get(ids[1])["events"][-1]["detail"]
    assert "before it started" in jobs.get(ids[2])["events"][-1]["detail"]
    assert jobs.document(ids[0])["versions"]["de-DE"]["text"] == "Quick one."


# --------------------------------------------------------------------------- results


def finish_some(app, queue, texts=None):
    """Of the submitted jobs: the first done, the second failed, the third left queued."""
    jobs = app.extensions["audarma"].jobs
    done, failed, _ = (job_id for job_id, _ in queue.calls[:3])
    jobs.save_results(done, {**DOCUMENT, "versions": {
        "ru-RU": {**DOCUMENT["versions"]["ru-RU"], "text": "Астана"},
        "de-DE": {**DOCUMENT["versions"]["ru-RU"], "text": "Astana"}}})
    jobs.finish(done)
    jobs.fail(failed, "engine said no")
    return done, failed


def test_results_as_a_zip_one_file_per_item_and_locale_and_errors(app, client, auth, queue):
    body = ndjson_body({"id": "../etc/passwd", "text": "Astana."}, {"id": "b", "text": "B."},
                       {"id": "c", "text": "C."}, b"{bad", {"id": "d", "text": "D."})
    batch_id = post_ndjson(client, auth["editor"], body, "?targets=ru-RU,de-DE").get_json()["id"]
    finish_some(app, queue)
    no_engine = {"text": None, "engine": None, "names": [], "figures": [],
                 "warnings": ["no translation engine serves en->ru"]}
    jobs = app.extensions["audarma"].jobs
    last = queue.calls[3][0]
    jobs.save_results(last, {**DOCUMENT, "versions": {"ru-RU": no_engine}})
    jobs.finish(last)

    response = results_of(client, auth["editor"], batch_id, "zip")

    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.is_streamed
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    assert archive.testzip() is None
    assert sorted(archive.namelist()) == ["_etc_passwd~0/de-DE.txt", "_etc_passwd~0/ru-RU.txt",
                                          "errors.jsonl"]
    assert archive.read("_etc_passwd~0/ru-RU.txt").decode() == "Астана"
    errors = [json.loads(x) for x in archive.read("errors.jsonl").splitlines()]
    assert [(e["id"], e["line"], e["status"]) for e in errors] == [
        ("b", 2, "failed"), ("c", 3, "queued"), ("3", 4, "failed"), ("d", 5, "done")]
    assert errors[0]["error"] == "engine said no"
    assert "not valid JSON" in errors[2]["error"]
    assert errors[3]["locale"] == "ru-RU" and "no translation engine" in errors[3]["error"]


def test_results_jsonl_is_the_default_and_marks_cancelled_items(app, client, auth, queue):
    batch_id = submit(client, auth["editor"]).get_json()["id"]
    finish_some(app, queue)
    client.post(f"/v1/batches/{batch_id}/cancel", headers=auth["editor"])

    response = client.get(f"/v1/batches/{batch_id}/results", headers=auth["editor"])

    assert response.is_streamed and response.mimetype == NDJSON
    lines = [json.loads(x) for x in response.get_data(as_text=True).splitlines()]
    assert [(x["id"], x["status"]) for x in lines] == [
        ("a0", "done"), ("a1", "failed"), ("a2", "cancelled")]
    assert lines[0]["result"]["versions"]["ru-RU"]["text"] == "Астана"


def test_results_page_through_more_items_than_one_read(app, client, auth, queue):
    body = ndjson_body(*({"id": f"i{n}", "text": f"Item {n}."} for n in range(450)))
    batch_id = post_ndjson(client, auth["editor"], body, "?targets=ru-RU").get_json()["id"]

    lines = results_of(client, auth["editor"], batch_id).get_data(as_text=True).splitlines()

    assert [json.loads(x)["id"] for x in lines] == [f"i{n}" for n in range(450)]


def test_an_unknown_results_format_is_400(client, auth):
    batch_id = submit(client, auth["editor"]).get_json()["id"]

    response = results_of(client, auth["editor"], batch_id, "csv")

    assert response.status_code == 400
    assert "'format' must be one of jsonl, zip" in error_of(response)


# --------------------------------------------------------------------------- retry and rate


def test_retry_queues_failed_items_but_not_unreadable_or_cancelled_ones(app, client, auth,
                                                                         queue):
    body = ndjson_body(*({"id": f"i{n}", "text": f"Item {n}."} for n in range(3)), b"{bad")
    batch_id = post_ndjson(client, auth["editor"], body, "?targets=ru-RU").get_json()["id"]
    jobs = app.extensions["audarma"].jobs
    failed = queue.calls[0][0]
    jobs.fail(failed, "engine down")
    queue.calls.clear()

    response = client.post(f"/v1/batches/{batch_id}/retry", headers=auth["editor"])

    assert response.status_code == 200
    assert response.get_json()["retried_jobs"] == 1 and queue.calls == [(failed, "batch")]
    assert [x["line"] for x in response.get_json()["failed_items"]] == [4]


def test_rate_and_eta_come_from_the_last_minute(app, client, auth, queue):
    from datetime import timedelta

    from sqlalchemy import update

    from service.store.models import Batch, Job, now

    body = ndjson_body(*({"text": f"Item {n}."} for n in range(40)))
    batch_id = post_ndjson(client, auth["editor"], body, "?targets=ru-RU").get_json()["id"]
    jobs = app.extensions["audarma"].jobs
    ids = [job_id for job_id, _ in queue.calls]
    for job_id in ids[:35]:
        jobs.finish(job_id)
    db = app.extensions["audarma"].db
    with db.session() as session:
        start = now() - timedelta(minutes=10)
        session.execute(update(Batch).where(Batch.id == batch_id).values(created_at=start))
        # 5 finished long ago, 30 within the last minute: 0.5 items/s, 5 left: 10 s.
        session.execute(update(Job).where(Job.id.in_(ids[:5]))
                        .values(updated_at=start + timedelta(minutes=1)))

    batch = progress(client, auth["editor"], batch_id)

    assert batch["rate"] == pytest.approx(0.5, abs=0.01)
    assert batch["eta_seconds"] == pytest.approx(10, abs=0.5)
    assert batch["progress"] == pytest.approx(35 / 40)


class _Sent:
    def __init__(self):
        self.calls = []

    def send_task(self, name, args, queue, soft_time_limit, time_limit):
        self.calls.append((len(args[0]), soft_time_limit, time_limit))


def test_a_chunks_time_limit_stays_below_the_brokers_visibility_timeout():
    """50 articles x 330 s would be 4.6 hours, past the broker's one-hour visibility timeout,
    after which Redis would hand the still-running chunk to a second worker."""
    from service.queueing import enqueue_chunk

    celery = _Sent()
    enqueue_chunk(celery, ["j"] * 50, soft_time_limit=300, time_limit=330, ceiling=2880)
    enqueue_chunk(celery, ["j"] * 2, soft_time_limit=300, time_limit=330, ceiling=2880)

    assert celery.calls == [(50, 2850, 2880), (2, 600, 660)]


def test_a_batch_line_may_be_a_ninjs_item_and_a_bad_one_fails_alone(app, client, auth, queue):
    item = {"uri": "urn:example:story-1", "headline": "Tokayev in Astana",
            "body_text": "Kassym-Zhomart Tokayev spoke on 28 March 2023."}
    body = ndjson_body({"batch": {"targets": ["en-GB"]}}, {"id": "story", "ninjs": item},
                       {"id": "no-uri", "ninjs": {"headline": "No uri"}})

    response = post_ndjson(client, auth["editor"], body)

    assert response.status_code == 202, response.get_json()
    batch = response.get_json()
    assert batch["accepted"] == 1 and batch["failed"] == 1
    [(job_id, _)] = queue.calls
    job = app.extensions["audarma"].jobs.get(job_id)
    assert job["fmt"] == "ninjs" and json.loads(job["text"]) == item
    status = client.get(f"/v1/batches/{batch['id']}", headers=auth["editor"]).get_json()
    [failed] = status["failed_items"]
    assert failed["id"] == "no-uri" and "uri" in failed["error"]


def test_a_slow_chunk_stores_as_it_goes_and_renews_the_leases_still_to_come(
    worker, auth, queue, monkeypatch
):
    """All of a chunk's jobs are claimed at its start; when it runs long (machine translation),
    what is done is stored on the way and the jobs not yet reached get fresh leases, so the
    sweeper does not take back work a live worker is about to do."""
    from service.usecases import run
    from workers.tasks import localize_chunk

    client = worker.test_client()
    ids = batch_jobs(client, auth["editor"], ["One.", "Two.", "Three."])
    jobs = worker.extensions["audarma_worker"].batch_jobs  # the store chunks run through
    renewed, statuses_seen = [], []
    renew = jobs.renew

    def spy(job_ids):
        renewed.append(list(job_ids))
        statuses_seen.append([jobs.get(j)["status"] for j in ids])
        renew(job_ids)

    monkeypatch.setattr(jobs, "renew", spy)
    monkeypatch.setattr(run, "FLUSH_SECONDS", 0.0)  # every job counts as slow

    with worker.app_context():
        assert localize_chunk.run(ids) == "3 of 3 done"

    assert renewed == [ids[1:], ids[2:]]
    # Stored on the way: the first job was done before the second ran.
    assert statuses_seen == [["done", "running", "running"], ["done", "done", "running"]]
