"""Numbers that are never figures: phone numbers, identifiers, ISBNs, vote tallies, scores,
ages and street numbers. Their spans are found first; a figure touching one is dropped.
"""

from __future__ import annotations

import re

from .scan import Windows, scan

_PATTERNS = [
    # Phones: a leading + or an area code in brackets, or a tel. label, then digit groups.
    r"(?:\+\d[\d\s().\u00a0-]{6,}\d)",
    r"(?:\(\d{2,5}\)[\s\u00a0]*\d[\d\s\u00a0-]{4,}\d)",
    r"(?i:(?:tel|phone|тел|телефон)\.?:?\s*)[\d\s()+.\u00a0-]{5,}\d",
    r"\b\d{3}[- ]\d{2}[- ]\d{2}\b",
    # Russian and Kazakh numbers dialled with 8: 8 800 080 2020, 8 (727) 250-00-00.
    r"(?<![\d.,])8[\s\u00a0-]?\(?\d{3}\)?[\s\u00a0-]?\d{3}[\s\u00a0-]?(?:\d{4}|\d{2}[\s\u00a0-]?\d{2})"
    r"(?!\d)",
    # ISBNs, identity and business numbers (12 digits in Kazakhstan), case and document numbers.
    r"(?i:ISBN)(?:-1[03])?:?\s*[\d-]{10,17}[\dX]?",
    r"(?<![\d.,])\d{12}(?!\d|[.,]\d)",
    r"(?:№|No\.|(?i:number|case|file|decree|resolution|order|дело|приказ|постановление)"
    r"\s+(?:No\.?|№)?)\s*[\d/.-]+\d",
    # Flight numbers and licence plates: letters then digits (KC 917, 777 ABC 02).
    r"\b[A-Z]{2}\s?\d{2,4}\b",
    r"\b\d{3}\s?[A-Z]{2,3}\s?\d{2}\b",
]
# Tallies, scores, ages and street numbers are numbers a date never is: they drop amounts only.
_SOFT = [
    # Vote tallies and scores: "85 votes to 8", "85-8", "won 3-1", "счётом 2:1".
    r"(?i:\b\d+\s+votes?\s+(?:to|against)\s+\d+\b)",
    r"(?i:\b\d+\s+голос\w*\s+против\s+\d+\b)",
    r"(?<![\d.,\w])\d{1,4}\s?[-–:]\s?\d{1,4}(?![\d.,]|\s*(?:%|per|bn|billion|million))"
    r"(?=\s+(?i:votes?|against|win|victory|defeat|draw|голос|в пользу)"
    r"|\s*[,.;)]|\s+(?:in|at|on)\s)",
    # Ages: "aged 64", "64-year-old", "64 years old", "64 лет", "64 жаста".
    r"(?i:\baged\s+\d+|\b\d+-year-old|\b\d+\s+years?\s+old|\b\d+\s*(?:лет|года)\s+от\s+роду"
    r"|\b\d+\s+жаста)",
    # Street numbers: "1500 Pennsylvania Avenue", "Abai Avenue 12", "улица Абая, 150".
    r"\b\d{1,5}\s+(?:[A-Z][\w'-]+\s+){1,3}(?:Street|St\.?|Avenue|Ave\.?|Road|Rd\.?|Boulevard"
    r"|Blvd\.?|Lane|Prospekt|Square|Drive)\b",
    r"(?:Street|Avenue|Road|Boulevard|Prospekt|Lane)\s+\d{1,5}\b",
    r"(?i:(?:улица|ул\.|проспект|пр\.|бульвар|переулок|дом|д\.|көшесі|даңғылы|үй)\s*"
    r"[А-ЯЁӘҒҚҢӨҰҮҺІA-Z]?[\w-]*,?\s*\d{1,5})",
]
_HARD_RE = re.compile("|".join(f"(?:{p})" for p in _PATTERNS))
_SOFT_RE = re.compile("|".join(f"(?:{p})" for p in _SOFT))


def never_figures(
    text: str, spans: Windows | None = None
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Spans that hold numbers which are never figures: (never any figure: phones, numbers of
    things; never an amount: tallies, scores, ages, street numbers), each in text order."""
    spans = [(0, len(text))] if spans is None else spans
    return ([m.span() for m in scan(_HARD_RE, text, spans)],
            [m.span() for m in scan(_SOFT_RE, text, spans)])
