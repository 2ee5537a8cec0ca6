"""Figures in news copy: find dates, money, percentages and quantities in English, Russian and
Kazakh text, and write each one again the way a newsroom in the target locale prints it
(docs/figures.md)."""

from __future__ import annotations

from ..locales import language_of
from .amounts import MAX_FIGURE_DIGITS, amounts_cyrillic, amounts_en
from .dates import dates_en, dates_kazakh, dates_russian
from .exclude import never_figures
from .model import TIME_KINDS, Figure
from .render import (
    render_figure,
    render_in_place,
    render_money,
    render_number,
    render_percent,
    render_points,
    render_quantity,
    render_time,
)
from .scan import windows
from .styles import (
    DEFAULT_STYLES_DIR,
    DateForm,
    HouseStyle,
    HouseStyles,
    load_house_styles,
    parse_house_style,
)

__all__ = [
    "DEFAULT_STYLES_DIR", "FIGURE_LANGUAGES", "DateForm", "Figure", "HouseStyle", "HouseStyles",
    "find_figures", "load_house_styles", "parse_house_style", "render_figure", "render_in_place",
    "render_money",
    "render_number", "render_percent", "render_points", "render_quantity", "render_time",
]  # fmt: skip

FIGURE_LANGUAGES = ("en", "ru", "kk")


def find_figures(text: str, language: str = "en", dateline_year: int | None = None) -> list[Figure]:
    """All figures in `text`, sorted by start and never overlapping.

    `dateline_year` dates a day written without a year ("on April 9"); without it the current
    year is assumed. Numbers that are never figures (phones, identifiers, tallies, ages,
    street numbers) are left out.
    """
    language = language_of(language)
    spans = windows(text)
    if language == "en":
        found = [*dates_en(text, dateline_year, spans), *amounts_en(text, spans)]
    elif language == "ru":
        found = [*dates_russian(text, dateline_year, spans), *amounts_cyrillic(text, spans)]
    elif language == "kk":
        found = [*dates_kazakh(text, dateline_year, spans),
                 *dates_russian(text, dateline_year, spans), *amounts_cyrillic(text, spans)]
    else:
        raise ValueError(
            f"figures are found in {', '.join(FIGURE_LANGUAGES)} copy, not {language!r}"
        )
    kept = []
    for figure in _widest(found):
        if _too_large(figure):
            continue
        # Only the text around a figure can make it a phone number or a tally.
        near = [(max(0, figure.start - 40), min(len(text), figure.end + 40))]
        hard, soft = never_figures(text, near)
        if _touches(figure, hard) or (figure.kind not in TIME_KINDS and _touches(figure, soft)):
            continue
        kept.append(figure)
    return kept


def _too_large(figure: Figure) -> bool:
    # adjusted() is the power of ten of the leading digit: 10**24 has 25 digits.
    return figure.amount is not None and figure.amount.adjusted() >= MAX_FIGURE_DIGITS


def _touches(figure: Figure, spans: list[tuple[int, int]]) -> bool:
    return any(start < figure.end and figure.start < end for start, end in spans)


def _widest(figures: list[Figure]) -> list[Figure]:
    """Several patterns may read the same words; keep the widest reading of each span.

    "500,000 tenge" is money and "500,000" inside it is no second figure. The sort is stable,
    so of two readings of the same span the one found first (dates, then amounts) wins.
    """
    figures = sorted(figures, key=lambda f: (f.start, -f.end))
    kept: list[Figure] = []
    for figure in figures:
        if not kept or figure.start >= kept[-1].end:
            kept.append(figure)
    return kept
