"""The submit use cases on a real SQLite store, with a broker that takes or refuses a job:
the rows are committed before anything is queued, and a refused job never stays "queued"."""

import pytest

from service.domain import JobStatus, Queue
from service.store.batches import BatchStore
from service.store.repositories import JobStore, KeyStore
from service.usecases.submit import JobRequest, NotQueued, submit_batch, submit_job


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


def test_a_job_the_broker_refuses_is_failed_with_the_reason(db, key):
    jobs = JobStore(db)
    with pytest.raises(NotQueued) as refused:
        submit_job(ARTICLE, key, None, jobs, Broker(jobs, refuse_after=0))
    [job_id] = refused.value.job_ids
    stored = jobs.get(job_id)
    assert stored["status"] == JobStatus.FAILED
    assert stored["error"].startswith("not queued:")
    assert job_id in refused.value.message


def test_the_same_idempotency_key_queues_nothing_the_second_time(db, key):
    jobs = JobStore(db)
    broker = Broker(jobs)
    first, _ = submit_job(ARTICLE, key, "k-42", jobs, broker)
    again, created = submit_job(ARTICLE, key, "k-42", jobs, broker)
    assert not created and again["id"] == first["id"] and len(broker.queued) == 1


def test_a_batch_refused_half_way_fails_exactly_the_jobs_not_queued(db, key):
    jobs = JobStore(db)
    broker = Broker(jobs, refuse_after=2)
    items = [{"text": f"Article {n} about Astana."} for n in range(5)]
    with pytest.raises(NotQueued) as refused:
        submit_batch(key, items, ["ru-RU"], "auto", None, "", BatchStore(db), jobs, broker)
    queued = [job_id for job_id, _ in broker.queued]
    assert len(queued) == 2 and all(queue == Queue.BATCH for _, queue in broker.queued)
    assert len(refused.value.job_ids) == 3 and not set(queued) & set(refused.value.job_ids)
    assert all(jobs.get(j)["status"] == JobStatus.QUEUED for j in queued)
    assert all(jobs.get(j)["status"] == JobStatus.FAILED for j in refused.value.job_ids)
    assert "retry-failed" in refused.value.message
