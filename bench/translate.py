"""Benchmark: Apertium through the warm pipeline pool against one `apertium -u` run per request.

Both paths translate the same 100 generated English paragraphs in the same run; prints median
latency and throughput for each and the ratio of the medians (target: warm >= 20x faster).

    .venv/bin/python bench/translate.py                 # eng-spa
    .venv/bin/python bench/translate.py --pair eng-cat
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.core.translate.apertium import ApertiumEngine, tags_for, translate_cold  # noqa: E402
from service.core.translate.enforce import Protected, translate_protected  # noqa: E402

TARGET_RATIO = 20.0
TARGET_OVERHEAD = 10.0  # enforcement cost, percent of a warm translation
MIN_WORDS, MAX_WORDS = 40, 60

WORDS = {
    "body": """ministry council committee agency parliament court company union bank
        government commission delegation""".split(),
    "city": """Madrid Lisbon Dublin Vienna Prague Oslo Warsaw Athens Bern Riga Tallinn
        Vilnius""".split(),
    "day": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split(),
    "thing": """schools bridges hospitals roads stations factories houses farms libraries
        ports""".split(),
    "place": "river coast border valley railway motorway harbour".split(),
    "period": "year month summer winter decade season".split(),
    "topic": """prices wages taxes exports energy transport water housing health
        education""".split(),
    "verb": "approved rejected discussed delayed welcomed criticised announced".split(),
    "adj": "new large small modern public private regional national".split(),
    "person": "minister mayor president director governor spokesman".split(),
}

TEMPLATES = [
    "The {body} in {city} announced on {day} that {n} {adj} {thing} would be built along "
    "the {place} before the end of the {period}.",
    "The {person} said the plan would cost about {n} million euros and that most of the "
    "money would come from the {adj} budget.",
    "Local residents {verb} the decision, but several groups warned that {topic} and "
    "{topic2} could rise sharply in the next {period}.",
    "According to the {body}, {n} people took part in the talks, which lasted until late "
    "in the evening.",
    "The {person} of {city} told reporters that the {adj} {thing} near the {place} had "
    "been closed since last {day}.",
    "Critics say the {body} has not explained how {topic} will be paid for, and they asked "
    "for a public debate.",
    "A second meeting is planned for {day}, when the {person} is expected to present a "
    "report on {topic}.",
    "Last {period} the {body} {verb} a similar proposal after a long debate about {topic}.",
]


def make_paragraphs(count: int, seed: int = 7) -> list[str]:
    """`count` distinct English paragraphs of 40-60 words, the same for the same seed."""
    rng = random.Random(seed)
    paragraphs: dict[str, None] = {}
    while len(paragraphs) < count:
        paragraph = _paragraph(rng)
        if MIN_WORDS <= len(paragraph.split()) <= MAX_WORDS:
            paragraphs[paragraph] = None
    return list(paragraphs)


def _paragraph(rng: random.Random) -> str:
    templates = rng.sample(TEMPLATES, rng.randint(3, 4))
    return " ".join(_fill(template, rng) for template in templates)


def _fill(template: str, rng: random.Random) -> str:
    picks = {key: rng.choice(options) for key, options in WORDS.items()}
    picks["topic"], picks["topic2"] = rng.sample(WORDS["topic"], 2)  # two different topics
    return template.format(**picks, n=rng.randint(2, 950))


def timed(run: Callable[[str], str], texts: list[str]) -> tuple[list[float], list[str], float]:
    """Per-request latencies in seconds, the outputs, and the wall time for the lot."""
    latencies, outputs = [], []
    started = time.perf_counter()
    for text in texts:
        begin = time.perf_counter()
        outputs.append(run(text))
        latencies.append(time.perf_counter() - begin)
    return latencies, outputs, time.perf_counter() - started


def report(label: str, latencies: list[float], wall: float) -> None:
    ordered = sorted(latencies)
    p90 = ordered[int(0.9 * (len(ordered) - 1))]
    print(
        f"{label:<34} median {statistics.median(latencies) * 1000:8.2f} ms   "
        f"p90 {p90 * 1000:8.2f} ms   throughput {len(latencies) / wall:8.1f} requests/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pair", default="eng-spa", help="Apertium mode, e.g. eng-spa, eng-cat")
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()

    source, target = (tags_for(code)[0] for code in args.pair.split("-"))
    texts = make_paragraphs(args.requests)
    words = [len(text.split()) for text in texts]
    print(
        f"pair {args.pair} ({source}->{target}): {len(texts)} distinct paragraphs, "
        f"{min(words)}-{max(words)} words (median {statistics.median(words):g})"
    )

    with ApertiumEngine(pool_size=1) as engine:
        begin = time.perf_counter()
        engine.translate(["Warm-up."], source, target)  # starts the pipeline; not measured
        print(f"{'warm pool: pipeline start':<34} {(time.perf_counter() - begin) * 1000:8.1f} ms")
        warm, warm_out, warm_wall = timed(
            lambda text: engine.translate([text], source, target)[0], texts
        )
    cold, cold_out, cold_wall = timed(lambda text: translate_cold(text, source, target), texts)

    report("warm pool (1 pipeline, 1 thread)", warm, warm_wall)
    report("cold (apertium -u, 1 process/req)", cold, cold_wall)
    ratio = statistics.median(cold) / statistics.median(warm)
    verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
    print(f"ratio cold median / warm median: {ratio:.1f}x (target >= {TARGET_RATIO:g}x: {verdict})")
    # Whitespace aside: the warm path closes the gaps that dropped words leave behind.
    same = sum(w.split() == c.split() for w, c in zip(warm_out, cold_out, strict=True))
    print(f"warm output same words as cold output: {same}/{len(texts)}")
    enforcement_overhead(texts, source, target, statistics.median(warm))


class _Echo:
    """An engine that costs nothing, so timing translate_protected with it times only the
    enforcement work: placeholders in, sentence split, checks, target forms back."""

    name = "echo"

    def translate(self, segments, source, target):
        return list(segments)


def _protected_spans(text: str) -> list[Protected]:
    # Protect every capitalized word and every number, as names and figures would be.
    return [
        Protected(m.start(), m.end(), m.group().upper(), f"item {m.group()!r}")
        for m in re.finditer(r"\b(?:[A-Z][a-z]+|\d[\d,.]*)\b", text)
    ]


def enforcement_overhead(texts: list[str], source: str, target: str, warm: float) -> None:
    spans = [_protected_spans(text) for text in texts]
    echo = _Echo()
    latencies = []
    for text, protected in zip(texts, spans, strict=True):
        begin = time.perf_counter()
        translate_protected(text, protected, echo, source, target)
        latencies.append(time.perf_counter() - begin)
    items = sum(len(s) for s in spans) / len(spans)
    cost = statistics.median(latencies)
    share = cost / warm * 100
    verdict = "met" if share <= TARGET_OVERHEAD else "NOT met"
    print(
        f"enforcement (protect + check + restore, ~{items:.0f} items/paragraph): median "
        f"{cost * 1000:.3f} ms = {share:.1f}% of the warm translation "
        f"(target <= {TARGET_OVERHEAD:g}%: {verdict})"
    )


if __name__ == "__main__":
    main()
