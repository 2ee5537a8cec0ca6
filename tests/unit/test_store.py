"""Repositories on SQLite (unit tier); tests/integration/test_store_postgres.py runs the same
checks on PostgreSQL."""

import re
import threading

import pytest

from service.store.db import Database, StoreUnavailable
from service.store.repositories import (
    CandidateStore,
    ConcurrentWrite,
    GlossaryStore,
    IdempotencyConflict,
    InvalidGlossaryEntry,
    JobStore,
    KeyStore,
    NotFound,
    StaleWrite,
)

DOCUMENT = {
    "source_language": "en",
    "normalized": {"text": "Hi", "changes": []},
    "versions": {"en-GB": {"text": "Hi"}, "ru-RU": {"text": None}},
}


@pytest.fixture
def db(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    database.upgrade()
    yield database
    database.dispose()


def check_jobs(db):
    keys = KeyStore(db)
    _, editor = keys.create("editor")
    _, other = keys.create("editor")
    jobs = JobStore(db)
    job, created = jobs.submit(api_key_id=editor["id"], text="Hi", targets=["en-GB", "ru-RU"],
                               idempotency_key="k1")
    assert created and job["status"] == "queued"
    again, created = jobs.submit(api_key_id=editor["id"], text="Hi", targets=["en-GB", "ru-RU"],
                                 idempotency_key="k1")
    assert not created and again["id"] == job["id"]
    with pytest.raises(IdempotencyConflict):
        jobs.submit(api_key_id=editor["id"], text="Hello", targets=["en-GB"], idempotency_key="k1")
    # another key may use the same Idempotency-Key for its own job
    _, created = jobs.submit(api_key_id=other["id"], text="Hello", targets=["en-GB"],
                             idempotency_key="k1")
    assert created
    assert jobs.get(job["id"], api_key_id=other["id"]) is None  # not theirs
    assert jobs.claim(job["id"])["status"] == "running"
    jobs.save_results(job["id"], DOCUMENT)
    jobs.save_results(job["id"], DOCUMENT)  # a re-delivered task: overwrite, not duplicate
    jobs.finish(job["id"])
    assert jobs.claim(job["id"]) is None  # done jobs are never run again
    assert jobs.document(job["id"]) == DOCUMENT
    assert [e["status"] for e in jobs.get(job["id"])["events"]] == ["queued", "running", "done"]
    assert jobs.counts_by_status() == {"done": 1, "queued": 1}


def check_glossary(db):
    glossary = GlossaryStore(db)
    assert glossary.seed_if_empty() > 300
    assert glossary.seed_if_empty() == 0
    revision = glossary.revision()
    entry = glossary.get("ma-xingrui")
    with pytest.raises(StaleWrite):
        glossary.update("ma-xingrui", {**entry, "note": "x"}, entry["version"] + 1, "maint")
    updated = glossary.update("ma-xingrui", {**entry, "note": "x"}, entry["version"], "maint")
    assert updated["version"] == entry["version"] + 1 and updated["note"] == "x"
    assert glossary.revision() == revision + 1
    with pytest.raises(InvalidGlossaryEntry, match="unknown field 'colour'"):
        glossary.create({"id": "a-b", "type": "person", "names": {"en": "A B"}, "colour": 1}, "m")
    glossary.delete("ma-xingrui", updated["version"], "maint")
    assert glossary.get("ma-xingrui") is None
    assert "ma-xingrui" not in {e.id for e in glossary.entries()}
    with pytest.raises(NotFound):
        glossary.update("ma-xingrui", entry, updated["version"] + 1, "maint")
    assert [h["action"] for h in glossary.history("ma-xingrui")] == ["import", "update", "delete"]
    items, total = glossary.list(q="tokayev")
    assert "kassym-jomart-tokayev" in [i["id"] for i in items] and total >= 1


def check_keys_and_candidates(db):
    keys = KeyStore(db)
    plaintext, key = keys.create("maintainer", "desk")
    assert keys.authenticate(plaintext)["role"] == "maintainer"
    assert keys.authenticate(plaintext[:-1] + ("x" if plaintext[-1] != "x" else "y")) is None
    assert keys.authenticate("not-a-key") is None
    keys.revoke(key["id"])
    assert keys.authenticate(plaintext) is None
    glossary = GlossaryStore(db)
    glossary.seed_if_empty()
    candidates = CandidateStore(db)
    change = {"kind": "fuzzy", "applied": False, "original": "Tokaiev",
              "entity": "kassym-jomart-tokayev", "start": 10, "end": 17}
    candidates.record("j1", "en", "President Tokaiev spoke.", [change, {**change, "applied": True}])
    candidates.record("j2", "en", "President Tokaiev spoke.", [change])
    (pending,) = candidates.list()
    assert pending["count"] == 2 and pending["contexts"][0]["job"] == "j2"
    candidates.approve(pending["id"], "maint", glossary)
    variants = glossary.get("kassym-jomart-tokayev")["variants"]
    assert {"text": "Tokaiev", "kind": "spelling"} in variants
    assert candidates.list() == []


def test_jobs(db):
    check_jobs(db)


def test_glossary(db):
    check_glossary(db)


def test_keys_and_candidates(db):
    check_keys_and_candidates(db)


def test_a_finished_job_is_never_claimed_again(db):
    """A re-delivered task for a finished job finds nothing to do, however many arrive."""
    jobs = JobStore(db)
    job, _ = jobs.submit(api_key_id=None, text="Hi", targets=["en-GB"])
    jobs.claim(job["id"])
    jobs.finish(job["id"])
    results = []
    threads = [threading.Thread(target=lambda: results.append(jobs.claim(job["id"])))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [None] * 4


def check_concurrent_claims(db, claimers: int = 8) -> None:
    """Claims that race on one job queue up on its row: each sees the count the previous one
    wrote, so no attempt is lost, and the first finish ends the job for every later claimer.

    Without the row lock, two claims would read the same attempt count and one increment would
    vanish (the retry budget then allows more runs than it says)."""
    jobs = JobStore(db)
    job, _ = jobs.submit(api_key_id=None, text="Hi", targets=["en-GB"])
    start = threading.Barrier(claimers)
    claimed: list[dict | None] = []
    ran: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        start.wait()
        got = jobs.claim(job["id"])
        with lock:
            claimed.append(got)
        if got is not None:
            ran.append(got["attempts"])
            jobs.finish(job["id"])

    threads = [threading.Thread(target=worker) for _ in range(claimers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    final = jobs.get(job["id"])
    assert final["status"] == "done"
    # Every successful claim wrote a distinct attempt number: none was lost to a race.
    assert sorted(ran) == list(range(1, len(ran) + 1))
    assert final["attempts"] == len(ran)
    running = [e for e in final["events"] if e["status"] == "running"]
    assert len(running) == len(ran)


def test_a_database_that_does_not_answer_raises_the_stores_own_error(tmp_path):
    """Callers outside the store catch StoreUnavailable, never SQLAlchemy's errors."""
    gone = Database(f"sqlite:///{tmp_path / 'no-such-folder' / 'store.sqlite3'}")
    with pytest.raises(StoreUnavailable, match="the database does not answer: unable to open"):
        JobStore(gone).get("j1")
    gone.dispose()


def test_a_result_saved_twice_at_once_is_a_concurrent_write(db, monkeypatch):
    """The unique (job, locale) row two deliveries race for: the loser sees ConcurrentWrite,
    which the worker retries, not the driver's IntegrityError."""
    jobs = JobStore(db)
    job, _ = jobs.submit(api_key_id=None, text="Hi", targets=["en-GB", "ru-RU"])
    jobs.claim(job["id"])
    jobs.save_results(job["id"], DOCUMENT)
    # The race, replayed: this writer read the job before the other one's rows were committed.
    from service.store.models import JobResult

    def insert_again(documents, done):
        with db.session() as session:
            session.add(JobResult(job_id=documents[0][0], locale="en-GB", version={"text": "Hi"}))

    monkeypatch.setattr(jobs, "_write_results", insert_again)
    with pytest.raises(ConcurrentWrite, match="were being saved twice"):
        jobs.save_results(job["id"], DOCUMENT)


def test_complete_stores_the_results_and_the_done_state_together(db):
    jobs = JobStore(db)
    job, _ = jobs.submit(api_key_id=None, text="Hi", targets=["en-GB", "ru-RU"])
    jobs.claim(job["id"])

    jobs.complete(job["id"], DOCUMENT)

    done = jobs.get(job["id"])
    assert done["status"] == "done"
    assert [e["status"] for e in done["events"]] == ["queued", "running", "done"]
    assert jobs.document(job["id"])["versions"]["en-GB"] == {"text": "Hi"}
    with pytest.raises(NotFound):
        jobs.complete("no-such-job", DOCUMENT)


def test_approving_keeps_the_variant_and_the_decision_together(db):
    """If the decision cannot be written, the variant is not written either: the candidate
    stays pending for the maintainer to try again, and the glossary is as it was."""
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    glossary = GlossaryStore(db)
    glossary.seed_if_empty()
    candidates = CandidateStore(db)
    change = {"kind": "fuzzy", "applied": False, "original": "Tokaiev",
              "entity": "kassym-jomart-tokayev", "start": 10, "end": 17}
    candidates.record("j1", "en", "President Tokaiev spoke.", [change])
    (pending,) = candidates.list()
    before = glossary.get("kassym-jomart-tokayev")
    # The database refuses the decision itself, after the variant has been written.
    with db.engine.begin() as connection:
        connection.execute(text(
            "CREATE TRIGGER refuse_decisions BEFORE UPDATE OF status ON candidates "
            "BEGIN SELECT RAISE(ABORT, 'decision refused'); END"
        ))

    with pytest.raises(IntegrityError, match="decision refused"):
        candidates.approve(pending["id"], "maint", glossary)

    assert glossary.get("kassym-jomart-tokayev") == before
    assert [c["id"] for c in candidates.list()] == [pending["id"]]
    with pytest.raises(NotFound):
        candidates.approve(10_000, "maint", glossary)


# --------------------------------------------------------------------------- schema


def test_a_migrated_database_holds_every_check_the_models_declare(database):
    from sqlalchemy import inspect as inspect_schema

    from service.store.checks import CHECKS

    schema = inspect_schema(database.engine)
    for table in {table for table, _, _ in CHECKS}:
        found = {check["name"] for check in schema.get_check_constraints(table)}
        assert found == {name for owner, name, _ in CHECKS if owner == table}, table


def test_the_migrations_build_the_tables_the_models_describe(database):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from service.store.models import Base

    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    # The search's trigram index exists only on PostgreSQL where pg_trgm may be created
    # (migration 0005); the models cannot describe an index that depends on an extension.
    differences = [d for d in differences
                   if not (d[0] == "remove_index" and d[1].name == OPTIONAL_INDEX)]
    assert differences == []


OPTIONAL_INDEX = "ix_glossary_entries_search_trgm"


def test_the_checks_name_the_same_values_as_the_service(database):
    from service.core.glossary import ENTRY_TYPES
    from service.domain import JOB_QUEUES, JOB_STATUSES, ROLES
    from service.store.checks import CHECKS

    conditions = {name: condition for _, name, condition in CHECKS}
    for name, values in (("ck_jobs_status", JOB_STATUSES), ("ck_jobs_queue", JOB_QUEUES),
                         ("ck_api_keys_role", ROLES),
                         ("ck_glossary_entries_type", ENTRY_TYPES)):
        listed = set(re.findall(r"'([^']+)'", conditions[name]))
        assert listed == {str(value) for value in values}, name


@pytest.mark.parametrize("statement", [
    "UPDATE jobs SET status = 'paused'",
    "UPDATE jobs SET queue = 'webhooks'",
    "UPDATE jobs SET idempotency_key = '" + "k" * 201 + "'",
    "UPDATE api_keys SET role = 'root'",
])
def test_the_database_refuses_what_the_service_never_writes(database, statement):
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    key, row = KeyStore(database).create("editor")
    JobStore(database).submit(api_key_id=row["id"], text="Astana.", targets=["ru-RU"])
    with pytest.raises(IntegrityError), database.engine.begin() as connection:
        connection.execute(text(statement))


def test_claim_many_claims_in_the_order_given_and_leaves_out_finished_and_unknown(db):
    jobs = JobStore(db)
    first, second, third = (jobs.submit(api_key_id=None, text=f"Hi {n}", targets=["en-GB"])[0]
                            for n in range(3))
    jobs.complete(second["id"], DOCUMENT)

    claimed = jobs.claim_many([third["id"], "no-such-job", second["id"], first["id"]])

    assert [job["id"] for job in claimed] == [third["id"], first["id"]]
    assert [job["text"] for job in claimed] == ["Hi 2", "Hi 0"]
    assert jobs.get(first["id"])["status"] == "running"
    again = jobs.claim_many([first["id"]])  # a redelivered chunk: a second attempt
    assert again[0]["attempts"] == 2
    assert jobs.get(first["id"])["events"][-1]["detail"] == "attempt 2"
