"""The hostile-input cases PostgreSQL is strict about, against an app on a real server.

SQLite stores a NUL inside text and ignores a VARCHAR's width; PostgreSQL refuses both, and
refuses integers beyond its INTEGER too. So the NUL, too-long and too-large cases of
tests/unit/test_bad_input.py run here again, on a database created for this module: each must
be a 4xx naming the problem, with nothing stored.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from service.app import create_app
from service.store.db import Database
from tests.integration.conftest import ADMIN_URL
from tests.unit.conftest import RecordingQueue
from tests.unit.test_bad_input import (
    ALL_CASES,
    NUL_CASES,
    TOO_LONG_CASES,
    UNLIMITED,
    World,
    check_refused,
    make_world,
    send,
)

# Integers past PostgreSQL's INTEGER (2147483647) in a query, a path or If-Match.
TOO_LARGE = [case for case in ALL_CASES
             if "99999999999999999999" in case.name or "2147483648" in case.name]
PG_CASES = list({case.name: case for case in [*NUL_CASES, *TOO_LONG_CASES, *TOO_LARGE]}.values())


@pytest.fixture(scope="module")
def database(backing_services) -> Iterator[Database]:
    """A migrated database of this module's own (no glossary seed: the world makes its own)."""
    name = f"audarma_bad_input_{secrets.token_hex(4)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(ADMIN_URL)
    db = Database(urlunsplit(("postgresql+psycopg", parts.netloc, f"/{name}", parts.query, "")))
    db.upgrade()
    yield db
    db.dispose()
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def shared(database) -> tuple[World, RecordingQueue]:
    queue = RecordingQueue()
    app = create_app(UNLIMITED, enqueue=queue, database=database)
    queue.store = app.extensions["audarma"].jobs
    return make_world(app), queue


def test_the_cases_cover_nul_length_and_range():
    assert len(NUL_CASES) >= 30 and len(TOO_LONG_CASES) >= 20 and len(TOO_LARGE) >= 8


@pytest.mark.parametrize("case", PG_CASES, ids=str)
def test_postgres_refuses_nothing_the_api_let_through(shared, case):
    world, queue = shared
    queued = list(queue.calls)
    check_refused(world, case)
    assert queue.calls == queued, f"{case}: a refused request queued a job"


def test_the_world_is_really_on_postgres(shared):
    """The cases above ran against PostgreSQL, where a NUL in text is an error of its own."""
    world, _ = shared
    db: Database = world.app.extensions["audarma"].db
    assert db.engine.dialect.name == "postgresql"
    from sqlalchemy import text

    with pytest.raises(Exception, match="NUL|0x00"), db.engine.connect() as connection:
        connection.execute(text("SELECT CAST(:value AS text)"), {"value": "a\x00b"})
    # And a valid request still goes through on this database.
    ok = send(world, type(ALL_CASES[0])("valid job", "POST", "/v1/jobs", 202, "",
                                        body={"text": "Tokayev", "targets": ["ru-RU"]}))
    assert ok.status_code == 202, ok.get_data(as_text=True)
