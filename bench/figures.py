"""Benchmark: figure finding on 5,000-word articles, against the finder before issue 8.

The baseline is the single-module finder of commit 9d7d833 ("Record normalization benchmark
..."), read from git and loaded as a module, so both are timed in the same run on the same
articles. Prints milliseconds per article (process time, best of several passes over 20
articles), the figures each finds, and the ratio new/old.

    .venv/bin/python bench/figures.py
"""

from __future__ import annotations

import importlib.util
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from normalize import make_article  # noqa: E402

from service.core.figures import find_figures  # noqa: E402
from service.core.glossary import load_glossary  # noqa: E402

BASELINE_COMMIT = "baa6465"
# Figures English copy carries, mixed into the filler at random places.
FIGURES = [
    "on 28 March 2023", "$24 billion", "34%", "in September 2022", "1,500 tonnes", "12,500",
    "by 2030", "€300 million", "2.5 percentage points", "Q3 2024", "June 20-21",
    "1.2 trillion tenge", "since 2019", "+7 7172 740000",
]  # fmt: skip


def baseline_module():
    """The old service/core/figures.py, imported from git under another name."""
    source = subprocess.run(
        ["git", "show", f"{BASELINE_COMMIT}:service/core/figures.py"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "figures_before.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("figures_before", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["figures_before"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def articles(count: int = 20) -> list[str]:
    real = list(load_glossary())
    rng = random.Random(3)
    found = []
    for seed in range(count):
        words = make_article(real, 5000, 30, seed=seed).split(" ")
        for _ in range(40):
            words.insert(rng.randrange(len(words)), rng.choice(FIGURES))
        found.append(" ".join(words))
    return found


def best_time(fn, texts: list[str], passes: int = 5) -> float:
    for text in texts:
        fn(text)
    best = float("inf")
    for _ in range(passes):
        start = time.process_time()
        for text in texts:
            fn(text)
        best = min(best, (time.process_time() - start) / len(texts))
    return best


def main() -> None:
    texts = articles()
    old = baseline_module()
    old_s = best_time(lambda t: old.find_figures(t, "en"), texts)
    new_s = best_time(lambda t: find_figures(t, "en", 2023), texts)
    old_n = sum(len(old.find_figures(t, "en")) for t in texts)
    new_n = sum(len(find_figures(t, "en", 2023)) for t in texts)
    print(f"5,000-word articles with ~40 figures each ({len(texts)} articles)")
    print(f"before issue 8 ({BASELINE_COMMIT}): {old_s * 1000:.2f} ms per article, "
          f"{old_n} figures found")
    print(f"now: {new_s * 1000:.2f} ms per article, {new_n} figures found")
    print(f"ratio now/before: {new_s / old_s:.2f} (target <= 1.20)")


if __name__ == "__main__":
    main()
