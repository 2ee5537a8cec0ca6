"""Where figures can be: windows of text around digits (and the words quarters and halves are
written with), so the finders' patterns run over a fraction of a long article, not all of it.

Every figure holds a digit, but for a quarter or half written out without a year ("the third
quarter"); a window reaches far enough on either side for the longest relation word, weekday,
scale word and unit around the digits.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

Windows = list[tuple[int, int]]

_SEEDS = re.compile(r"\d+|quarter|квартал|тоқсан")
_BEFORE = 48  # "before Wednesday, 28" / "в течение сентября"
_AFTER = 48  # "billion kilowatt-hours", "жылғы екінші жартыжылдықтан бері"


def windows(text: str) -> Windows:
    """Merged spans of text around every digit run, in order."""
    spans: Windows = []
    for m in _SEEDS.finditer(text):
        start, end = max(0, m.start() - _BEFORE), min(len(text), m.end() + _AFTER)
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans


def scan(pattern: re.Pattern[str], text: str, spans: Windows) -> Iterator[re.Match[str]]:
    """pattern.finditer over each window (look-behinds still see the text before it)."""
    for start, end in spans:
        yield from pattern.finditer(text, start, end)


def having(needle: re.Pattern[str], text: str, spans: Windows) -> Windows:
    """The windows in which `needle` (a cheap pattern: a month name, a currency sign) occurs:
    the costly patterns that need it run over those only."""
    return [(start, end) for start, end in spans if needle.search(text, start, end)]
