"""Fuzz the API with Schemathesis from its own OpenAPI document, at a larger scale than CI.

The same passes as tests/integration/test_schemathesis.py (valid data, valid data on ids that
exist, invalid data) against the real app in-process: a fresh PostgreSQL database (dropped
afterwards) and a Redis database of its own, real Celery enqueue. Prints requests sent and
statuses per operation, server errors (must be 0), any failed check, and the time; the
baseline is the rate of plain GET /v1/locales requests in the same run, so the ratio shows
what generating and checking costs over answering.

    .venv/bin/python bench/fuzz.py                      # ~5,000 requests
    .venv/bin/python bench/fuzz.py --max-examples 50    # a quick look
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg  # noqa: E402
import redis  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402

from service.store.db import Database  # noqa: E402
from service.store.repositories import GlossaryStore  # noqa: E402
from tests.integration.test_schemathesis import Tally, make_keys, report, run  # noqa: E402

LOCK = "audarma:test-run:db{}"  # the claim tests/integration/conftest.py also honours


def claim_redis(url: str) -> tuple[str, redis.Redis, int, str]:
    """A Redis database number nobody else (test run or bench) is using."""
    parts = urlsplit(url)
    claims = redis.Redis.from_url(urlunsplit((*parts[:2], "/0", "", "")))
    token = f"bench-{os.getpid()}-{secrets.token_hex(4)}"
    for number in range(1, 16):
        if claims.set(LOCK.format(number), token, nx=True, ex=3600):
            return urlunsplit((*parts[:2], f"/{number}", "", "")), claims, number, token
    raise SystemExit("every Redis database 1-15 is claimed by another run")


def make_app(database_url: str, broker_url: str):
    os.environ.update({
        "AUDARMA_DATABASE_URL": database_url,
        "AUDARMA_BROKER_URL": broker_url,
        "AUDARMA_RATE_LIMIT_STORAGE": broker_url,
        "AUDARMA_RATE_LIMIT": "1000000/minute",
    })
    from service.app import create_app
    from service.queueing import celery_init_app

    app = create_app({"TESTING": True})
    if "celery" not in app.extensions:
        celery_init_app(app)
    return app


def baseline_rate(app, headers: dict[str, str], count: int = 300) -> float:
    client = app.test_client()
    started = time.perf_counter()
    for _ in range(count):
        assert client.get("/v1/locales", headers=headers).status_code == 200
    return count / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-examples", type=int, default=280,
                        help="examples per operation with valid data (default 280: about "
                             "5,000 requests over every pass)")
    parser.add_argument("--postgres", default=os.environ.get(
        "AUDARMA_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--random", action="store_true",
                        help="random examples instead of the same ones every run")
    args = parser.parse_args()

    name = f"audarma_fuzz_{secrets.token_hex(4)}"
    with psycopg.connect(args.postgres, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(args.postgres)
    database_url = urlunsplit(("postgresql+psycopg", parts.netloc, f"/{name}", "", ""))
    broker_url, claims, number, token = claim_redis(args.redis)
    db = Database(database_url)
    try:
        db.upgrade()
        GlossaryStore(db).seed_if_empty()
        app = make_app(database_url, broker_url)
        keys = make_keys(db)
        base = baseline_rate(app, keys.admin)
        examples, derandomize = args.max_examples, not args.random
        passes = [
            ("valid data", dict(mode=GenerationMode.POSITIVE, examples=examples)),
            ("valid data, existing ids", dict(mode=GenerationMode.POSITIVE,
                                              examples=max(1, examples // 4), known_ids=True)),
            # Negative bodies rebuild the locale pattern's generator per example (~0.5 s).
            ("invalid data", dict(mode=GenerationMode.NEGATIVE, examples=max(1, examples // 3),
                                  body_examples=max(1, examples // 12))),
        ]
        tally = Tally()
        started = time.perf_counter()
        for title, options in passes:
            before, clock = tally.total, time.perf_counter()
            run(app, keys, tally=tally, derandomize=derandomize, **options)
            print(f"{title}: {tally.total - before} requests in "
                  f"{time.perf_counter() - clock:.1f} s", flush=True)
        seconds = time.perf_counter() - started
        app.extensions["celery"].close()
        app.extensions["audarma"].db.dispose()
    finally:
        db.dispose()
        with psycopg.connect(args.postgres, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        redis.Redis.from_url(broker_url).flushdb()
        if claims.get(LOCK.format(number)) == token.encode():
            claims.delete(LOCK.format(number))

    print()
    print(report(tally))
    rate = tally.total / seconds
    created = ", ".join(f"{label} {tally.accepted(label)}" for label in
                        ("POST /v1/jobs", "POST /v1/batches", "POST /v1/glossary/entries"))
    print()
    print(f"requests: {tally.total} over {len(tally.sent)} operations in {seconds:.1f} s "
          f"({rate:.0f}/s)")
    print(f"2xx on the creating operations: {created}")
    print(f"server errors: {tally.server_errors()}; failed checks: {len(tally.failures)}")
    print(f"baseline GET /v1/locales: {base:.0f}/s; fuzzing runs at {rate / base:.2f}x that "
          "rate (generation and response checks included)")
    return 1 if tally.server_errors() or tally.failures else 0


if __name__ == "__main__":
    sys.exit(main())
