"""Split copy into blocks (paragraphs, or HTML block elements) and blocks into sentences.

Machine translation works sentence by sentence; audarma keeps everything between the
translated pieces (blank lines, markup) byte for byte.
"""

from __future__ import annotations

import re

# A sentence ends at . ! ? (optionally closed by quotes or brackets) followed by white space
# and a capital letter, digit, opening quote or placeholder. Abbreviations that end with a
# full stop inside a sentence are kept whole.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"»”’)\]]*\s+(?=[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ0-9\"«“⟦(])")
_ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof gen col lt sgt st mt no vs etc jan feb mar apr jun jul aug sep sept
    oct nov dec inc ltd co corp u.s u.k e.g i.e approx est dept gov sen rep jr sr
    г гг т тт им др пр ул д стр рис см млн млрд тыс руб долл
    """.split()
)


def split_sentences(text: str) -> list[str]:
    """Sentences of one block, white space between them dropped (the caller rejoins with a
    space). Placeholders (⟦1⟧) count as words."""
    pieces: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        candidate = text[start : match.start()].strip()
        last_word = candidate.rsplit(None, 1)[-1] if candidate else ""
        if last_word.rstrip(".").lower() in _ABBREVIATIONS or re.fullmatch(r"\w\.", last_word):
            continue  # "Mr. Tokayev", "J. Smith"
        pieces.append(candidate)
        start = match.end()
    tail = text[start:].strip()
    if tail:
        pieces.append(tail)
    return [p for p in pieces if p]
