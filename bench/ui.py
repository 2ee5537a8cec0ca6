"""Benchmark: the glossary maintainer UI on PostgreSQL (issue 11, Performance).

Import half: a 100,000-row csv-wide file (one entity per row, names in en, ru and kk, a tenth
of them already in the glossary with another Russian form, so the dry run finds adds, changes
and unchanged rows) is read, planned (the dry run) and applied into a fresh database. Each time
is printed with its ratio to the trivial page below, measured in the same run, so figures from
different machines can be compared.

Search half: the entries page (GET /ui/entries through the real app, signed in) with ten kinds
of query over the whole glossary, median and p95, against a trivial page (GET /ui/login) in
the same run; every figure is also given as a ratio to that page.

Targets: search p95 <= 200 ms; dry run plus apply <= 60 s.

    .venv/bin/python bench/ui.py
    .venv/bin/python bench/ui.py --rows 20000

AUDARMA_BENCH_POSTGRES (default postgresql://postgres@127.0.0.1:5432/postgres) is the admin URL;
the benchmark creates audarma_bench_ui_<random>, migrates it and drops it at the end.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from service.core.interchange import read_csv_wide, write_csv_wide  # noqa: E402
from service.store.db import Database  # noqa: E402
from service.store.imports import apply_import, plan_import  # noqa: E402

ADMIN_URL = os.environ.get("AUDARMA_BENCH_POSTGRES",
                           "postgresql://postgres@127.0.0.1:5432/postgres")
TARGET_SEARCH_P95 = 0.200  # seconds
TARGET_IMPORT_SECONDS = 60.0
ROWS = 100_000
EXISTING_SHARE = 10  # one row in this many names an entity already in the glossary

_LATIN = "bdgklmnprstvz"
_VOWELS = "aeiou"
_TO_CYRILLIC = dict(zip("bdgklmnprstvzaeiou", "бдгклмнпрствзаеиоу", strict=True))


@contextmanager
def bench_database() -> Iterator[Database]:
    """A fresh PostgreSQL database migrated like tests/integration/conftest.py's, dropped after."""
    name = f"audarma_bench_ui_{secrets.token_hex(4)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(ADMIN_URL)
    db = Database(urlunsplit(("postgresql+psycopg", parts.netloc, f"/{name}", parts.query, "")))
    try:
        db.upgrade()
        yield db
    finally:
        db.dispose()
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def made_up_name(number: int) -> str:
    """A pronounceable two-word name, unique per number (no real name is matched)."""
    syllables = []
    while True:
        number, rest = divmod(number, len(_LATIN) * len(_VOWELS))
        syllables.append(_LATIN[rest % len(_LATIN)] + _VOWELS[rest // len(_LATIN)])
        if not number:
            break
    word = "".join(syllables)
    return f"{word.capitalize()} {word[::-1].capitalize()}n"


def cyrillic(name: str) -> str:
    return "".join(_TO_CYRILLIC.get(ch.lower(), ch) if ch.islower() else
                   _TO_CYRILLIC.get(ch.lower(), ch).upper() for ch in name)


def wide_csv(rows: int, offset: int = 0, ru_suffix: str = "") -> bytes:
    entries = []
    for number in range(offset, offset + rows):
        name = made_up_name(number)
        entries.append({"names": {"en": name, "ru": cyrillic(name) + ru_suffix,
                                  "kk": cyrillic(name)}, "type": "person"})
    return write_csv_wide(entries, "en").encode("utf-8")


def bench_import(db: Database, rows: int = ROWS) -> dict[str, float]:
    """Seed rows/10 entities by an import, then time reading, planning and applying a
    `rows`-row file that changes those and adds the rest."""
    existing = rows // EXISTING_SHARE
    seed = read_csv_wide(wide_csv(existing), "en")
    apply_import(db, plan_import(db, seed, default_type="person", by="bench"), by="bench")

    data = wide_csv(existing // 2, 0, ru_suffix="ов") + wide_csv(rows - existing // 2,
                                                                 existing // 2).split(b"\n", 1)[1]
    start = time.perf_counter()
    found = read_csv_wide(data, "en")
    read_s = time.perf_counter() - start
    start = time.perf_counter()
    plan = plan_import(db, found, default_type="person", by="bench")
    plan_s = time.perf_counter() - start
    start = time.perf_counter()
    result = apply_import(db, plan, by="bench")
    apply_s = time.perf_counter() - start
    counts = plan.counts()
    print(f"import of {len(found.rows):,} csv-wide rows into a glossary of {existing:,}: "
          f"{counts['add']:,} add, {counts['change']:,} change, {counts['unchanged']:,} "
          f"unchanged, {counts['conflict']:,} conflict, {counts['error']:,} error "
          f"(applied: {result.added:,} added, {result.changed:,} changed)")
    return {"read": read_s, "plan": plan_s, "apply": apply_s, "plan+apply": plan_s + apply_s}


def signed_in_client(db: Database):
    """A test client of the real app on the bench database, signed in as a maintainer."""
    import re

    from service.app import create_app
    from service.store.users import UserStore

    # No rate limit: the bench measures the pages, not the limiter refusing them.
    app = create_app({"database_url": db.url, "rate_limit": "10000000/minute"},
                     enqueue=lambda job, queue: None, database=db)
    UserStore(db).create("bench", "maintainer", "bench-password-1")
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/ui/login").text)[1]
    client.post("/ui/login", data={"username": "bench", "password": "bench-password-1",
                                   "csrf_token": token})
    return client


def timed_get(client, path: str, params: dict | None = None) -> float:
    """Seconds for one GET through the whole Flask stack (routing, session, SQL, Jinja)."""
    start = time.perf_counter()
    response = client.get(path, query_string=params or {})
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, (path, params, response.status_code)
    return elapsed


def trivial_page_seconds(client, rounds: int = 300) -> list[float]:
    """GET /ui/login: a page with a template and a session but no query."""
    return [timed_get(client, "/ui/login") for _ in range(rounds)]


def bench_search(client, rounds: int = 300) -> dict[str, list[float]]:
    """The entries page searched over the whole glossary: queries in Latin, Cyrillic and
    Kazakh letters, a miss, a two-letter query that matches much, and the filters."""
    queries = [
        {"q": "tokayev"}, {"q": "Тоқаев"}, {"q": "ALMATY"}, {"q": "zurich"},
        {"q": "no-such-name-anywhere"}, {"q": "ab"}, {"type": "place"},
        {"missing": "kk"}, {"q": "an", "type": "person", "missing": "zh"},
        {"q": "ova", "page": "3"},
    ]

    for params in queries:  # warm the caches once
        timed_get(client, "/ui/entries", params)
    times: dict[str, list[float]] = {}
    for i in range(rounds):
        params = queries[i % len(queries)]
        label = " ".join(f"{k}={v}" for k, v in params.items())
        times.setdefault(label, []).append(timed_get(client, "/ui/entries", params))
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    with bench_database() as db:
        client = signed_in_client(db)
        before = statistics.median(trivial_page_seconds(client, args.rounds))
        figures = bench_import(db, args.rows)
        by_query = bench_search(client, args.rounds)
        search = [t for times in by_query.values() for t in times]
        trivial_times = trivial_page_seconds(client, args.rounds)
        trivial = statistics.median([before, *trivial_times])
        print(f"trivial page (GET /ui/login, median of {args.rounds}): {trivial * 1000:.2f} ms")
        print(f"search page over {count_entries(db):,} entries ({args.rounds} requests): "
              f"median {statistics.median(search) * 1000:.1f} ms "
              f"({statistics.median(search) / trivial:.1f} x trivial), "
              f"p95 {p95(search) * 1000:.1f} ms ({p95(search) / trivial:.1f} x trivial)")
        for label, times in by_query.items():
            print(f"  {label:<32} median {statistics.median(times) * 1000:7.1f} ms")
        verdict = "meets" if p95(search) <= TARGET_SEARCH_P95 else "MISSES"
        print(f"search p95 {p95(search) * 1000:.1f} ms {verdict} the target of "
              f"{TARGET_SEARCH_P95 * 1000:.0f} ms")
        for name, seconds in figures.items():
            print(f"  import {name:<11} {seconds:8.2f} s   {seconds / trivial:>10,.0f} x trivial")
        total = figures["plan+apply"]
        verdict = "meets" if total <= TARGET_IMPORT_SECONDS else "MISSES"
        print(f"dry run + apply {total:.2f} s {verdict} the target of "
              f"{TARGET_IMPORT_SECONDS:.0f} s")


def count_entries(db: Database) -> int:
    from service.store.repositories import GlossaryStore

    return GlossaryStore(db).list(limit=1)[1]


if __name__ == "__main__":
    main()
