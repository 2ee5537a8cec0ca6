"""Split copy into blocks (paragraphs, or HTML block elements) and blocks into sentences.

Machine translation works sentence by sentence; audarma keeps everything between the
translated pieces (blank lines, markup) byte for byte.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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


# --------------------------------------------------------------------------- HTML markup

_BLOCK_TAGS = frozenset(
    """
    address article aside blockquote body br caption dd div dl dt figcaption figure footer
    form h1 h2 h3 h4 h5 h6 head header hr html li main nav ol p pre section table tbody td
    tfoot th thead title tr ul
    """.split()
)
# Elements whose content is never prose to translate.
_RAW_TAGS = frozenset({"script", "style", "code", "pre", "noscript", "template"})
_TAG = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<[!?/]?[A-Za-z][^<>]*>", re.DOTALL)
_TAG_NAME = re.compile(r"</?\s*([A-Za-z][A-Za-z0-9-]*)")
_TRANSLATE_NO = re.compile(r"""\btranslate\s*=\s*["']?no\b""", re.IGNORECASE)


@dataclass(frozen=True)
class MarkupSpan:
    start: int
    end: int
    block: bool  # a block boundary: text on either side is a separate unit


def markup_spans(html: str) -> list[MarkupSpan]:
    """Every tag and comment, and every element marked translate="no" (or script, style,
    code...) as one span from its start tag to its matching end tag, in document order."""
    spans: list[MarkupSpan] = []
    opaque: list[tuple[str, int]] = []  # (tag, start) of the outermost translate="no" element
    depth = 0
    for match in _TAG.finditer(html):
        raw = match.group()
        name_match = _TAG_NAME.match(raw)
        name = name_match.group(1).lower() if name_match else ""
        closing = raw.startswith("</")
        self_closing = raw.endswith("/>")
        if opaque:
            if name == opaque[0][0] and not self_closing:
                depth += -1 if closing else 1
                if depth == 0:
                    block = opaque[0][0] in _BLOCK_TAGS or opaque[0][0] in _RAW_TAGS
                    spans.append(MarkupSpan(opaque[0][1], match.end(), block))
                    opaque.clear()
            continue
        if not closing and not self_closing and name and (
            name in _RAW_TAGS or _TRANSLATE_NO.search(raw)
        ):
            opaque.append((name, match.start()))
            depth = 1
            continue
        spans.append(MarkupSpan(match.start(), match.end(), name in _BLOCK_TAGS))
    if opaque:  # never closed: keep the rest verbatim
        spans.append(MarkupSpan(opaque[0][1], len(html), False))
    return spans
