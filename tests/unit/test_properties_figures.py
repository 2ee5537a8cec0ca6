"""Properties of figure finding and rendering that hold for any text (Hypothesis).

Arbitrary copy is built from the words figures are made of (numbers written the English and
the Russian way, months, relation words, currencies, scales, units, quarters) mixed with
anything at all; generated dates, amounts and percentages written the way wire copy writes them
must come back with the value they were written from.
"""

from __future__ import annotations

import datetime
import functools
from decimal import Decimal

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from service.core.figures import (
    FIGURE_LANGUAGES,
    HouseStyles,
    find_figures,
    load_house_styles,
    render_figure,
    render_in_place,
)

PROPERTY = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
ROUND_TRIP = settings(max_examples=150, deadline=None)

# The shipped house styles' locales, and Kazakh in the Latin alphabet.
LOCALES = ("en-GB", "en-US", "ru-RU", "kk-KZ", "kk-Latn", "zh-CN", "de-DE", "fr-FR", "es-ES")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


@functools.cache
def styles() -> HouseStyles:
    return load_house_styles()


# ------------------------------------------------------------------------- text strategies

FIGURE_WORDS = [
    # English
    *MONTHS, "Jan.", "Sept", "Sept.", "Mar", "Monday", "Tuesday", "in", "on", "since", "by",
    "until", "before", "after", "during", "from", "to", "between", "and", "the", "of", "first",
    "second", "third", "fourth", "quarter", "half", "Q3", "H1", "$", "US$", "€", "£", "¥",
    "₸", "&euro;", "KZT", "Tg", "USD", "dollars", "euros", "tenge", "yuan", "roubles",
    "billion", "million", "thousand", "trillion", "bn", "m", "k", "mln", "%", "per cent",
    "percent", "percentage points", "tonnes", "barrels", "kilowatt-hours", "bcm", "sq km",
    "km", "hectares", "votes to", "aged", "Street", "+7", "ISBN", "No.",
    # Russian
    "января", "марта", "мая", "сентябре", "года", "году", "г.", "гг.", "в", "с", "до", "к",
    "по", "после", "в течение", "квартале", "третьем", "полугодии", "млрд", "млн", "тыс.",
    "трлн", "долларов", "тенге", "рублей", "процента", "п.п.", "тонн", "км", "голосов против",
    # Kazakh
    "жылғы", "жылы", "жылдан", "жылға", "бері", "қарай", "дейін", "наурыз", "наурызда",
    "шілдеде", "тоқсан", "тоқсанында", "екінші", "жартыжылдық", "теңге", "пайыз",
]
SEPARATORS = [" ", " ", " ", "", ",", ", ", ".", "-", "–", "—", "/", ":", "\u00a0", "\u202f",
              "\n"]


@st.composite
def numbers(draw) -> str:
    """A number as copy may write it: grouped the English or the Russian way, or not at all."""
    value = draw(st.integers(0, 10**20))
    how = draw(st.sampled_from(["plain", "en", "ru", "decimal", "comma decimal", "short"]))
    if how == "en":
        return f"{value:,}"
    if how == "ru":
        return f"{value:,}".replace(",", draw(st.sampled_from([" ", "\u00a0", "\u202f"])))
    if how == "decimal":
        return f"{value}.{draw(st.integers(0, 10**7))}"
    if how == "comma decimal":
        return f"{value},{draw(st.integers(0, 999))}"
    if how == "short":
        return str(draw(st.integers(0, 40)))
    return str(value)


DAYS = st.integers(0, 39).map(str)
YEARS = st.integers(1795, 2105).map(str)
RELATIONS_EN = st.sampled_from(["", "in", "on", "since", "by", "until", "before", "after"])
RELATIONS_RU = st.sampled_from(["", "в", "с", "до", "к", "после", "в течение"])
# The shapes figures take, slot by slot; each slot is a strategy or a fixed word.
SHAPES = [
    (RELATIONS_EN, DAYS, st.sampled_from(MONTHS), YEARS),
    (RELATIONS_EN, st.sampled_from(MONTHS), DAYS, ",", YEARS),
    (RELATIONS_EN, st.sampled_from(MONTHS), DAYS, "-", DAYS),
    (st.sampled_from(["from", "between"]), YEARS, st.sampled_from(["to", "and"]), YEARS),
    (RELATIONS_EN, YEARS, "-", st.integers(0, 99).map(lambda n: f"{n:02d}")),
    (RELATIONS_EN, "the", st.sampled_from(["first", "third", "fourth"]),
     st.sampled_from(["quarter", "half"]), "of", YEARS),
    (st.sampled_from(["$", "US$", "€", "£", "KZT", "Tg"]), numbers(),
     st.sampled_from(["", "billion", "bn", "m", "trillion", "k"])),
    (numbers(), st.sampled_from(["billion", "million", ""]),
     st.sampled_from(["dollars", "euros", "tenge", "roubles", "tonnes", "barrels", "bcm"])),
    (numbers(), st.sampled_from(["%", "per cent", "percentage points"])),
    (RELATIONS_RU, DAYS, st.sampled_from(["января", "марта", "мая", "сентября"]), YEARS,
     st.sampled_from(["года", "г.", ""])),
    (RELATIONS_RU, YEARS, st.sampled_from(["году", "года", "гг."])),
    (numbers(), st.sampled_from(["млрд", "млн", "тыс.", "трлн"]),
     st.sampled_from(["долларов", "тенге", "рублей", "тонн", "км"])),
    (numbers(), st.sampled_from(["%", "процента", "п.п.", "пайыз"])),
    (YEARS, st.sampled_from(["жылғы", "жылы", "жылдан", "жылға"]), DAYS,
     st.sampled_from(["наурыз", "шілдеде", "қаңтардан"]), st.sampled_from(["", "бері", "қарай"])),
    (YEARS, "жылғы", st.sampled_from(["бірінші", "екінші"]),
     st.sampled_from(["тоқсанында", "жартыжылдықта"])),
]


@st.composite
def shaped(draw) -> str:
    """A figure-shaped phrase, with now and then a slot dropped or glued to the next."""
    out: list[str] = []
    for slot in draw(st.sampled_from(SHAPES)):
        word = slot if isinstance(slot, str) else draw(slot)
        if draw(st.integers(0, 9)) == 0:
            continue
        out.append(word)
        out.append(draw(st.sampled_from([" "] * 6 + SEPARATORS)))
    return "".join(out)


TOKEN = st.one_of(
    shaped(),
    shaped(),
    shaped(),
    st.sampled_from(FIGURE_WORDS),
    st.sampled_from(FIGURE_WORDS),
    numbers(),
    numbers(),
    st.integers(1800, 2101).map(str),  # years
    st.text(max_size=4),  # anything at all
)


@st.composite
def copy(draw) -> str:
    tokens = draw(st.lists(TOKEN, min_size=1, max_size=30))
    out = [tokens[0]]
    for token in tokens[1:]:
        out.append(draw(st.sampled_from(SEPARATORS)))
        out.append(token)
    return "".join(out)


LANGUAGE = st.sampled_from(FIGURE_LANGUAGES)
DATELINE = st.one_of(st.none(), st.integers(1900, 2100))


# ------------------------------------------------------------------------ any text at all


def check_spans(text: str, found) -> None:
    previous_end = 0
    for figure in found:
        assert 0 <= figure.start < figure.end <= len(text), figure
        assert text[figure.start : figure.end] == figure.original, figure
        assert figure.start >= previous_end, f"{figure} overlaps the figure before it"
        previous_end = figure.end
        if figure.core_start is not None:
            assert figure.start <= figure.core_start < figure.end, figure


@PROPERTY
@given(copy(), LANGUAGE, DATELINE)
@example("since 29 February", "en", 2023)  # a day that year does not have
@example("9" * 5000, "en", None)
@example("$999,999,999,999,999,999 trillion", "en", None)
def test_finding_never_fails_and_every_span_is_what_was_found(text, language, dateline):
    check_spans(text, find_figures(text, language, dateline))


@PROPERTY
@given(st.text(), LANGUAGE)
def test_finding_in_any_unicode_never_fails(text, language):
    check_spans(text, find_figures(text, language, 2024))


@PROPERTY
@given(copy(), LANGUAGE, st.sampled_from(LOCALES))
def test_every_found_figure_renders_in_every_shipped_locale(text, language, locale):
    for figure in find_figures(text, language, 2024):
        rendered = render_figure(figure, locale, styles())
        assert isinstance(rendered, str) and rendered.strip(), (figure, locale)
        start, end, form = render_in_place(figure, locale, styles())
        # What is replaced is the figure or the time inside it, never text around it.
        assert figure.start <= start < end == figure.end, (figure, locale)
        assert form.strip(), (figure, locale)


# ------------------------------------------------------------------- round trips in English

SENTENCE = st.sampled_from([
    "{}",
    "The agreement was signed {} in Astana.",
    "Officials said {}, citing the ministry.",
    "«{}»",
    "(Reuters) - {}\n",
])


def only_figure(text: str, kind: str):
    found = [f for f in find_figures(text, "en", 2024) if f.kind == kind]
    assert len(found) == 1, (text, found)
    return found[0]


@st.composite
def written_dates(draw) -> tuple[str, datetime.date]:
    day = draw(st.dates(datetime.date(1800, 1, 1), datetime.date(2100, 12, 31)))
    month = MONTHS[day.month - 1]
    number = str(day.day)
    if draw(st.booleans()):
        number += {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd", 31: "st"}.get(
            day.day, "th"
        )
    form = draw(st.sampled_from([
        f"{number} {month} {day.year}",
        f"{month} {number}, {day.year}",
        f"{day:%A}, {number} {month} {day.year}",
        f"{day:%A}, {month} {number}, {day.year}",
        f"{number} {month[:3]} {day.year}",
    ]))
    return form, day


@ROUND_TRIP
@given(written_dates(), st.sampled_from(["", "on ", "by ", "since "]), SENTENCE)
def test_a_written_date_is_found_with_its_value(written, relation, sentence):
    form, day = written
    text = sentence.format(relation + form)
    figure = only_figure(text, "date")
    assert figure.original == relation + form
    assert figure.date_value == day
    assert figure.granularity == "day"
    assert figure.has_year


SYMBOLS = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "₸": "KZT", "&euro;": "EUR"}
SCALES = {" thousand": 3, " million": 6, " billion": 9, " trillion": 12, "bn": 9, "m": 6,
          " bn": 9, " mln": 6, "k": 3}


@st.composite
def written_money(draw) -> tuple[str, Decimal, str]:
    symbol = draw(st.sampled_from(sorted(SYMBOLS)))
    if draw(st.booleans()):
        # "$24 billion", "€1.2m": a short mantissa and a scale word.
        whole = draw(st.integers(1, 999))
        decimals = draw(st.sampled_from(["", ".5", ".25", f".{draw(st.integers(1, 9))}"]))
        scale = draw(st.sampled_from(sorted(SCALES)))
        mantissa = Decimal(f"{whole}{decimals}")
        return f"{symbol}{whole}{decimals}{scale}", mantissa.scaleb(SCALES[scale]), symbol
    # "$1,250,000": grouped digits, no scale word.
    value = draw(st.integers(1, 10**15))
    return f"{symbol}{value:,}", Decimal(value), symbol


@ROUND_TRIP
@given(written_money(), SENTENCE)
def test_a_written_amount_of_money_is_found_with_its_value(written, sentence):
    form, value, symbol = written
    figure = only_figure(sentence.format(form), "money")
    assert figure.original == form
    assert figure.amount == value
    assert figure.currency == SYMBOLS[symbol]


@ROUND_TRIP
@given(st.decimals(Decimal(0), Decimal(999), places=2), st.sampled_from(["%", " per cent"]),
       SENTENCE)
def test_a_written_percentage_is_found_with_its_value(value, sign, sentence):
    written = f"{value.normalize():f}" if value == value.to_integral_value() else f"{value}"
    form = written + sign
    figure = only_figure(sentence.format(form), "percent")
    assert figure.original == form
    assert figure.amount == value
    assert figure.decimals == len(written.partition(".")[2])


@ROUND_TRIP
@given(written_dates(), written_money(), st.sampled_from(LOCALES))
def test_generated_figures_render_in_every_shipped_locale(date, money, locale):
    text = f"On {date[0]} the fund pledged {money[0]} more."
    for figure in find_figures(text, "en", 2024):
        assert render_figure(figure, locale, styles()).strip()


# ------------------------------------------------------------ round trips in Russian and Kazakh

MONTHS_RU = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
             "сентября", "октября", "ноября", "декабря")
MONTHS_KK = ("қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз",
             "қыркүйек", "қазан", "қараша", "желтоқсан")
DAYS_1800_2100 = st.dates(datetime.date(1800, 1, 1), datetime.date(2100, 12, 31))


@ROUND_TRIP
@given(DAYS_1800_2100, st.sampled_from(["года", "г."]))
def test_a_russian_date_is_found_with_its_value(day, year_word):
    form = f"{day.day} {MONTHS_RU[day.month - 1]} {day.year} {year_word}"
    found = [f for f in find_figures(f"Визит состоялся {form}", "ru", 2024) if f.kind == "date"]
    assert [(f.original, f.date_value) for f in found] == [(form, day)]


@ROUND_TRIP
@given(DAYS_1800_2100)
def test_a_kazakh_date_is_found_with_its_value(day):
    form = f"{day.year} жылғы {day.day} {MONTHS_KK[day.month - 1]}"
    found = [f for f in find_figures(f"Кездесу {form} өтті.", "kk", 2024) if f.kind == "date"]
    assert [(f.original, f.date_value) for f in found] == [(form, day)]


CURRENCIES_RU = {"долларов": "USD", "тенге": "KZT", "рублей": "RUB", "евро": "EUR"}
SCALES_RU = {"тыс.": 3, "млн": 6, "млрд": 9, "трлн": 12}


@ROUND_TRIP
@given(st.integers(1, 999), st.sampled_from(["", ",5", ",25"]), st.sampled_from(sorted(SCALES_RU)),
       st.sampled_from(sorted(CURRENCIES_RU)))
def test_a_russian_amount_of_money_is_found_with_its_value(whole, decimals, scale, currency):
    form = f"{whole}{decimals} {scale} {currency}"
    figure = [f for f in find_figures(f"Бюджет составил {form}.", "ru", 2024)
              if f.kind == "money"]
    value = Decimal(f"{whole}{decimals.replace(',', '.')}").scaleb(SCALES_RU[scale])
    assert [(f.original, f.amount, f.currency) for f in figure] == [
        (form, value, CURRENCIES_RU[currency])
    ]
