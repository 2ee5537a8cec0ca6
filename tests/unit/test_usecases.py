"""The submit and sweep use cases on a real SQLite store, with a broker that takes or refuses a job:
the rows are committed before anything is queued, and a refused job never stays "queued"."""

import pytest

from service.domain import QUEUES, JobStatus, Queue
from service.store.batches import BatchStore, Item
from service.store.repositories import JobStore, KeyStore, Leases
from service.usecases.submit import (
    JobRequest,
    NotQueued,
    one_message_per_job,
    submit_batch,
    submit_job,
)
from service.usecases.sweep import SweepReport, sweep


@pytest.fixture
def db(database):
    return database


@pytest.fixture
def key(database) -> str:
    return KeyStore(database).create("editor")[1]["id"]


class Broker:
    """Takes jobs until `refuse_after` have been queued, then refuses; sees the store."""

    def __init__(self, jobs: JobStore, refuse_after: int | None = None):
        self.jobs = jobs
        self.refuse_after = refuse_after
        self.queued: list[tuple[str, str]] = []

    def __call__(self, job_id: str, queue: str) -> None:
        # A worker may start at once: the row it reads must already be committed.
        assert self.jobs.get(job_id) is not None, f"{job_id} was queued before its commit"
        if self.refuse_after is not None and len(self.queued) >= self.refuse_after:
            raise ConnectionError("broker down")
        self.queued.append((job_id, queue))


ARTICLE = JobRequest(text="Tokayev met Xi in Astana.", fmt="text", targets=("ru-RU",))


def test_a_job_is_committed_then_queued_on_its_own_queue(db, key):
    jobs = JobStore(db)
    broker = Broker(jobs)
    job, created = submit_job(ARTICLE, key, None, jobs, broker)
    assert created and broker.queued == [(job["id"], Queue.INTERACTIVE)]
    assert jobs.get(job["id"])["status"] == JobStatus.QUEUED


def test_a_job_the_broker_refuses_is_kept_and_the_next_sweep_queues_it(db, key):
    jobs = JobStore(db)
    with pytest.raises(NotQueued) as refused:
        submit_job(ARTICLE, key, None, jobs, Broker(jobs, refuse_after=0))
    [job_id] = refused.value.job_ids
    stored = jobs.get(job_id)
    assert stored["status"] == JobStatus.QUEUED
    assert stored["events"][-1]["detail"].startswith("not queued: ")
    assert job_id in refused.value.message and "Idempotency-Key" in refused.value.message
    broker = Broker(jobs)
    report = sweep(jobs, broker, QUEUES)
    assert report.requeued == [job_id] and broker.queued == [(job_id, Queue.INTERACTIVE)]
    assert sweep(jobs, broker, QUEUES).requeued == []  # queued once, not on every sweep


def test_the_same_idempotency_key_queues_nothing_the_second_time(db, key):
    jobs = JobStore(db)
    broker = Broker(jobs)
    first, _ = submit_job(ARTICLE, key, "k-42", jobs, broker)
    again, created = submit_job(ARTICLE, key, "k-42", jobs, broker)
    assert not created and again["id"] == first["id"] and len(broker.queued) == 1


def test_a_batch_refused_half_way_fails_exactly_the_jobs_not_queued(db, key):
    jobs = JobStore(db)
    broker = Broker(jobs, refuse_after=2)
    items = [Item(id=str(n), text=f"Article {n} about Astana.", targets=("ru-RU",))
             for n in range(5)]
    with pytest.raises(NotQueued) as refused:
        submit_batch(key, items, "", BatchStore(db), jobs, one_message_per_job(broker), 1)
    queued = [job_id for job_id, _ in broker.queued]
    assert len(queued) == 2 and all(queue == Queue.BATCH for _, queue in broker.queued)
    assert len(refused.value.job_ids) == 3 and not set(queued) & set(refused.value.job_ids)
    assert all(jobs.get(j)["status"] == JobStatus.QUEUED for j in queued)
    assert all(jobs.get(j)["status"] == JobStatus.QUEUED for j in refused.value.job_ids)
    assert sorted(sweep(jobs, Broker(jobs), QUEUES).requeued) == sorted(refused.value.job_ids)


def claimed(jobs: JobStore, key: str) -> str:
    """A job a worker took and then lost (killed): running, never finished."""
    job, _ = jobs.submit(api_key_id=key, text="Astana, 28 March 2023.", targets=["ru-RU"])
    assert jobs.claim(job["id"]) is not None
    return job["id"]


def test_a_running_job_past_its_lease_is_queued_again_then_failed_past_the_limit(db, key):
    jobs = JobStore(db, Leases(queued=900, running=0, max_sweeps=2))
    job_id = claimed(jobs, key)
    for take_back in (1, 2):
        broker = Broker(jobs)
        assert sweep(jobs, broker, QUEUES).requeued == [job_id]
        job = jobs.get(job_id)
        assert job["status"] == JobStatus.QUEUED
        assert f"take-back {take_back} of 2" in job["events"][-1]["detail"]
        assert jobs.claim(job_id) is not None  # the next worker takes it, and is lost too
    report = sweep(jobs, Broker(jobs), QUEUES)
    assert report.failed == [job_id] and report.requeued == []
    job = jobs.get(job_id)
    assert job["status"] == JobStatus.FAILED and "gave up after 2 take-backs" in job["error"]
    assert sweep(jobs, Broker(jobs), QUEUES) == SweepReport([], [], [])


def test_a_job_within_its_lease_or_finished_is_never_taken_back(db, key):
    jobs = JobStore(db, Leases(queued=900, running=900))
    running = claimed(jobs, key)
    queued, _ = jobs.submit(api_key_id=key, text="Almaty.", targets=["ru-RU"])
    done = claimed(jobs, key)
    jobs.fail(done, "a permanent error")
    assert sweep(jobs, Broker(jobs), QUEUES) == SweepReport([], [], [])
    assert jobs.get(running)["status"] == JobStatus.RUNNING
    assert jobs.get(queued["id"])["status"] == JobStatus.QUEUED


def test_a_queued_job_past_its_lease_waits_while_its_queue_has_a_backlog(db, key):
    jobs = JobStore(db, Leases(queued=0, running=900))
    job, _ = jobs.submit(api_key_id=key, text="Almaty.", targets=["ru-RU"])
    backlog = {Queue.INTERACTIVE: 3, Queue.BATCH: 0}
    assert sweep(jobs, Broker(jobs), QUEUES, queue_size=backlog.__getitem__).requeued == []
    backlog[Queue.INTERACTIVE] = 0  # drained, and the job is still queued: its message is lost
    assert sweep(jobs, Broker(jobs), QUEUES, queue_size=backlog.__getitem__).requeued == [
        job["id"]
    ]


def test_a_broker_that_cannot_say_how_full_it_is_counts_as_busy(db, key):
    jobs = JobStore(db, Leases(queued=0, running=900))
    jobs.submit(api_key_id=key, text="Almaty.", targets=["ru-RU"])

    def unknown(queue: str) -> int:
        raise ConnectionError("broker down")

    assert sweep(jobs, Broker(jobs), QUEUES, queue_size=unknown).requeued == []


def test_a_take_back_the_broker_refuses_is_tried_again_at_the_next_sweep(db, key):
    jobs = JobStore(db, Leases(queued=900, running=0, max_sweeps=3))
    job_id = claimed(jobs, key)
    report = sweep(jobs, Broker(jobs, refuse_after=0), QUEUES)
    assert report.unqueued == [job_id] and jobs.get(job_id)["status"] == JobStatus.QUEUED
    assert sweep(jobs, Broker(jobs), QUEUES).requeued == [job_id]


def test_a_queued_job_whose_message_keeps_being_lost_is_never_given_up(db, key):
    """A job that never started says nothing against itself when its message is lost (a
    broker restart, a worker killed holding the chunk it was in): it is queued again every
    time, and only take-backs from a running state count towards giving up."""
    jobs = JobStore(db, Leases(queued=0, running=0, max_sweeps=1))
    job, _ = jobs.submit(api_key_id=key, text="Astana.", targets=["ru-RU"])

    for _ in range(5):
        assert sweep(jobs, Broker(jobs), QUEUES).requeued == [job["id"]]

    found = jobs.get(job["id"])
    assert found["status"] == JobStatus.QUEUED
    assert "its message was lost" in found["events"][-1]["detail"]
