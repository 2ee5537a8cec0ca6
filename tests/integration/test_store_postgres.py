"""The repositories on a real PostgreSQL: a database created for this run and dropped after."""

import os
import uuid

import pytest

from service.store.db import Database
from tests.unit import test_store, test_store_ui

PG_ADMIN = os.environ.get("AUDARMA_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _admin():
    from sqlalchemy import create_engine

    return create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="module")
def pg_url():
    from sqlalchemy import text

    try:
        admin = _admin()
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "no server here"
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI but not reachable: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN}: {exc}")
    name = f"audarma_store_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def db(pg_url):
    database = Database(pg_url)
    database.upgrade()
    yield database
    # Each test starts from an empty schema.
    from service.store.models import Base

    Base.metadata.drop_all(database.engine)
    from sqlalchemy import text

    with database.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    database.dispose()


def test_jobs_on_postgres(db):
    test_store.check_jobs(db)


def test_glossary_on_postgres(db):
    test_store.check_glossary(db)


def test_keys_and_candidates_on_postgres(db):
    test_store.check_keys_and_candidates(db)


def test_concurrent_claims_on_postgres(db):
    """Eight threads claim one queued job at the same moment on a real server, where the row
    lock (SELECT ... FOR UPDATE) is what keeps their attempt counts apart."""
    test_store.check_concurrent_claims(db)


def test_schema_and_checks_on_postgres(db):
    test_store.test_a_migrated_database_holds_every_check_the_models_declare(db)
    test_store.test_the_migrations_build_the_tables_the_models_describe(db)
    for statement in ("UPDATE jobs SET status = 'paused'", "UPDATE api_keys SET role = 'root'"):
        test_store.test_the_database_refuses_what_the_service_never_writes(db, statement)


@pytest.mark.parametrize("query, expected", test_store_ui.SEARCH_CASES)
def test_search_folds_the_same_on_postgres(db, query, expected):
    """The maintainers' search on PostgreSQL (through the trigram index where the query is
    long enough) finds exactly what it finds on SQLite."""
    from service.store.repositories import GlossaryStore

    store = GlossaryStore(db)
    for body in test_store_ui.PEOPLE:
        store.create(body, by="seed")

    assert [e["id"] for e in store.list(q=query)[0]] == expected


def test_the_search_index_is_there_and_used(db):
    from sqlalchemy import text

    with db.engine.begin() as connection:
        found = connection.execute(text(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_glossary_entries_search_trgm'"
        )).scalar_one()
        assert "gin" in found and "gin_trgm_ops" in found
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(connection.execute(text(
            "EXPLAIN SELECT id FROM glossary_entries WHERE search LIKE '%tokayev%'")).scalars())
    assert "ix_glossary_entries_search_trgm" in plan, plan


def test_writes_keep_the_rules_across_entries_on_postgres(db):
    from service.store.repositories import GlossaryStore, InvalidGlossaryEntry

    store = GlossaryStore(db)
    for body in test_store_ui.PEOPLE:
        store.create(body, by="seed")
    with pytest.raises(InvalidGlossaryEntry, match="also claimed by 'astana'"):
        store.create({"id": "other", "type": "place", "names": {"en": "Other"},
                      "variants": [{"text": "NUR-SULTAN", "kind": "spelling"}]}, by="mara")


def test_batch_chunks_commit_without_waiting_for_the_disk_and_editors_jobs_wait(db):
    """The batch chunks' job store turns synchronous_commit off in its own transactions only;
    every other store, and the same connection's next transaction, keep PostgreSQL's default."""
    from sqlalchemy import text

    from service.store.repositories import JobStore

    def setting(session) -> str:
        return session.execute(text("SHOW synchronous_commit")).scalar_one()

    with JobStore(db, synchronous=False)._session() as session:
        assert setting(session) == "off"
    with JobStore(db)._session() as session:
        assert setting(session) == "on"
    with db.session() as session:
        assert setting(session) == "on"  # SET LOCAL ended with its transaction

    jobs = JobStore(db, synchronous=False)
    job, _ = jobs.submit(api_key_id=None, text="Hi", targets=["en-GB"])
    [claimed] = jobs.claim_many([job["id"]])
    jobs.complete_many([(job["id"], test_store.DOCUMENT)])
    assert JobStore(db).get(job["id"])["status"] == "done"  # committed all the same
