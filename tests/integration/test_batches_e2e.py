"""Batches end to end: NDJSON uploads through the real API into Redis, chunk tasks run by real
`celery worker` processes, state in PostgreSQL; and the `audarma batch` command against a live
`audarma serve`.

"Exactly once" is checked in the database, not through the API: every accepted item has one
`done` event and one result row per locale, whatever was killed or redelivered on the way.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import zipfile
from collections import Counter

import pytest
from sqlalchemy import func

from service.store.models import Job, JobEvent, JobResult
from tests.integration.conftest import BIN, FAST_SWEEP, free_port
from tests.support.polling import wait_until

pytestmark = pytest.mark.integration

ARTICLE = "Kassym-Zhomart Tokayev met Ma Xingruy in Astana on {day} March 2023."
TARGETS = ["en-GB", "ru-RU"]  # no machine translation: en-GB needs none, ru-RU has no engine



def article(n: int) -> dict:
    return {"id": f"story-{n:05d}", "text": f"Story {n}. " + ARTICLE.format(day=1 + n % 28)}


def ndjson(lines: list[object]) -> bytes:
    """An NDJSON body; a str is sent as it is (a malformed line), anything else as JSON."""
    return b"".join(
        (line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)).encode()
        + b"\n"
        for line in lines
    )


def upload(client, editor, items: list[object], targets: list[str] = TARGETS) -> dict:
    header = {"batch": {"targets": targets, "name": "integration"}}
    response = client.post("/v1/batches", data=ndjson([header, *items]),
                           content_type="application/x-ndjson", headers=editor.headers)
    assert response.status_code == 202, response.get_data(as_text=True)
    return response.get_json()


def status(client, editor, batch_id: str) -> dict:
    response = client.get(f"/v1/batches/{batch_id}", headers=editor.headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def wait_finished(client, editor, batch_id: str, timeout: float) -> dict:
    def finished() -> dict | None:
        batch = status(client, editor, batch_id)
        return batch if batch["status"] in ("done", "cancelled") else None

    return wait_until(finished, timeout, f"batch {batch_id} to finish", interval=0.25)


def results_lines(client, editor, batch_id: str) -> list[dict]:
    response = client.get(f"/v1/batches/{batch_id}/results?format=jsonl", headers=editor.headers)
    assert response.status_code == 200
    return [json.loads(line) for line in response.get_data(as_text=True).splitlines() if line]


def ledger(db, batch_id: str) -> dict[str, dict]:
    """Per accepted item (client id): its job's status, attempts, `done` events, result rows."""
    with db.session() as session:
        jobs = session.query(Job.id, Job.item_id, Job.status, Job.error, Job.attempts,
                                   Job.sweeps).filter(
            Job.batch_id == batch_id, Job.input_rejected.is_(False)).all()
        done = dict(session.query(JobEvent.job_id, func.count()).join(Job).filter(
            Job.batch_id == batch_id, JobEvent.status == "done").group_by(JobEvent.job_id).all())
        rows = Counter(session.query(JobResult.job_id).join(Job).filter(
            Job.batch_id == batch_id).all())
        # Take-backs of jobs that never started are not counted in Job.sweeps: their events are.
        taken = dict(session.query(JobEvent.job_id, func.count()).join(Job).filter(
            Job.batch_id == batch_id, JobEvent.detail.like("lease expired%")
        ).group_by(JobEvent.job_id).all())
    # A cancelled item is stored as failed with the error "cancelled".
    return {item: {"job": job_id, "attempts": attempts, "sweeps": sweeps,
                   "taken_back": taken.get(job_id, 0),
                   "status": "cancelled" if (state, error) == ("failed", "cancelled") else state,
                   "done_events": done.get(job_id, 0), "result_rows": rows[(job_id,)]}
            for job_id, item, state, error, attempts, sweeps in jobs}


def assert_each_done_once(db, batch_id: str, ids: list[str], locales: int) -> None:
    items = ledger(db, batch_id)
    assert sorted(items) == sorted(ids), "an item is missing or extra"
    wrong = {item: row for item, row in items.items()
             if (row["status"], row["done_events"], row["result_rows"]) != ("done", 1, locales)}
    assert not wrong, f"{len(wrong)} items not done exactly once, e.g. {list(wrong.items())[:3]}"








# --------------------------------------------------------------------------- through the API


def test_a_thousand_articles_run_to_done_each_exactly_once(client, editor, db, start_worker):
    items = [article(n) for n in range(1000)]
    created = upload(client, editor, items)
    assert (created["total"], created["accepted"], created["failed"]) == (1000, 1000, 0)
    start_worker("batch", concurrency=2)

    final = wait_finished(client, editor, created["id"], timeout=120)

    assert final["status"] == "done"
    assert final["counts"]["done"] == 1000 and final["progress"] == 1
    assert final["failed_items"] == []
    assert_each_done_once(db, created["id"], [i["id"] for i in items], len(TARGETS))
    assert all(row["attempts"] == 1 for row in ledger(db, created["id"]).values())
    lines = results_lines(client, editor, created["id"])
    assert [line["id"] for line in lines] == [i["id"] for i in items]  # submission order
    assert lines[0]["result"]["versions"]["en-GB"]["text"].startswith(
        "Story 0. Kassym-Jomart Tokayev met Ma Xingrui")


def test_malformed_lines_are_failed_items_with_their_errors(client, editor, start_worker):
    good = [article(n) for n in range(3)]
    body = [good[0], "{not json", {"id": "no-text"}, good[1],
            {"id": "bad-locale", "text": "x", "targets": ["xx-XX"]}, good[2]]
    created = upload(client, editor, body)
    assert (created["total"], created["accepted"], created["failed"]) == (6, 3, 3)
    start_worker("batch")

    final = wait_finished(client, editor, created["id"], timeout=60)

    assert final["counts"]["done"] == 3 and final["counts"]["failed"] == 3
    failed = {item["line"]: item for item in final["failed_items"]}
    assert sorted(failed) == [3, 4, 6]  # the header is line 1
    assert "JSON" in failed[3]["error"]
    assert failed[4]["id"] == "no-text" and "text" in failed[4]["error"]
    assert failed[6]["id"] == "bad-locale" and "xx-XX" in failed[6]["error"]
    lines = results_lines(client, editor, created["id"])
    assert [line["status"] for line in lines] == ["done", "failed", "failed", "done", "failed",
                                                  "done"]
    assert all(line["error"] for line in lines if line["status"] == "failed")


def test_cancel_mid_way_leaves_the_rest_cancelled_and_unrun(client, editor, db, start_worker):
    items = [article(n) for n in range(400)]
    created = upload(client, editor, items)
    start_worker("batch")
    wait_until(lambda: status(client, editor, created["id"])["counts"]["done"] >= 20, 60,
               "some items to be done", interval=0.1)

    response = client.post(f"/v1/batches/{created['id']}/cancel", headers=editor.headers)
    assert response.status_code == 200
    final = wait_finished(client, editor, created["id"], timeout=60)
    wait_until(lambda: status(client, editor, created["id"])["counts"]["running"] == 0, 30,
               "running items to finish")

    counts = status(client, editor, created["id"])["counts"]
    assert final["status"] == "cancelled"
    assert counts["done"] >= 20 and counts["cancelled"] > 0
    assert counts["done"] + counts["cancelled"] == 400 and counts["queued"] == 0
    for row in ledger(db, created["id"]).values():
        if row["status"] == "cancelled":
            assert (row["done_events"], row["result_rows"], row["attempts"]) == (0, 0, 0)
        else:
            assert (row["status"], row["done_events"]) == ("done", 1)


def test_retry_queues_the_failed_items_again_until_done(client, editor, db, fake_mt,
                                                       start_worker):
    # Every engine call fails and the task gives up at once: each item fails.
    fake_mt.fail(503, times=10, path="/translate", message="overloaded")
    items = [{"id": f"de-{n}", "text": ARTICLE.format(day=n + 1)} for n in range(10)]
    response = client.post("/v1/batches", headers=editor.headers, json={
        "items": items, "targets": ["de-DE"], "engine": "libretranslate"})
    assert response.status_code == 202, response.get_data(as_text=True)
    batch_id = response.get_json()["id"]
    start_worker("batch", AUDARMA_TASK_MAX_RETRIES="0")
    failed = wait_finished(client, editor, batch_id, timeout=60)
    assert failed["counts"]["failed"] == 10
    assert "HTTP 503" in failed["failed_items"][0]["error"]

    response = client.post(f"/v1/batches/{batch_id}/retry", headers=editor.headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    final = wait_finished(client, editor, batch_id, timeout=60)

    assert final["counts"]["done"] == 10 and final["failed_items"] == []
    assert_each_done_once(db, batch_id, [i["id"] for i in items], 1)
    assert all(row["attempts"] == 2 for row in ledger(db, batch_id).values())


def test_a_worker_killed_mid_batch_loses_and_repeats_nothing(fast_sweep, client, editor, db,
                                                            start_worker, start_beat):
    items = [article(n) for n in range(300)]
    created = upload(client, editor, items)
    start_beat(**FAST_SWEEP)
    first = start_worker("batch,sweeps", **FAST_SWEEP)
    # Killed while it holds a chunk it has claimed: seeing "done" alone, the kill could land
    # in the moment between a chunk stored and the next one claimed, and cost nothing.
    wait_until(lambda: _under_way(status(client, editor, created["id"])["counts"]), 60,
               "the first worker to be under way", interval=0.02)

    first.kill()  # SIGKILL, worker and pool: its chunk is neither acked nor given back
    assert status(client, editor, created["id"])["counts"]["done"] < 300
    start_worker("batch,sweeps", **FAST_SWEEP)
    final = wait_finished(client, editor, created["id"], timeout=120)

    assert final["status"] == "done" and final["counts"]["done"] == 300
    assert_each_done_once(db, created["id"], [i["id"] for i in items], len(TARGETS))
    rows = ledger(db, created["id"]).values()
    # The kill cost something that had to be taken back: a run cut short (a second attempt)
    # or jobs of the chunks the dead worker held, queued again by the sweeper.
    assert any(row["attempts"] > 1 or row["taken_back"] > 0 for row in rows)
    lines = results_lines(client, editor, created["id"])
    assert [line["id"] for line in lines] == [i["id"] for i in items]


def _under_way(counts: dict) -> bool:
    return counts["done"] >= 30 and counts["running"] > 0


# --------------------------------------------------------------------------- the command


@pytest.fixture
def live_serve(start_process, tmp_path, fake_mt) -> tuple[str, dict[str, str]]:
    """`audarma serve` (SQLite and its embedded broker and worker in tmp_path, machine
    translation from the fake LibreTranslate: a version without an engine has no text, and so
    no file in a zip) and the environment the `audarma` command needs to reach it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUDARMA_")}
    env.update({"AUDARMA_DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
                "AUDARMA_BROKER_URL": f"sqla+sqlite:///{tmp_path}/broker.sqlite3",
                "AUDARMA_RATE_LIMIT": "100000/minute", "PYTHONUNBUFFERED": "1",
                "AUDARMA_LIBRETRANSLATE_URL": fake_mt.url, "AUDARMA_HTTP_RETRIES": "0"})
    port = free_port()
    start_process("serve", [str(BIN / "audarma"), "serve", "--host", "127.0.0.1", "--port",
                            str(port)], ready="audarma is serving on", env=env, cwd=tmp_path)
    key = audarma(env, "keys", "create", "--role", "editor", "--name", "cli test").stdout
    return f"http://127.0.0.1:{port}", {**env, "AUDARMA_API_KEY": key.strip().splitlines()[-1]}


def audarma(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([str(BIN / "audarma"), *args], env=env, capture_output=True, text=True,
                          timeout=120)
    if check:
        assert done.returncode == 0, f"audarma {' '.join(args)}: {done.stderr}"
    return done


def test_cli_submits_a_folder_waits_and_downloads_one_file_per_article_and_locale(
    live_serve, tmp_path
):
    url, env = live_serve
    env = {**env, "AUDARMA_URL": url}
    folder = tmp_path / "desk"
    folder.mkdir()
    for n in range(5):
        (folder / f"story-{n}.txt").write_text(article(n)["text"], encoding="utf-8")
    (folder / "lead.html").write_text("<p>Ma Xingruy visited Almaty.</p>", encoding="utf-8")

    submitted = audarma(env, "batch", "submit", str(folder), "--to", "ru-RU,de-DE", "--wait")

    batch_id = submitted.stdout.splitlines()[0]
    assert batch_id and " " not in batch_id
    assert "finished" in submitted.stderr  # progress lines (stderr is not a terminal here)
    assert "6 of 6 items done, 0 failed" in submitted.stderr

    out = tmp_path / "out.zip"
    audarma(env, "batch", "results", batch_id, "-o", str(out))
    with zipfile.ZipFile(io.BytesIO(out.read_bytes())) as archive:
        names = [name for name in archive.namelist() if name != "errors.jsonl"]
        russian = archive.read("story-1.txt/ru-RU.txt").decode()
        assert archive.read("errors.jsonl") == b""
    folders: dict[str, set[str]] = {}
    for name in names:
        item, locale_file = name.split("/")
        folders.setdefault(item, set()).add(locale_file)
    assert len(folders) == 6  # one folder per article (its id made file-safe)
    assert all(files == {"ru-RU.txt", "de-DE.txt"} for files in folders.values()), folders
    assert russian.startswith("[ru] ")  # the engine's text, in the file of its locale

    shown = audarma(env, "batch", "status", batch_id).stdout
    assert f"batch {batch_id} done: 6/6 finished" in shown


def test_cli_exit_code_says_items_failed(live_serve, tmp_path):
    url, env = live_serve
    path = tmp_path / "items.jsonl"
    path.write_text(json.dumps(article(1)) + "\n{broken\n", encoding="utf-8")

    done = audarma(env, "batch", "submit", str(path), "--to", "en-GB", "--wait", "--url", url,
                   check=False)

    assert done.returncode == 1, done.stderr
    assert "1 of 2 items done, 1 failed" in done.stderr
    # The broken line is line 2 of the user's file, and that is the line reported.
    assert "failed: " in done.stderr and "(line 2)" in done.stderr, done.stderr


def test_a_batch_worker_started_idle_runs_its_pool_only_on_spare_cpu(client, editor, db,
                                                                    start_process):
    """`audarma worker --priority idle` (as docker-compose.yml runs the batch workers): the
    main process and its pool child are in Linux's SCHED_IDLE class, and the batch still gets
    done."""
    worker = start_process("idle-worker", [
        str(BIN / "audarma"), "worker", "--queues", "batch", "--concurrency", "1",
        "--loglevel", "INFO", "--priority", "idle"], ready=" ready.")
    items = [article(n) for n in range(3)]
    created = upload(client, editor, items)

    final = wait_finished(client, editor, created["id"], timeout=60)

    assert final["counts"]["done"] == 3
    pool = worker.children()
    assert pool, "the worker has no pool process"
    assert [os.sched_getscheduler(pid) for pid in [worker.pid, *pool]] == (
        [os.SCHED_IDLE] * (1 + len(pool)))
