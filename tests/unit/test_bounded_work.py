"""Pathological articles through the real Localizer and the real Apertium engine (en -> es):
each ends with a result, or a clean LocalizeError, never a traceback; and the ordinary sentence
after the junk still has its names and figures handled.

No timing here: bench/pathological.py measures the cost against ordinary copy.
"""

from __future__ import annotations

import os
import random
import shutil
import string

import pytest

from service.core.figures import find_figures
from service.core.glossary import load_glossary
from service.core.matching import normalize
from service.core.nameindex import NameIndex
from service.core.pipeline import LocalizeError, Localizer
from service.core.translate import EngineRouter
from service.core.translate.apertium import MAX_REQUEST_CHARS, ApertiumEngine, split_sentences

if not shutil.which("apertium") and os.environ.get("CI") != "true":
    pytest.skip("apertium is not installed (.ci/setup installs it)", allow_module_level=True)

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


JUNK = {
    "one 245 KB word": ("a" * 245_000, "text"),
    "a- x 120,000": ("a-" * 120_000, "text"),
    "Ma x 80,000": ("Ma " * 80_000, "text"),
    "MA x 80,000": ("MA " * 80_000, "text"),  # every cut a capitalized opener: deep recursion
    "250 KB of digits": ("1" * 250_000, "text"),
    "huge number": ("999999999999999999.999999 trillion dollars. " * 100, "text"),
    "HTML attribute": (f'<p><a title="{"x" * 240_000}">a link</a> here.</p>', "html"),
    "50,000 capitalized words": (_capitalized_words(50_000), "text"),
    "Mr. U.S. Dr. Gen.": ("Mr. U.S. Dr. Gen. " * 13_000, "text"),
    "10,000-figure list": (", ".join(str(n) for n in range(1, 10_001)) + ".", "text"),
    "20,000 dates": ("1 May 2023; " * 20_000, "text"),
    "mixed-script runs": ("Nazarбаев Tокаев Астанаcity " * 5_000, "text"),
}


@pytest.fixture(scope="module")
def localizer():
    with EngineRouter([ApertiumEngine(pool_size=1)]) as engines:
        yield Localizer.from_paths(engines=engines)


@pytest.mark.parametrize("name", list(JUNK))
def test_junk_ends_in_a_result_and_the_sentence_after_it_is_localized(localizer, name):
    junk, fmt = JUNK[name]
    tail = TAIL.replace("\n", "<br>") if fmt == "html" else TAIL
    try:
        document = localizer.localize(junk + tail, ["es-ES"], source_language="en", fmt=fmt)
    except LocalizeError as exc:  # a clean refusal is an acceptable end too
        assert str(exc)
        return
    version = document["versions"]["es-ES"]
    entities = {n["entity"] for n in version["names"]}
    assert {"kassym-jomart-tokayev", "xi-jinping"} <= entities, entities
    figures = {f["original"]: f["rendered"] for f in version["figures"]}
    assert figures.get("on 14 September 2023") == "el 14 de septiembre de 2023", figures
    assert figures.get("$24 billion") == "24\u00a0000 millones de dólares", figures
    assert version["engine"] == "apertium", version["warnings"]
    text = version["text"]
    assert "Tokáyev" in text and "Xi Jinping" in text and "24\u00a0000 millones" in text
    assert "⟦" not in text and "⟧" not in text
    assert not [w for w in version["warnings"] if "failed" in w or "untranslated" in w
                and "longer than" not in w], version["warnings"]


def test_an_overlong_token_is_kept_as_written_with_a_warning(localizer):
    junk = "a-" * 120_000
    document = localizer.localize(junk + TAIL, ["es-ES"], source_language="en")
    version = document["versions"]["es-ES"]
    assert version["text"].startswith(junk)
    assert [w for w in version["warnings"] if "longer than 100 characters" in w]


def test_a_run_of_capitals_links_names_without_recursion(shipped_index):
    # Before: one recursive call per word, RecursionError past ~1,000 words.
    text = "MA " * 80_000 + TAIL
    normalized = normalize(shipped_index, text, "en")
    assert {m.entity for m in normalized.mentions} >= {"kassym-jomart-tokayev", "xi-jinping"}


def test_a_number_scaled_past_any_news_figure_is_no_figure():
    # Before: decimal.InvalidOperation from quantize.
    found = find_figures("999999999999999999.999999 trillion dollars and $24 billion", "en")
    assert [f.original for f in found] == ["$24 billion"]


def test_an_overlong_sentence_goes_to_apertium_in_bounded_requests():
    sentence = "Ma " * 5_000 + "went home."
    parts = split_sentences(sentence)
    assert len(parts) > 1
    assert all(len(part) <= MAX_REQUEST_CHARS for part, _ in parts)
    assert "".join(part + gap for part, gap in parts) == sentence


def test_misspelt_names_in_a_long_capitalized_run_are_still_found():
    index = NameIndex.build(load_glossary())
    text = "Xq " * 3_000 + "met. Kassym-Zhomart Tokayev spoke."
    changes = {c.original: c.replacement for c in normalize(index, text, "en").changes}
    assert changes.get("Kassym-Zhomart Tokayev") == "Kassym-Jomart Tokayev"

