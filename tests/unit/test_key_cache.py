"""Verified API keys kept in each process (KeyStore's cache) and the keys' generation that
tells every process of a revocation: two KeyStores on one database are two processes' views.

The clock is the tests' own, so "a second later" is a number, not a sleep.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from service.store.db import Database
from service.store.repositories import KeyStore

INTERVAL = 1.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@contextmanager
def counted(db: Database) -> Iterator[list[str]]:
    """The SQL statements run on `db` inside the block."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def here(database, clock) -> KeyStore:
    return KeyStore(database, cache_seconds=INTERVAL, clock=clock)


@pytest.fixture
def elsewhere(database, clock) -> KeyStore:
    return KeyStore(database, cache_seconds=INTERVAL, clock=clock)


def test_a_verified_key_is_served_from_the_cache_without_a_query(here, database, clock):
    plaintext, key = here.create("editor", "desk")
    assert here.authenticate(plaintext) == key  # read from the database, then kept

    with counted(database) as statements:
        for _ in range(5):
            assert here.authenticate(plaintext) == key
            clock.now += INTERVAL / 10

    assert statements == []


def test_the_generation_is_read_at_most_once_an_interval(here, database, clock):
    plaintext, _ = here.create("editor")
    here.authenticate(plaintext)

    clock.now += INTERVAL
    with counted(database) as statements:
        here.authenticate(plaintext)
        here.authenticate(plaintext)

    assert len(statements) == 1 and "api_key_state" in statements[0]


def test_a_key_revoked_elsewhere_is_refused_once_the_interval_passes(here, elsewhere, clock):
    plaintext, key = here.create("editor")
    assert here.authenticate(plaintext) is not None

    elsewhere.revoke(key["id"])

    assert elsewhere.authenticate(plaintext) is None  # the revoking process: at once
    clock.now += INTERVAL / 2
    assert here.authenticate(plaintext) is not None  # within the interval: still cached
    clock.now += INTERVAL / 2
    assert here.authenticate(plaintext) is None


def test_the_revoking_process_refuses_at_once_though_it_had_the_key_cached(here, clock):
    plaintext, key = here.create("admin")
    other, _ = here.create("editor")
    assert here.authenticate(plaintext) is not None
    assert here.authenticate(other) is not None

    here.revoke(key["id"])

    assert here.authenticate(plaintext) is None
    assert here.authenticate(other) is not None  # read again, and still good


def test_two_revocations_each_move_the_generation(here, elsewhere, clock):
    first, first_key = here.create("editor")
    second, second_key = here.create("editor")
    assert here.authenticate(first) and here.authenticate(second)

    elsewhere.revoke(first_key["id"])
    clock.now += INTERVAL
    assert here.authenticate(first) is None
    assert here.authenticate(second) is not None  # cached again at the new generation

    elsewhere.revoke(second_key["id"])
    clock.now += INTERVAL
    assert here.authenticate(second) is None


def test_unknown_and_revoked_keys_are_never_cached(here, database):
    plaintext, key = here.create("editor")
    here.revoke(key["id"])
    wrong = plaintext[:-1] + ("x" if plaintext[-1] != "x" else "y")

    with counted(database) as statements:
        assert here.authenticate(plaintext) is None
        assert here.authenticate(plaintext) is None
        assert here.authenticate(wrong) is None

    assert sum("api_keys" in s for s in statements) == 3  # each one read again


def test_with_no_cache_every_request_reads_its_key(database):
    keys = KeyStore(database, cache_seconds=0)
    plaintext, _ = keys.create("editor")

    with counted(database) as statements:
        keys.authenticate(plaintext)
        keys.authenticate(plaintext)

    assert len(statements) == 2 and all("api_keys" in s for s in statements)


def test_the_app_caches_keys_by_default(make_app, database):
    app = make_app()
    keys = app.extensions["audarma"].keys
    plaintext, _ = keys.create("editor")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {plaintext}"}
    assert client.get("/v1/engines", headers=headers).status_code == 200

    with counted(database) as statements:
        assert client.get("/v1/engines", headers=headers).status_code == 200

    assert not [s for s in statements if "api_key" in s]


def check_revocation_across_processes(db: Database) -> None:
    """The same on any database (tests/integration runs it on PostgreSQL)."""
    clock = Clock()
    here = KeyStore(db, cache_seconds=INTERVAL, clock=clock)
    elsewhere = KeyStore(db, cache_seconds=INTERVAL, clock=clock)
    plaintext, key = here.create("editor")
    assert here.authenticate(plaintext) is not None
    assert elsewhere.authenticate(plaintext) is not None

    with counted(db) as statements:
        assert here.authenticate(plaintext) is not None
    assert statements == []

    elsewhere.revoke(key["id"])
    assert elsewhere.authenticate(plaintext) is None
    assert here.authenticate(plaintext) is not None
    clock.now += INTERVAL
    assert here.authenticate(plaintext) is None


def test_revocation_across_processes(database):
    check_revocation_across_processes(database)
