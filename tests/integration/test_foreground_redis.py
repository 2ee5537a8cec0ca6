"""Batch workers hold back while an editor's job is in flight (service/foreground.py), with the
marks in the real Redis: what the API marks, what the worker unmarks, and how long a batch
worker waits. Clocks and sleeps are the test's own, so nothing here depends on timing."""

from __future__ import annotations

import redis

from service import foreground as fg
from service.foreground import KEY, Foreground

from .conftest import submit, wait_for_job


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0
        self.sleeps = 0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        self.now += seconds


def marks(url: str) -> dict[str, float]:
    client = redis.Redis.from_url(url, decode_responses=True)
    try:
        return dict(client.zrange(KEY, 0, -1, withscores=True))
    finally:
        client.close()


def test_a_mark_holds_batches_until_it_is_unmarked_and_then_lingers_briefly(broker_url):
    clock = Clock()
    foreground = Foreground(redis.Redis.from_url(broker_url), 0.2, clock, clock.sleep)

    assert not foreground.busy()
    foreground.unmark("never-marked")  # a batch job's: no mark appears
    assert marks(broker_url) == {}
    foreground.mark("job-1")
    assert foreground.busy()
    foreground.unmark("job-1")
    assert foreground.busy()  # the editor's next poll and fetch still find a quiet machine
    clock.now += fg.LINGER_SECONDS + 0.001
    assert not foreground.busy()


def test_a_mark_whose_worker_died_lapses_and_is_cleared_by_the_next_mark(broker_url):
    clock = Clock()
    foreground = Foreground(redis.Redis.from_url(broker_url), 0.2, clock, clock.sleep)

    foreground.mark("job-of-a-dead-worker")
    clock.now += fg.MARK_SECONDS + 0.001
    assert not foreground.busy()
    foreground.mark("job-2")
    assert set(marks(broker_url)) == {"job-2"}


def test_a_batch_worker_waits_while_busy_but_never_longer_than_its_pause(broker_url):
    clock = Clock()
    shared = redis.Redis.from_url(broker_url)
    api = Foreground(shared, 0.2, clock, clock.sleep)
    batch = Foreground(shared, 0.2, clock, clock.sleep)

    assert batch.wait_while_busy() == 0 and clock.sleeps == 0  # nobody in flight: no wait

    api.mark("job-1")
    clock.now += 1  # past the look-again interval
    original_sleep = clock.sleep

    def sleep_then_finish(seconds: float) -> None:
        original_sleep(seconds)
        if clock.sleeps == 3:
            api.unmark("job-1")
            clock.now += fg.LINGER_SECONDS  # and its linger is over at the next look

    batch._sleep = sleep_then_finish
    waited = batch.wait_while_busy()
    assert clock.sleeps == 3 and 0 < waited < 0.2

    api.mark("job-2")  # an editor's job that is never unmarked (a long one)
    clock.now += 1
    clock.sleeps = 0
    batch._sleep = clock.sleep
    waited = batch.wait_while_busy()
    assert waited >= 0.2 and clock.sleeps == round(0.2 / fg.POLL_SECONDS)  # then it runs
    shared.close()


def test_the_api_marks_interactive_jobs_and_not_batch_ones(app, client, editor, broker_url):
    job_id = submit(client, editor, text="Astana, 28 March 2023.", targets=["ru-RU"])
    response = client.post("/v1/batches", headers=editor.headers, json={
        "items": [{"id": "a1", "text": "Almaty."}], "targets": ["ru-RU"]})

    assert response.status_code == 202, response.get_data(as_text=True)
    assert set(marks(broker_url)) == {job_id}


def test_the_worker_unmarks_the_job_it_stored(client, editor, broker_url, start_worker):
    start_worker("interactive")
    job_id = submit(client, editor, text="Astana, 28 March 2023.", targets=["ru-RU"])
    queued = marks(broker_url)[job_id]

    assert wait_for_job(client, editor, job_id)["status"] == "done"
    lapses = marks(broker_url)[job_id]
    # Stored: the mark now lapses LINGER_SECONDS after the worker finished, well before the
    # MARK_SECONDS it was given when queued.
    assert lapses < queued + fg.MARK_SECONDS - 1
