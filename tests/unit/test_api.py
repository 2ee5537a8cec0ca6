"""The HTTP API through Flask's test client, on a migrated SQLite database and a fake task queue."""

from __future__ import annotations

import pytest

from service.api.errors import PayloadTooLarge, Unprocessable
from service.api.jobs import Submission, parse_submission
from service.app import create_app, no_task_queue
from service.config import KNOWN_ENGINES, Settings
from service.store.db import Database

TOKAYEV = {
    "id": "kassym-jomart-tokayev",
    "type": "person",
    "names": {"en": "Kassym-Jomart Tokayev", "ru": "Касым-Жомарт Токаев"},
    "variants": ["Kasym-Jomart Tokaev"],
}
ARTICLE = {"text": "Kassym-Jomart Tokayev met the press in Astana.", "targets": ["ru-RU"]}


def submit(client, headers, payload=ARTICLE, **extra):
    return client.post("/v1/jobs", json=payload, headers={**headers, **extra})


def error_of(response) -> dict:
    assert response.is_json, response.data
    return response.get_json()["error"]


# --------------------------------------------------------------------------- jobs


def test_submit_queues_the_job_after_its_row_is_committed(client, auth, queue):
    response = submit(client, auth["editor"])

    assert response.status_code == 202
    job_id = response.get_json()["id"]
    assert response.headers["Location"] == f"/v1/jobs/{job_id}"
    assert response.get_json() == {
        "id": job_id, "status": "queued", "links": {"self": f"/v1/jobs/{job_id}"}
    }
    assert queue.calls == [(job_id, "interactive")]
    assert queue.row_committed == [True]


def test_submit_to_the_batch_queue(client, auth, queue):
    submit(client, auth["admin"], {**ARTICLE, "queue": "batch"})

    assert queue.calls[0][1] == "batch"


def test_get_job_shows_status_and_events(client, auth):
    location = submit(client, auth["editor"]).headers["Location"]

    response = client.get(location, headers=auth["editor"])

    assert response.status_code == 200
    job = response.get_json()
    assert job["status"] == "queued"
    assert [event["status"] for event in job["events"]] == ["queued"]
    assert job["created_at"] and job["updated_at"]
    assert "result" not in job


def test_finished_job_carries_the_result_document(app, client, auth):
    job_id = submit(client, auth["editor"]).get_json()["id"]
    document = {
        "source_language": "en",
        "normalized": {"text": ARTICLE["text"], "changes": []},
        "versions": {"ru-RU": {"text": "Касым-Жомарт Токаев", "engine": "apertium",
                               "names": [], "figures": [], "warnings": []}},
    }
    jobs = app.extensions["audarma"].jobs
    jobs.save_results(job_id, document)
    jobs.finish(job_id)

    job = client.get(f"/v1/jobs/{job_id}", headers=auth["editor"]).get_json()

    assert job["status"] == "done"
    assert job["result"] == document
    assert [event["status"] for event in job["events"]] == ["queued", "done"]


def test_failed_job_reports_its_error(app, client, auth):
    job_id = submit(client, auth["editor"]).get_json()["id"]
    app.extensions["audarma"].jobs.fail(job_id, "engine crashed")

    job = client.get(f"/v1/jobs/{job_id}", headers=auth["editor"]).get_json()

    assert job["status"] == "failed"
    assert job["error"] == "engine crashed"


def test_an_editor_cannot_see_another_keys_job(client, auth):
    location = submit(client, auth["editor"]).headers["Location"]

    assert client.get(location, headers=auth["editor2"]).status_code == 404
    assert client.get(location, headers=auth["maintainer"]).status_code == 403  # no articles
    assert client.get(location, headers=auth["admin"]).status_code == 200


def test_unknown_job_is_404(client, auth):
    response = client.get("/v1/jobs/nope", headers=auth["editor"])

    assert response.status_code == 404
    assert "nope" in error_of(response)["message"]


def test_same_idempotency_key_and_body_returns_the_same_job(client, auth, queue):
    first = submit(client, auth["editor"], **{"Idempotency-Key": "k-1"})
    again = submit(client, auth["editor"], **{"Idempotency-Key": "k-1"})

    assert first.status_code == 202
    assert again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.headers["Location"] == first.headers["Location"]
    assert len(queue.calls) == 1


def test_same_idempotency_key_with_another_body_is_422(client, auth):
    submit(client, auth["editor"], **{"Idempotency-Key": "k-1"})

    response = submit(client, auth["editor"], {**ARTICLE, "targets": ["de-DE"]},
                      **{"Idempotency-Key": "k-1"})

    assert response.status_code == 422
    assert "Idempotency-Key" in error_of(response)["message"]


def test_idempotency_keys_belong_to_one_api_key(client, auth):
    first = submit(client, auth["editor"], **{"Idempotency-Key": "k-1"})
    other = submit(client, auth["editor2"], **{"Idempotency-Key": "k-1"})

    assert other.status_code == 202
    assert other.get_json()["id"] != first.get_json()["id"]


def test_targets_are_normalized_and_deduplicated(app, client, auth):
    job_id = submit(client, auth["editor"], {**ARTICLE, "targets": ["ru_ru", "ru-RU", "KK-latn"]})
    job = app.extensions["audarma"].jobs.get(job_id.get_json()["id"])

    assert job["targets"] == ["ru-RU", "kk-Latn"]


def test_article_larger_than_the_limit_is_413(make_app, auth):
    client = make_app(max_article_bytes=100).test_client()
    keys = client.application.extensions["audarma"].keys
    headers = {"Authorization": f"Bearer {keys.create('editor')[0]}"}

    fits = submit(client, headers, {**ARTICLE, "text": "я" * 50})  # 100 bytes of UTF-8
    too_big = submit(client, headers, {**ARTICLE, "text": "я" * 51})

    assert fits.status_code == 202
    assert too_big.status_code == 413
    assert "102 bytes" in error_of(too_big)["message"]


def test_oversized_body_is_refused_from_its_content_length(make_app):
    client = make_app(max_article_bytes=100).test_client()
    keys = client.application.extensions["audarma"].keys
    headers = {"Authorization": f"Bearer {keys.create('editor')[0]}"}
    body = b'{"text": "' + b"a" * 100_000 + b'", "targets": ["ru-RU"]}'

    response = client.post("/v1/jobs", data=body, headers=headers,
                           content_type="application/json")

    assert response.status_code == 413
    assert "request body is" in error_of(response)["message"]


def test_body_that_is_not_json_typed_is_415(client, auth):
    response = client.post("/v1/jobs", data="text=hello", headers=auth["editor"],
                           content_type="application/x-www-form-urlencoded")

    assert response.status_code == 415
    assert "application/json" in error_of(response)["message"]


def test_malformed_json_is_400(client, auth):
    response = client.post("/v1/jobs", data='{"text": "a", targets: []}',
                           headers=auth["editor"], content_type="application/json")

    assert response.status_code == 400
    assert error_of(response)["message"].startswith("request body is not valid JSON: ")


def test_body_that_is_not_utf8_is_400_naming_the_offset(client, auth):
    body = '{"text": "Алматы"}'.encode("cp1251")

    response = client.post("/v1/jobs", data=body, headers=auth["editor"],
                           content_type="application/json")

    assert response.status_code == 400
    message = error_of(response)["message"]
    assert "not valid UTF-8" in message
    assert "offset 10" in message


def test_body_with_a_utf8_byte_order_mark_is_accepted(client, auth):
    body = b"\xef\xbb\xbf" + '{"text": "Алматы", "targets": ["kk-KZ"]}'.encode()

    response = client.post("/v1/jobs", data=body, headers=auth["editor"],
                           content_type="application/json")

    assert response.status_code == 202


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"text": "", "targets": ["ru-RU"]}, "'text' must be a non-empty string"),
        ({"text": "   ", "targets": ["ru-RU"]}, "'text' must be a non-empty string"),
        ({"text": 42, "targets": ["ru-RU"]}, "'text' must be a non-empty string"),
        ({"html": ["<p>"], "targets": ["ru-RU"]}, "'html' must be a non-empty string"),
        ({"text": "a", "html": "<p>a</p>", "targets": ["ru-RU"]}, "exactly one of"),
        ({"targets": ["ru-RU"]}, "exactly one of"),
        ({"text": "a", "targets": "ru-RU"}, "'targets' must be a non-empty list"),
        ({"text": "a", "targets": []}, "'targets' must be a non-empty list"),
        ({"text": "a", "targets": [7]}, "must be a string"),
        ({"text": "a", "targets": ["ru-RU", "de-DE", "es-ES"]}, "too many targets: 3"),
        ({"text": "a", "targets": ["ru-RU"], "callback_url": "ftp://x.kz/h"}, "http(s) URL"),
        ({"text": "a", "targets": ["ru-RU"], "callback_url": "hooks"}, "http(s) URL"),
        ({"text": "a", "targets": ["ru-RU"], "engine": "babelfish"}, "'engine' must be one"),
        ({"text": "a", "targets": ["ru-RU"], "queue": "urgent"}, "'queue' must be one"),
        ({"text": "a", "targets": ["ru-RU"], "source_language": "fr"}, "'source_language'"),
        ({"text": "a", "target": ["ru-RU"]}, "unknown field 'target'"),
    ],
)
def test_invalid_submissions_are_422_naming_the_problem(make_app, payload, expected):
    client = make_app(max_targets=2).test_client()
    keys = client.application.extensions["audarma"].keys
    headers = {"Authorization": f"Bearer {keys.create('editor')[0]}"}

    response = submit(client, headers, payload)

    assert response.status_code == 422
    assert expected in error_of(response)["message"]


def test_the_configured_target_limit_is_the_only_one(make_app):
    """AUDARMA_MAX_TARGETS=25: 26 targets are refused with 422, 21 are accepted (and the worker,
    which sets no limit of its own, runs them)."""
    client = make_app(max_targets=25).test_client()
    keys = client.application.extensions["audarma"].keys
    headers = {"Authorization": f"Bearer {keys.create('editor')[0]}"}
    tags = [f"{lang}-{region}" for lang in ("en", "fr", "de", "es", "ru", "pt")
            for region in ("GB", "FR", "DE", "ES", "RU")][:26]
    assert submit(client, headers, {"text": "a", "targets": tags}).status_code == 422
    assert submit(client, headers, {"text": "a", "targets": tags[:21]}).status_code == 202


def test_body_that_is_not_an_object_is_400(client, auth):
    response = submit(client, auth["editor"], ["ru-RU"])

    assert response.status_code == 400
    assert "JSON object" in error_of(response)["message"]


def test_unknown_target_locale_is_400_listing_supported_ones(client, auth, queue):
    response = submit(client, auth["editor"], {**ARTICLE, "targets": ["ru-RU", "xx-YY"]})

    assert response.status_code == 400
    message = error_of(response)["message"]
    assert message.startswith("unknown target locale 'xx-YY'; supported: en-GB, en-US, ")
    assert "kk-Latn" in message
    assert queue.calls == []


def test_without_a_task_queue_submission_is_503_and_the_job_waits_for_one(database, auth):
    client = create_app({}, enqueue=no_task_queue, database=database).test_client()
    keys = client.application.extensions["audarma"].keys
    headers = {"Authorization": f"Bearer {keys.create('editor')[0]}"}

    response = submit(client, headers)

    assert response.status_code == 503
    message = error_of(response)["message"]
    assert "audarma serve" in message and "recorded" in message
    assert response.headers["Retry-After"]
    jobs = client.application.extensions["audarma"].jobs
    assert jobs.counts_by_status() == {"queued": 1}  # nothing lost: a sweeper with a queue sends it


def test_parse_submission_needs_no_flask():
    settings = Settings(max_article_bytes=1000)

    submission = parse_submission(
        {"html": "<p>Hi</p>", "targets": ["en-gb"], "source_language": "EN"}, settings
    )

    assert submission == Submission(text="<p>Hi</p>", fmt="html", targets=("en-GB",),
                                    source_language="en")


def test_parse_submission_refuses_lone_surrogates_and_long_articles():
    settings = Settings(max_article_bytes=10)

    with pytest.raises(Unprocessable, match="unpaired surrogate"):
        parse_submission({"text": "ab\ud800", "targets": ["ru"]}, settings)
    with pytest.raises(PayloadTooLarge, match="11 bytes"):
        parse_submission({"text": "a" * 11, "targets": ["ru"]}, settings)


# --------------------------------------------------------------------------- auth


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, "missing Authorization header"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "malformed Authorization header"),
        ({"Authorization": "Bearer"}, "malformed Authorization header"),
        ({"Authorization": "Bearer ak_00000000_wrong"}, "invalid or revoked API key"),
    ],
)
def test_requests_without_a_valid_key_are_401_saying_why(client, headers, expected):
    response = client.get("/v1/locales", headers=headers)

    assert response.status_code == 401
    assert expected in error_of(response)["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_key_is_401(app, client):
    keys = app.extensions["audarma"].keys
    plaintext, key = keys.create("editor")
    keys.revoke(key["id"])

    response = client.get("/v1/locales", headers={"Authorization": f"Bearer {plaintext}"})

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("role", "method", "path", "needed"),
    [
        ("maintainer", "post", "/v1/jobs", "editor or admin"),
        ("editor", "post", "/v1/glossary/entries", "maintainer or admin"),
        ("editor", "get", "/v1/glossary/candidates", "maintainer or admin"),
        ("editor", "post", "/v1/glossary/candidates/1/reject", "maintainer or admin"),
    ],
)
def test_wrong_role_is_403_naming_the_role_needed(client, auth, role, method, path, needed):
    response = getattr(client, method)(path, json={}, headers=auth[role])

    assert response.status_code == 403
    message = error_of(response)["message"]
    assert needed in message
    assert f"your key has the {role} role" in message


# --------------------------------------------------------------------------- glossary


def create_entry(client, headers, entry=TOKAYEV):
    return client.post("/v1/glossary/entries", json=entry, headers=headers)


def test_create_entry_is_201_with_location_and_etag(client, auth):
    response = create_entry(client, auth["maintainer"])

    assert response.status_code == 201
    assert response.headers["Location"] == "/v1/glossary/entries/kassym-jomart-tokayev"
    assert response.headers["ETag"] == '"1"'
    entry = response.get_json()
    assert entry["names"]["ru"] == "Касым-Жомарт Токаев"
    assert entry["updated_by"] == "maintainer"


def test_get_entry_has_its_version_as_etag(client, auth):
    create_entry(client, auth["maintainer"])

    response = client.get("/v1/glossary/entries/kassym-jomart-tokayev", headers=auth["editor"])

    assert response.status_code == 200
    assert response.headers["ETag"] == '"1"'
    assert response.get_json()["variants"] == [{"text": "Kasym-Jomart Tokaev", "kind": "spelling"}]


def test_invalid_entry_is_422_naming_the_field(client, auth):
    response = create_entry(client, auth["maintainer"], {**TOKAYEV, "type": "celebrity"})

    assert response.status_code == 422
    assert "'type' must be one of" in error_of(response)["message"]


def test_duplicate_entry_is_refused(client, auth):
    create_entry(client, auth["maintainer"])

    response = create_entry(client, auth["maintainer"])

    assert response.status_code == 409
    assert "already exists" in error_of(response)["message"]


def test_list_entries_filters_and_pages(client, auth):
    create_entry(client, auth["maintainer"])
    create_entry(client, auth["maintainer"], {"id": "astana", "type": "place",
                                              "names": {"en": "Astana", "ru": "Астана"}})
    create_entry(client, auth["maintainer"], {"id": "almaty", "type": "place",
                                              "names": {"en": "Almaty"}})

    places = client.get("/v1/glossary/entries?type=place&limit=1&offset=1",
                        headers=auth["editor"]).get_json()
    found = client.get("/v1/glossary/entries?q=ASTAN", headers=auth["editor"]).get_json()

    assert places["total"] == 2
    assert [entry["id"] for entry in places["items"]] == ["astana"]
    assert [entry["id"] for entry in found["items"]] == ["astana"]


@pytest.mark.parametrize("query", ["limit=0", "limit=501", "limit=ten", "offset=-1", "type=x"])
def test_list_entries_refuses_bad_paging(client, auth, query):
    response = client.get(f"/v1/glossary/entries?{query}", headers=auth["editor"])

    assert response.status_code == 400


def test_update_needs_if_match(client, auth):
    create_entry(client, auth["maintainer"])

    response = client.put("/v1/glossary/entries/kassym-jomart-tokayev", json=TOKAYEV,
                          headers=auth["maintainer"])

    assert response.status_code == 428
    assert "If-Match is required" in error_of(response)["message"]


def test_update_with_a_stale_version_is_412(client, auth):
    create_entry(client, auth["maintainer"])
    path = "/v1/glossary/entries/kassym-jomart-tokayev"
    client.put(path, json={**TOKAYEV, "note": "first"},
               headers={**auth["maintainer"], "If-Match": '"1"'})

    response = client.put(path, json={**TOKAYEV, "note": "second"},
                          headers={**auth["admin"], "If-Match": '"1"'})

    assert response.status_code == 412
    assert "current version is 2" in error_of(response)["message"]
    assert client.get(path, headers=auth["editor"]).get_json()["note"] == "first"


def test_what_get_returns_can_be_put_back_with_its_etag(client, auth):
    create_entry(client, auth["maintainer"])
    path = "/v1/glossary/entries/kassym-jomart-tokayev"
    fetched = client.get(path, headers=auth["maintainer"])
    entry = fetched.get_json()
    entry["short"] = {"en": "Tokayev"}

    response = client.put(path, json=entry,
                          headers={**auth["maintainer"], "If-Match": fetched.headers["ETag"]})

    assert response.status_code == 200
    assert response.headers["ETag"] == '"2"'
    assert response.get_json()["short"] == {"en": "Tokayev"}


def test_update_cannot_change_the_id(client, auth):
    create_entry(client, auth["maintainer"])

    response = client.put("/v1/glossary/entries/kassym-jomart-tokayev",
                          json={**TOKAYEV, "id": "someone-else"},
                          headers={**auth["maintainer"], "If-Match": '"1"'})

    assert response.status_code == 422
    assert "cannot change" in error_of(response)["message"]


def test_delete_needs_if_match_and_removes_the_entry(client, auth):
    create_entry(client, auth["maintainer"])
    path = "/v1/glossary/entries/kassym-jomart-tokayev"

    missing = client.delete(path, headers=auth["maintainer"])
    stale = client.delete(path, headers={**auth["maintainer"], "If-Match": '"7"'})
    deleted = client.delete(path, headers={**auth["maintainer"], "If-Match": '"1"'})

    assert (missing.status_code, stale.status_code, deleted.status_code) == (428, 412, 204)
    assert client.get(path, headers=auth["editor"]).status_code == 404
    history = client.get(f"{path}/history", headers=auth["editor"]).get_json()["history"]
    assert [version["action"] for version in history] == ["create", "delete"]


def test_update_of_a_missing_entry_is_404(client, auth):
    response = client.put("/v1/glossary/entries/nobody", json={**TOKAYEV, "id": "nobody"},
                          headers={**auth["maintainer"], "If-Match": '"1"'})

    assert response.status_code == 404


def record_candidates(app) -> list[int]:
    """Two fuzzy spellings met in a job, as the workers would record them."""
    candidates = app.extensions["audarma"].candidates
    text = "Kasym-Zhomart Tokaev and Tokaeff spoke."
    changes = [
        {"start": 0, "end": 20, "original": "Kasym-Zhomart Tokaev", "kind": "fuzzy",
         "entity": "kassym-jomart-tokayev", "applied": False},
        {"start": 25, "end": 32, "original": "Tokaeff", "kind": "fuzzy",
         "entity": "kassym-jomart-tokayev", "applied": False},
    ]
    candidates.record("job-1", "en", text, changes)
    return [item["id"] for item in candidates.list()]


def test_approving_a_candidate_adds_its_spelling_as_a_variant(app, client, auth):
    create_entry(client, auth["maintainer"])
    first, _ = record_candidates(app)

    pending = client.get("/v1/glossary/candidates", headers=auth["maintainer"]).get_json()
    response = client.post(f"/v1/glossary/candidates/{first}/approve", headers=auth["maintainer"])

    assert len(pending["items"]) == 2
    assert response.status_code == 200
    assert response.get_json()["status"] == "approved"
    entry = client.get("/v1/glossary/entries/kassym-jomart-tokayev", headers=auth["editor"])
    assert {"text": "Kasym-Zhomart Tokaev", "kind": "spelling"} in entry.get_json()["variants"]
    assert entry.headers["ETag"] == '"2"'
    approved = client.get("/v1/glossary/candidates?status=approved", headers=auth["admin"])
    assert [item["id"] for item in approved.get_json()["items"]] == [first]


def test_approving_onto_another_entity(app, client, auth):
    create_entry(client, auth["maintainer"])
    create_entry(client, auth["maintainer"], {"id": "tokaeff", "type": "person",
                                              "names": {"en": "Tokaeff"}})
    first, _ = record_candidates(app)

    response = client.post(f"/v1/glossary/candidates/{first}/approve",
                           json={"entity": "tokaeff"}, headers=auth["maintainer"])

    assert response.status_code == 200
    entry = client.get("/v1/glossary/entries/tokaeff", headers=auth["editor"]).get_json()
    assert entry["variants"] == [{"text": "Kasym-Zhomart Tokaev", "kind": "spelling"}]


def test_rejecting_a_candidate_leaves_the_glossary_alone(app, client, auth):
    create_entry(client, auth["maintainer"])
    _, second = record_candidates(app)

    response = client.post(f"/v1/glossary/candidates/{second}/reject", headers=auth["admin"])

    assert response.get_json()["status"] == "rejected"
    entry = client.get("/v1/glossary/entries/kassym-jomart-tokayev", headers=auth["editor"])
    assert "Tokaeff" not in [v["text"] for v in entry.get_json()["variants"]]
    assert entry.headers["ETag"] == '"1"'


def test_deciding_an_unknown_candidate_is_404(client, auth):
    response = client.post("/v1/glossary/candidates/999/approve", headers=auth["maintainer"])

    assert response.status_code == 404


def test_candidate_status_filter_is_checked(client, auth):
    response = client.get("/v1/glossary/candidates?status=maybe", headers=auth["maintainer"])

    assert response.status_code == 400
    assert "pending, approved, rejected" in error_of(response)["message"]


# --------------------------------------------------------------------------- system


def test_healthz_needs_no_key(client):
    response = client.get("/healthz")

    assert (response.status_code, response.get_json()) == (200, {"status": "ok"})


def test_readyz_checks_database_and_broker(app, client):
    ready = client.get("/readyz")

    def broker_down():
        raise ConnectionError("redis://secret-host:6379 refused")

    app.extensions["audarma"].broker_ping = broker_down
    not_ready = client.get("/readyz")

    assert ready.status_code == 200
    assert ready.get_json()["checks"] == {"database": "ok", "broker": "skipped"}
    assert not_ready.status_code == 503
    assert not_ready.get_json()["checks"]["broker"] == "failed (ConnectionError)"
    assert "broker" in not_ready.get_json()["error"]["message"]
    assert "secret-host" not in not_ready.get_data(as_text=True)


def test_readyz_reports_a_database_that_does_not_answer(tmp_path, queue):
    # A directory cannot be opened as a SQLite file: the ping fails the way a lost server does.
    broken = Database(f"sqlite:///{tmp_path}")
    client = create_app({}, enqueue=queue, database=broken).test_client()

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.get_json()["checks"]["database"].startswith("failed")


def test_metrics_count_jobs_requests_and_latency(client, auth):
    submit(client, auth["editor"])
    client.get("/v1/jobs/unknown", headers=auth["editor"])

    response = client.get("/metrics")

    assert response.status_code == 200
    assert response.content_type.startswith("text/plain; version=0.0.4")
    text = response.get_data(as_text=True)
    assert 'audarma_jobs{status="queued"} 1' in text
    assert 'audarma_jobs{status="done"} 0' in text
    assert ('audarma_http_requests_total{endpoint="jobs.submit",method="POST",status="202"} 1'
            in text)
    assert ('audarma_http_requests_total{endpoint="jobs.get_job",method="GET",status="404"} 1'
            in text)
    assert 'audarma_http_request_duration_seconds_count{endpoint="jobs.submit"} 1' in text


def test_locales_lists_the_suggested_targets_with_names(client, auth):
    response = client.get("/v1/locales", headers=auth["editor"])

    locales = {item["tag"]: item for item in response.get_json()["locales"]}
    assert list(locales)[:3] == ["en-GB", "en-US", "ru-RU"]
    assert locales["kk-Latn"]["name"] == "Kazakh (Latin)"
    assert locales["ru-RU"]["native"] == "русский (Россия)"


def test_engines_lists_every_known_engine(client, auth):
    response = client.get("/v1/engines", headers=auth["maintainer"])

    engines = response.get_json()["engines"]
    assert {engine["name"] for engine in engines} == set(KNOWN_ENGINES)
    assert all("state" in engine and "pairs" in engine for engine in engines)


def test_unknown_route_and_method_get_json_errors(client):
    missing = client.get("/v2/anything")
    wrong_method = client.delete("/healthz")

    assert (missing.status_code, error_of(missing)["code"]) == (404, "not_found")
    assert wrong_method.status_code == 405
    assert "GET" in wrong_method.headers["Allow"]
    assert "allowed: " in error_of(wrong_method)["message"]


def test_unexpected_errors_are_500_without_internals(make_app):
    app = make_app()

    @app.get("/boom")
    def boom():
        raise RuntimeError("password=hunter2 in /srv/audarma/config.py")

    response = app.test_client().get("/boom")

    assert response.status_code == 500
    assert error_of(response)["code"] == "internal_error"
    assert "hunter2" not in response.get_data(as_text=True)


def test_openapi_documents_every_route_with_its_methods(app, client):
    spec = client.get("/v1/openapi.json").get_json()

    assert spec["openapi"].startswith("3.1")
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule.startswith("/ui/"):
            continue  # /ui is the maintainers' HTML UI, not part of the JSON API
        if rule.endpoint.split(".")[0] in ("libretranslate", "deepl"):
            # Drop-in endpoints following LibreTranslate's and DeepL's contracts (their error
            # shapes, 403 for a missing key): not audarma's API, so not in its document.
            continue
        path = rule.rule.replace("<int:", "<").replace("<", "{").replace(">", "}")
        assert path in spec["paths"], path
        documented = set(spec["paths"][path])
        assert {m.lower() for m in rule.methods - {"HEAD", "OPTIONS"}} <= documented, path


def test_openapi_shows_bodies_roles_and_summaries(client):
    paths = client.get("/v1/openapi.json").get_json()["paths"]

    post_jobs = paths["/v1/jobs"]["post"]
    assert post_jobs["summary"] == "Submit an article for localization."
    assert "targets" in post_jobs["requestBody"]["content"]["application/json"]["schema"][
        "properties"]
    assert post_jobs["x-roles"] == ["editor", "admin"]
    assert "202" in post_jobs["responses"]
    put_entry = paths["/v1/glossary/entries/{entry_id}"]["put"]
    assert {"name": "If-Match", "in": "header", "required": True,
            "schema": {"type": "string"}} in put_entry["parameters"]
    assert paths["/healthz"]["get"]["security"] == []


def test_rate_limit_is_429_with_retry_after_per_key(make_app):
    app = make_app(rate_limit="2/minute")
    client = app.test_client()
    keys = app.extensions["audarma"].keys
    first = {"Authorization": f"Bearer {keys.create('editor')[0]}"}
    second = {"Authorization": f"Bearer {keys.create('editor')[0]}"}

    statuses = [client.get("/v1/locales", headers=first).status_code for _ in range(3)]
    limited = client.get("/v1/engines", headers=first)

    assert statuses == [200, 200, 429]
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert error_of(limited)["code"] == "too_many_requests"
    assert client.get("/v1/locales", headers=second).status_code == 200
    assert client.get("/healthz", headers=first).status_code == 200


def test_create_app_refuses_unknown_settings(database):
    with pytest.raises(ValueError, match="unknown setting"):
        create_app({"max_artcle_bytes": 10}, enqueue=no_task_queue, database=database)


def test_a_database_that_does_not_answer_is_a_503_that_says_so(tmp_path):
    """Not a bare 500: the client learns it may try again, and why."""
    gone = Database(f"sqlite:///{tmp_path / 'no-such-folder' / 'audarma.sqlite3'}")
    client = create_app({"TESTING": True}, enqueue=no_task_queue, database=gone).test_client()

    response = client.get("/v1/jobs/j1", headers={"Authorization": "Bearer ak_0123abcd_x"})

    assert response.status_code == 503
    assert error_of(response)["message"] == "the database does not answer; try again"
    gone.dispose()
