"""Benchmark: the glossary maintainer UI on PostgreSQL (issue 11, Performance).

Import half: a 100,000-row csv-wide file (one entity per row, names in en, ru and kk, a tenth
of them already in the glossary with another Russian form, so the dry run finds adds, changes
and unchanged rows) is read, planned (the dry run) and applied into a fresh database. Each time
is printed with its ratio to a trivial operation measured in the same run (SELECT 1 on the same
connection pool, median of 200), so figures from different machines can be compared.

Target: dry run plus apply <= 60 s.

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
from sqlalchemy import text  # noqa: E402

from service.core.interchange import read_csv_wide, write_csv_wide  # noqa: E402
from service.store.db import Database  # noqa: E402
from service.store.imports import apply_import, plan_import  # noqa: E402

ADMIN_URL = os.environ.get("AUDARMA_BENCH_POSTGRES",
                           "postgresql://postgres@127.0.0.1:5432/postgres")
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


def trivial_seconds(db: Database, repeat: int = 200) -> float:
    """Median time of SELECT 1 through the same engine: the run's unit of comparison."""
    times = []
    with db.engine.connect() as connection:
        for _ in range(repeat):
            start = time.perf_counter()
            connection.execute(text("SELECT 1")).scalar()
            times.append(time.perf_counter() - start)
    return statistics.median(times)


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


# bench_search(db) goes here: the search page's median and p95 over 100,000 entries (the
# lead's half of this benchmark), reported against the same trivial figure.


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    args = parser.parse_args()
    with bench_database() as db:
        trivial = trivial_seconds(db)
        print(f"trivial operation (SELECT 1, median): {trivial * 1000:.3f} ms")
        figures = bench_import(db, args.rows)
        for name, seconds in figures.items():
            print(f"  {name:<11} {seconds:8.2f} s   {seconds / trivial:>12,.0f} x trivial")
        total = figures["plan+apply"]
        verdict = "meets" if total <= TARGET_IMPORT_SECONDS else "MISSES"
        print(f"dry run + apply {total:.2f} s {verdict} the target of "
              f"{TARGET_IMPORT_SECONDS:.0f} s")
        # bench_search(db)


if __name__ == "__main__":
    main()
