"""KeyStore's cache and the keys' generation on a real PostgreSQL: two stores on one database
are two processes, and a revocation through one reaches the other."""

from tests.integration.test_store_postgres import db, pg_url  # noqa: F401  (fixtures)
from tests.unit import test_key_cache


def test_revocation_across_processes_on_postgres(db):  # noqa: F811
    test_key_cache.check_revocation_across_processes(db)


def test_concurrent_revocations_each_move_the_generation_on_postgres(db):  # noqa: F811
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import text

    from service.store.repositories import KeyStore

    keys = KeyStore(db)
    created = [keys.create("editor")[1]["id"] for _ in range(8)]
    with db.engine.connect() as connection:
        before = connection.execute(text("SELECT generation FROM api_key_state")).scalar_one()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda key_id: KeyStore(db).revoke(key_id), created))
    with db.engine.connect() as connection:
        after = connection.execute(text("SELECT generation FROM api_key_state")).scalar_one()
    assert after == before + len(created)  # no bump lost to another
