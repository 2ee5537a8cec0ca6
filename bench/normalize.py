"""Benchmark: name normalization against synthetic glossaries of 100k and 1M names.

Prints build time, peak RSS, articles/s for the exact stage and for full normalization, and
the exact stage's time as a ratio to a bare pyahocorasick scan of pre-folded text, all
measured in the same run. Each glossary size runs in its own process so peak RSS is its own.

    .venv/bin/python bench/normalize.py            # 100k and 1M names
    .venv/bin/python bench/normalize.py --sizes 100000 --seconds 2
"""

from __future__ import annotations

import argparse
import json
import math
import random
import resource
import statistics
import subprocess
import sys
import time
from itertools import cycle
from pathlib import Path
from types import MappingProxyType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.core.folding import fold  # noqa: E402
from service.core.glossary import Entry, load_glossary  # noqa: E402
from service.core.matching import find_exact, normalize  # noqa: E402
from service.core.nameindex import NameIndex  # noqa: E402

FILLER = """
talks trade freight border officials agreed plan grain rail port water energy power line
project investment bank loan region cooperation visit meeting delegation minister road
transit corridor customs tariff export import market price growth budget report said noted
added stressed local company factory field oil gas pipeline wheat cotton metal copper
network digital service airline flight route schedule week month year quarter figure share
""".split()

SYLLABLES = [c + v for c in "b d g k l m n p r s t v z sh kh zh ch" .split() for v in
             ("a", "e", "i", "o", "u", "ai", "ia")]


def synthetic_entries(count: int, seed: int = 7):
    """`count` made-up people, deterministic for a seed, streamed one at a time."""
    rng = random.Random(seed)

    def word(parts: int) -> str:
        return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()

    given = sorted({word(rng.randint(2, 3)) for _ in range(4000)})
    family = sorted({word(rng.randint(2, 4)) + rng.choice(("ov", "ev", "in", "", "enko", "uly"))
                     for _ in range(80000)})
    # Walk the given x family grid with a stride coprime to its size: every name is unique
    # and no set of a million names has to be held to prove it.
    cells = len(given) * len(family)
    stride = next(p for p in range(1_000_003, cells) if math.gcd(p, cells) == 1)
    for n in range(count):
        cell = (n * stride) % cells
        name = f"{given[cell // len(family)]} {family[cell % len(family)]}"
        yield Entry(
            id=f"synthetic-{n}",
            type="person",
            names=MappingProxyType({"en": name}),
            short=MappingProxyType({"en": name.split()[1]}) if n % 4 == 0 else {},
            collection="synthetic",
        )


def make_article(real: list[Entry], words: int, names: int, seed: int = 11) -> str:
    """English-like filler with `names` glossary mentions, every fifth one misspelled."""
    rng = random.Random(seed)
    people = [e for e in real if e.type == "person" and " " in e.names["en"]]
    filler = [rng.choice(FILLER) for _ in range(words)]
    slots = sorted(rng.sample(range(5, words - 5), names))
    out: list[str] = []
    for position, word in enumerate(filler):
        if slots and position == slots[0]:
            slots.pop(0)
            name = rng.choice(people).names["en"]
            if len(slots) % 5 == 4:  # swap two letters inside the surname
                head, _, tail = name.rpartition(" ")
                i = rng.randrange(1, len(tail) - 2) if len(tail) > 3 else 0
                name = f"{head} {tail[:i]}{tail[i + 1]}{tail[i]}{tail[i + 2:]}"
            out.extend(name.split())
        out.append(word)
        if rng.random() < 1 / 16:
            out[-1] += "."
    sentences = " ".join(out[:words]).split(". ")
    return ". ".join(s[:1].upper() + s[1:] for s in sentences) + "."


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rate(fn, seconds: float, warm_up: int = 1) -> float:
    """Calls per second of fn, after `warm_up` calls (a worker's steady state: the words every
    article shares are remembered after the first few)."""
    for _ in range(warm_up):
        fn()
    n = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn()
        n += 1
    return n / (time.perf_counter() - start)


def median_time(fn, repeats: int) -> float:
    fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def build_index(size: int) -> tuple[NameIndex, list[Entry], dict]:
    real = list(load_glossary())
    base_rss = peak_rss_mib()
    start = time.perf_counter()

    def entries():
        yield from real
        yield from synthetic_entries(size - len(real))

    index = NameIndex.build(entries(), keep_entries=False)
    figures = {
        "size": size,
        "build_s": round(time.perf_counter() - start, 2),
        "build_rss_mib": round(peak_rss_mib() - base_rss, 1),
    }
    return index, real, figures


def measure(index: NameIndex, real: list[Entry], seconds: float) -> dict:
    """Each figure cycles through 20 different articles, so no cache sees one text twice
    in a row and the typos differ from article to article."""
    result = {}
    for words, names in ((5000, 30), (500, 5)):
        articles = [make_article(real, words, names, seed=seed) for seed in range(20)]
        result[f"{words}w"] = measure_articles(index, articles, seconds, words)
        result[f"{words}w"]["misspelled"] = len(articles) * (names // 5)
    return result


def measure_articles(index: NameIndex, articles: list[str], seconds: float, words: int) -> dict:
    folded = [fold(article) for article in articles]
    turn = cycle(range(len(articles)))

    def bare_scan():
        for _ in index.automaton.iter(folded[next(turn)]):
            pass

    def exact_stage():
        find_exact(index, articles[next(turn)])

    def full():
        normalize(index, articles[next(turn)], "en")

    repeats = 200 if words == 500 else 60
    bare = median_time(bare_scan, repeats)
    exact = median_time(exact_stage, repeats)
    return {
        "bytes": len(articles[0].encode()),
        "bare_scan_ms": round(bare * 1000, 3),
        "exact_ms": round(exact * 1000, 3),
        "exact_vs_bare": round(exact / bare, 2),
        "exact_articles_s": round(1 / exact, 1),
        "full_articles_s": round(rate(full, seconds, warm_up=len(articles)), 1),
        "changes": sum(len(normalize(index, a, "en").changes) for a in articles),
    }


def run_size(size: int, seconds: float, phase: str, cache: Path) -> dict:
    """phase 'all': build and measure in one process; 'build': build and save the compiled
    index; 'load': load the saved index (what a worker does) and measure."""
    if phase == "load":
        start = time.perf_counter()
        index = NameIndex.load(cache)
        figures = {"cached_load_s": round(time.perf_counter() - start, 2)}
        start = time.perf_counter()
        index.lexicon.warm()  # what a worker does once after loading (service/jobs.py)
        figures["lexicon_warm_s"] = round(time.perf_counter() - start, 2)
        figures.update(measure(index, list(load_glossary()), seconds))
    else:
        index, real, figures = build_index(size)
        if phase == "build":
            start = time.perf_counter()
            index.save(cache)
            figures["save_s"] = round(time.perf_counter() - start, 2)
            files = (cache, cache.with_name(cache.name + ".automaton"))
            figures["cache_mib"] = round(sum(f.stat().st_size for f in files) / 2**20, 1)
        else:
            figures.update(measure(index, real, seconds))
    figures["peak_rss_mib"] = round(peak_rss_mib(), 1)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--phase", default="all", help=argparse.SUPPRESS)
    args = parser.parse_args()
    cache_dir = ROOT / "bench" / ".cache"
    if args.one:
        cache = cache_dir / f"index-{args.one}.pickle"
        print(json.dumps(run_size(args.one, args.seconds, args.phase, cache)))
        return
    cache_dir.mkdir(parents=True, exist_ok=True)
    for size in (int(s) for s in args.sizes.split(",")):
        runs = {}
        for phase in ("build", "load"):
            cmd = [sys.executable, __file__, "--one", str(size), "--seconds", str(args.seconds),
                   "--phase", phase]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            runs[phase] = json.loads(out.strip().splitlines()[-1])
        b, r = runs["build"], runs["load"]
        print(f"\n== {size:,} names")
        print(f"build: {b['build_s']} s, peak RSS {b['peak_rss_mib']} MiB; compiled index "
              f"{b['cache_mib']} MiB saved in {b['save_s']} s")
        print(f"worker: cached index loads in {r['cached_load_s']} s, word lists and places "
              f"in {r['lexicon_warm_s']} s, peak RSS {r['peak_rss_mib']} MiB while normalizing")
        for key in ("5000w", "500w"):
            m = r[key]
            print(f"{key} articles (~{m['bytes']:,} bytes; {m['changes']} changes reported "
                  f"for {m['misspelled']} misspellings over 20 articles): "
                  f"bare scan {m['bare_scan_ms']} ms, exact stage {m['exact_ms']} ms "
                  f"(x{m['exact_vs_bare']} of bare), "
                  f"exact {m['exact_articles_s']:,} articles/s, "
                  f"full {m['full_articles_s']:,} articles/s")


if __name__ == "__main__":
    main()
