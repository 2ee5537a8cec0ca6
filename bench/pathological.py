"""Benchmark: pathological articles against an ordinary article of the same size.

Each input (one enormous "word", thousands of hyphen-joined pieces, a capitalized run of 80,000
words, a page of digits, an enormous HTML attribute, ...) goes through the real Localizer with
the shipped glossary and the real Apertium engine (en -> es-ES), followed by one ordinary
sentence. Beside each, the time of the example article repeated to the same size, measured in
the same run; the ratio says how much more a junk article costs than real copy.

    .venv/bin/python bench/pathological.py [--only NAME ...]
"""

from __future__ import annotations

import argparse
import random
import string
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.core.pipeline import LocalizeError, Localizer  # noqa: E402
from service.core.translate import EngineRouter  # noqa: E402
from service.core.translate.apertium import ApertiumEngine  # noqa: E402

EXAMPLE = ROOT / "docs" / "examples" / "almaty-talks.en.txt"
TAIL = (
    "\n\nPresident Kassym-Jomart Tokayev met Xi Jinping in Astana on 14 September 2023 and "
    "signed deals worth $24 billion.\n"
)


def _capitalized_words(count: int) -> str:
    rng = random.Random(7)
    return " ".join(
        rng.choice(string.ascii_uppercase)
        + "".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 5)))
        for _ in range(count)
    )


CASES: dict[str, tuple[str, str]] = {  # name -> (junk, format)
    "one 245 KB word": ("a" * 245_000, "text"),
    "a- x 120,000": ("a-" * 120_000, "text"),
    "Ma x 80,000": ("Ma " * 80_000, "text"),
    "MA x 80,000": ("MA " * 80_000, "text"),
    "250 KB of digits": ("1" * 250_000, "text"),
    "HTML attribute 240 KB": (f'<p><a title="{"x" * 240_000}">a link</a> here.</p>', "html"),
    "50,000 capitalized words": (_capitalized_words(50_000), "text"),
    "Mr. U.S. Dr. x 15,000": ("Mr. U.S. Dr. Gen. " * 13_000, "text"),
    "10,000-figure list": (", ".join(str(n) for n in range(1, 10_001)) + ".", "text"),
    "20,000 dates": ("1 May 2023; " * 20_000, "text"),
    "mixed-script runs": ("Nazarбаев Tокаев Астанаcity " * 5_000, "text"),
}


def ordinary(size: int) -> str:
    """The example article repeated to `size` characters, cut at a paragraph."""
    article = EXAMPLE.read_text(encoding="utf-8")
    copies = article * (size // len(article) + 1)
    cut = copies.rfind("\n\n", 0, size)
    return copies[: cut if cut > 0 else size]


def timed(localizer: Localizer, text: str, fmt: str) -> tuple[float, str]:
    start = time.perf_counter()
    try:
        doc = localizer.localize(text, ["es-ES"], source_language="en", fmt=fmt)
        warnings = doc["versions"]["es-ES"]["warnings"]
        outcome = f"{len(warnings)} warning(s)" + (f": {warnings[0][:60]}" if warnings else "")
    except LocalizeError as exc:
        outcome = f"LocalizeError: {exc}"
    return time.perf_counter() - start, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="names of cases to run (default: all)")
    args = parser.parse_args()
    with EngineRouter([ApertiumEngine(pool_size=1)]) as engines:
        localizer = Localizer.from_paths(engines=engines)
        localizer.localize("Warm up the pipeline.", ["es-ES"], source_language="en")
        print(f"{'input':28} {'KB':>5} {'junk s':>8} {'ordinary s':>11} {'ratio':>6}  outcome")
        for name, (junk, fmt) in CASES.items():
            if args.only and name not in args.only:
                continue
            text = junk + TAIL
            seconds, outcome = timed(localizer, text, fmt)
            base, _ = timed(localizer, ordinary(len(text)), "text")
            print(f"{name:28} {len(text.encode()) // 1024:>5} {seconds:>8.2f} {base:>11.2f} "
                  f"{seconds / base:>6.2f}  {outcome}", flush=True)


if __name__ == "__main__":
    main()
