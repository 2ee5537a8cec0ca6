"""Writing a figure again the way a newsroom in the target locale prints it.

Time expressions are built in two steps. A language's grammar gives the time's base forms in the
cases the language needs (Russian сентябрь/сентября/сентябрю/сентябре 2022 года, Kazakh
қыркүйек/қыркүйекте/қыркүйектен, German dritte/dritten Quartal); the house style's template for
the relation then wraps them ("в {prep}", "{abl} бері", "im {dat}", "d'ici à {}"). Amounts use
CLDR through Babel, with the house style's scale words, currency names, units and connectors.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Literal

from babel import Locale
from babel.dates import get_day_names, get_month_names
from babel.numbers import (
    format_compact_decimal,
    format_decimal,
    format_percent,
    get_currency_name,
    get_currency_unit_pattern,
    get_group_symbol,
)

from ..inflect_kk import ending_for
from ..locales import babel_locale, language_of, normalize_tag, parse_tag
from ..translit import transliterate_name
from .model import (
    DATE_RANGE,
    HALF,
    MONEY,
    NUMBER,
    PERCENT,
    POINTS,
    QUANTITY,
    QUARTER,
    Figure,
    amount_of,
    currency_of,
    date_of,
    end_of,
    unit_of,
)
from .styles import SCALES, HouseStyle, HouseStyles, format_date_form, load_house_styles


def render_figure(figure: Figure, locale: str, styles: HouseStyles | None = None) -> str:
    """The figure as `locale` news copy writes it.

    Without `styles` the shipped house styles are read on every call; callers rendering many
    figures should load them once and pass them in.
    """
    if styles is None:
        styles = load_house_styles()
    text = _render(figure, locale, styles.for_locale(normalize_tag(locale)))
    tag = parse_tag(locale)
    if tag.script == "Latn" and tag.language == "kk":
        # Kazakh in the Latin alphabet of 2021: the Cyrillic house style, letter for letter.
        text = transliterate_name(text, "kk", "kk-Latn") or text
    return text


def _render(figure: Figure, locale: str, style: HouseStyle) -> str:
    if figure.kind == MONEY:
        return render_money(figure, locale, style)
    if figure.kind == PERCENT:
        return render_percent(figure, locale, style)
    if figure.kind == POINTS:
        return render_points(figure, locale, style)
    if figure.kind == QUANTITY:
        return render_quantity(figure, locale, style)
    if figure.kind == NUMBER:
        return render_number(figure, locale, style)
    text = render_time(figure, locale, style)
    if figure.opens_sentence and text[:1].islower():
        text = text[:1].upper() + text[1:]  # "On 28 March" opening a sentence stays capital
    return text


def render_in_place(
    figure: Figure, locale: str, styles: HouseStyles
) -> tuple[int, int, str]:
    """(start, end, text): what replaces which span of the source in a target locale.

    Where the locale's house style has no rule for a time's relation word, only the time is
    replaced and the word is left to the translation: "in" is not silently lost.
    """
    style = styles.for_locale(normalize_tag(locale))
    if figure.relation and figure.core_start is not None and figure.kind != DATE_RANGE:
        if style.template(figure.relation, _granularity_key(figure)) is None:
            bare = replace(figure, relation="", start=figure.core_start, opens_sentence=False,
                           original=figure.original[figure.core_start - figure.start :])
            return bare.start, bare.end, render_figure(bare, locale, styles)
    return figure.start, figure.end, render_figure(figure, locale, styles)


# ------------------------------------------------------------------------------- times


def render_time(figure: Figure, locale: str, style: HouseStyle | None = None) -> str:
    style = style or HouseStyle()
    cldr = babel_locale(locale)
    language = language_of(locale)
    if figure.kind == DATE_RANGE and figure.granularity == "year":
        return _year_range(figure, language, style)
    forms = _BASES.get(language, _base_cldr)(figure, cldr, style)
    key = _granularity_key(figure)
    template = style.template(figure.relation, key)
    if template is None and key == "day_weekday":
        template = style.template(figure.relation, "day")
    if template is None:
        template = "{}"  # no house rule for this relation: the time alone
    text = _fill(template, forms)
    return _russian_prepositions(text) if language == "ru" else text


def _granularity_key(figure: Figure) -> str:
    if figure.kind == QUARTER:
        return "quarter"
    if figure.kind == HALF:
        return "half"
    if figure.kind == DATE_RANGE:
        return "day_range"
    if figure.granularity == "day" and figure.weekday:
        return "day_weekday"
    return figure.granularity or "day"


def _fill(template: str, forms: dict[str, str]) -> str:
    def slot(match: re.Match[str]) -> str:
        case = match.group(1)
        return forms.get(case) or forms[""]

    return re.sub(r"\{(\w*)\}", slot, template)


def _year_range(figure: Figure, language: str, style: HouseStyle) -> str:
    a, b = str(date_of(figure).year), str(end_of(figure).year)
    template = style.year_ranges.get(figure.range_style) or style.year_ranges.get("dash")
    if template is None:
        template = "{a}–{b}"
    return template.replace("{a}", a).replace("{b}", b)


def _months(
    cldr: Locale,
    context: Literal["format", "stand-alone"] = "format",
    width: Literal["abbreviated", "narrow", "wide"] = "wide",
) -> Mapping[int, str]:
    return get_month_names(width, context, cldr)


def _weekday(value: datetime.date, cldr: Locale) -> str:
    return get_day_names("wide", "format", cldr)[value.weekday()]


# English -----------------------------------------------------------------------------

_ORDINALS_EN = {1: "first", 2: "second", 3: "third", 4: "fourth"}
# AP: with a day, these months are abbreviated; March to July are written out.
_AP_MONTHS = {1: "Jan.", 2: "Feb.", 8: "Aug.", 9: "Sept.", 10: "Oct.", 11: "Nov.", 12: "Dec."}


def _base_en(figure: Figure, cldr: Locale, style: HouseStyle) -> dict[str, str]:
    value = date_of(figure)
    year = str(value.year)
    us = cldr.territory == "US"
    text: str | None  # a day's text is None until built where the house style has no form
    if figure.kind == QUARTER:
        text = f"{_ORDINALS_EN[figure.ordinal]} quarter"
        return {"": f"{text} of {year}" if figure.has_year else text}
    if figure.kind == HALF:
        return {"": f"{_ORDINALS_EN[figure.ordinal]} half of {year}"}
    month = _months(cldr)[value.month]
    if figure.granularity == "month":
        return {"": _dated(style, "month", value, cldr) or f"{month} {year}"}
    if figure.granularity == "year":
        return {"": year}
    day_month = month
    if style.abbreviate_months == "ap":
        day_month = _AP_MONTHS.get(value.month, month)
    if figure.kind == DATE_RANGE:
        first, last = value.day, end_of(figure).day
        if us:
            text = f"{day_month} {first}-{last}" + (f", {year}" if figure.has_year else "")
        else:
            text = f"{first}-{last} {month}" + (f" {year}" if figure.has_year else "")
        return {"": text}
    key = "day" if figure.has_year else "day_no_year"
    text = _dated(style, key, value, cldr)
    if text is None:
        if us:
            text = f"{day_month} {value.day}" + (f", {year}" if figure.has_year else "")
        else:
            text = f"{value.day} {month}" + (f" {year}" if figure.has_year else "")
    if figure.weekday:
        weekday = _weekday(value, cldr)
        text = f"{weekday}, {text}" if us else f"{weekday} {text}"
    return {"": text}


def _dated(style: HouseStyle, key: str, value: datetime.date, cldr: Locale) -> str | None:
    form = style.dates.get(key)
    return format_date_form(value, form, cldr) if form is not None else None


# Russian ----------------------------------------------------------------------------

_RU_ORDINAL_M = {  # первый квартал, in the cases the templates ask for
    "": ("первый", "второй", "третий", "четвёртый"),
    "gen": ("первого", "второго", "третьего", "четвёртого"),
    "dat": ("первому", "второму", "третьему", "четвёртому"),
    "prep": ("первом", "втором", "третьем", "четвёртом"),
}
_RU_ORDINAL_N = {  # первое полугодие
    "": ("первое", "второе"),
    "gen": ("первого", "второго"),
    "dat": ("первому", "второму"),
    "prep": ("первом", "втором"),
}
_RU_QUARTER = {"": "квартал", "gen": "квартала", "dat": "кварталу", "prep": "квартале"}
_RU_HALF = {"": "полугодие", "gen": "полугодия", "dat": "полугодию", "prep": "полугодии"}
_RU_YEAR = {"": "год", "gen": "года", "dat": "году", "prep": "году", "acc": "год"}
_RU_CASES = ("", "gen", "dat", "prep", "acc")
_RU_WEEKDAY_ACC = {"среда": "среду", "пятница": "пятницу", "суббота": "субботу"}


def _ru_month(nominative: str, case: str, genitive: str) -> str:
    """A Russian month name in a case: сентябрь, сентября, сентябрю, сентябре."""
    if case in ("", "acc"):
        return nominative
    if case == "gen":
        return genitive
    stem = nominative[:-1] if nominative[-1] in "ьй" else nominative
    if case == "dat":
        return stem + ("ю" if nominative[-1] in "ьй" else "у")
    return stem + "е"  # prepositional: в сентябре, в марте, в мае


def _base_ru(figure: Figure, cldr: Locale, style: HouseStyle) -> dict[str, str]:
    value = date_of(figure)
    year = str(value.year)
    of_year = f" {year} года" if figure.has_year else ""
    if figure.kind in (QUARTER, HALF):
        ordinals = _RU_ORDINAL_M if figure.kind == QUARTER else _RU_ORDINAL_N
        nouns = _RU_QUARTER if figure.kind == QUARTER else _RU_HALF
        return {case: f"{ordinals[case][figure.ordinal - 1]} {nouns[case]}{of_year}"
                for case in ("", "gen", "dat", "prep")}
    if figure.granularity == "year":
        return {case: f"{year} {word}" for case, word in _RU_YEAR.items()}
    nominative = get_month_names("wide", "stand-alone", cldr)[value.month]
    genitive = _months(cldr)[value.month]
    if figure.granularity == "month":
        return {case: f"{_ru_month(nominative, case, genitive)} {year} года"
                for case in _RU_CASES}
    if figure.kind == DATE_RANGE:
        return {"": f"{value.day}–{end_of(figure).day} {genitive}{of_year}"}
    text = f"{value.day} {genitive}{of_year}"
    forms = {case: text for case in _RU_CASES}
    if figure.weekday:
        weekday = _weekday(value, cldr)
        forms = {case: f"{weekday}, {text}" for case in _RU_CASES}
        forms["acc"] = f"{_RU_WEEKDAY_ACC.get(weekday, weekday)}, {text}"
    return forms


def _russian_prepositions(text: str) -> str:
    """в, с, к take a vowel before some consonant clusters: во вторник, со второго, ко
    второму."""
    text = re.sub(r"(?<![\w])в (?=[вфВФ][^аеёиоуыэюяАЕЁИОУЫЭЮЯ\s])", "во ", text)
    text = re.sub(r"(?<![\w])с (?=[сзшжСЗШЖ][^аеёиоуыэюяАЕЁИОУЫЭЮЯ\s]|вт)", "со ", text)
    return re.sub(r"(?<![\w])к (?=вт|мн)", "ко ", text)


# Kazakh ------------------------------------------------------------------------------

_KK_ORDINALS = ("бірінші", "екінші", "үшінші", "төртінші")
_KK_CASES = {"loc": "loc", "abl": "abl", "dat": "dat"}


def _kk_forms(text: str, year_in: str | None = None) -> dict[str, str]:
    """The text with a case ending on its last word, for each case a template may ask."""
    last = text.rsplit(" ", 1)[-1]
    forms = {"": text}
    for case in _KK_CASES:
        forms[case] = text + ending_for(last, case)
    if year_in is not None:
        forms["in"] = year_in
    return forms


def _base_kk(figure: Figure, cldr: Locale, style: HouseStyle) -> dict[str, str]:
    value = date_of(figure)
    year = str(value.year)
    of_year = f"{year} жылғы " if figure.has_year else ""
    if figure.kind in (QUARTER, HALF):
        noun = "тоқсан" if figure.kind == QUARTER else "жартыжылдық"
        return _kk_forms(f"{of_year}{_KK_ORDINALS[figure.ordinal - 1]} {noun}")
    if figure.granularity == "year":
        # "2022 жылы": a year takes its own form for "in"; the other cases are regular.
        return _kk_forms(f"{year} жыл", year_in=f"{year} жылы")
    month = _months(cldr)[value.month]
    if figure.granularity == "month":
        return _kk_forms(f"{year} жылғы {month}")
    if figure.kind == DATE_RANGE:
        return _kk_forms(f"{of_year}{value.day}–{end_of(figure).day} {month}")
    text = f"{of_year}{value.day} {month}"
    if figure.weekday:
        text = f"{text}, {_weekday(value, cldr)}"
    return _kk_forms(text)


# Chinese -----------------------------------------------------------------------------

_ZH_NUMERALS = "一二三四"


def _base_zh(figure: Figure, cldr: Locale, style: HouseStyle) -> dict[str, str]:
    value = date_of(figure)
    year = f"{value.year}年" if figure.has_year else ""
    if figure.kind == QUARTER:
        return {"": f"{year}第{_ZH_NUMERALS[figure.ordinal - 1]}季度"}
    if figure.kind == HALF:
        return {"": f"{year}{'上' if figure.ordinal == 1 else '下'}半年"}
    if figure.granularity == "year":
        return {"": year}
    if figure.granularity == "month":
        return {"": f"{year}{value.month}月"}
    if figure.kind == DATE_RANGE:
        return {"": f"{year}{value.month}月{value.day}日至{end_of(figure).day}日"}
    text = f"{year}{value.month}月{value.day}日"
    if figure.weekday:
        text += _weekday(value, cldr)
    return {"": text}


# German ------------------------------------------------------------------------------

_DE_ORDINALS = {"": ("erste", "zweite", "dritte", "vierte"),
                "dat": ("ersten", "zweiten", "dritten", "vierten")}


def _base_de(figure: Figure, cldr: Locale, style: HouseStyle) -> dict[str, str]:
    value = date_of(figure)
    year = f" {value.year}" if figure.has_year else ""
    if figure.kind in (QUARTER, HALF):
        noun = "Quartal" if figure.kind == QUARTER else "Halbjahr"
        return {case: f"{words[figure.ordinal - 1]} {noun}{year}"
                for case, words in _DE_ORDINALS.items()}
    if figure.granularity == "year":
        return {"": str(value.year)}
    month = _months(cldr)[value.month]
    if figure.granularity == "month":
        return {"": f"{month} {value.year}"}
    if figure.kind == DATE_RANGE:
        return {"": f"{value.day}. bis {end_of(figure).day}. {month}{year}"}
    text = f"{value.day}. {month}{year}"
    if figure.weekday:
        text = f"{_weekday(value, cldr)}, {text}"
    return {"": text}


# French ------------------------------------------------------------------------------

_FR_ORDINALS = ("premier", "deuxième", "troisième", "quatrième")


def _base_fr(figure: Figure, cldr: Locale, style: HouseStyle) -> dict[str, str]:
    value = date_of(figure)
    year = f" {value.year}" if figure.has_year else ""
    if figure.kind == QUARTER:
        return {"": f"{_FR_ORDINALS[figure.ordinal - 1]} trimestre{year}"}
    if figure.kind == HALF:
        return {"": f"{'premier' if figure.ordinal == 1 else 'second'} semestre{year}"}
    if figure.granularity == "year":
        return {"": str(value.year)}
    month = _months(cldr)[value.month]
    if figure.granularity == "month":
        return {"": f"{month} {value.year}"}

    def day(number: int) -> str:
        return style.first_day if number == 1 and style.first_day else str(number)

    if figure.kind == DATE_RANGE:
        return {"": f"du {day(value.day)} au {end_of(figure).day} {month}{year}"}
    text = f"{day(value.day)} {month}{year}"
    if figure.weekday:
        text = f"{_weekday(value, cldr)} {text}"
    return {"": text}


# Spanish -----------------------------------------------------------------------------

_ES_ORDINALS = ("primer", "segundo", "tercer", "cuarto")


def _base_es(figure: Figure, cldr: Locale, style: HouseStyle) -> dict[str, str]:
    value = date_of(figure)
    year = f" de {value.year}" if figure.has_year else ""
    if figure.kind == QUARTER:
        return {"": f"{_ES_ORDINALS[figure.ordinal - 1]} trimestre{year}"}
    if figure.kind == HALF:
        return {"": f"{'primer' if figure.ordinal == 1 else 'segundo'} semestre{year}"}
    if figure.granularity == "year":
        return {"": str(value.year)}
    month = _months(cldr)[value.month]
    if figure.granularity == "month":
        return {"": f"{month} de {value.year}"}
    if figure.kind == DATE_RANGE:
        return {"": f"del {value.day} al {end_of(figure).day} de {month}{year}"}
    text = f"{value.day} de {month}{year}"
    if figure.weekday:
        text = f"{_weekday(value, cldr)}, {text}"
    return {"": text}


# Any other language: CLDR's own formats -------------------------------------------------


def _base_cldr(figure: Figure, cldr: Locale, style: HouseStyle) -> dict[str, str]:
    from babel.dates import format_date, format_skeleton

    value = date_of(figure)
    if figure.kind in (QUARTER, HALF):
        letter = "Q" if figure.kind == QUARTER else "H"
        return {"": f"{letter}{figure.ordinal} {value.year}" if figure.has_year
                else f"{letter}{figure.ordinal}"}
    if figure.granularity == "year":
        return {"": format_skeleton("y", value, locale=cldr)}
    if figure.granularity == "month":
        return {"": _dated(style, "month", value, cldr)
                or format_skeleton("yMMMM", value, locale=cldr)}
    if figure.kind == DATE_RANGE:
        first = format_skeleton("MMMMd", value, locale=cldr)
        return {"": f"{first}–{end_of(figure).day}"}
    key = "day" if figure.has_year else "day_no_year"
    text = _dated(style, key, value, cldr)
    if text is None:
        text = (format_date(value, "long", locale=cldr) if figure.has_year
                else format_skeleton("MMMMd", value, locale=cldr))
    return {"": text}


_BASES = {
    "en": _base_en, "ru": _base_ru, "kk": _base_kk, "zh": _base_zh, "de": _base_de,
    "fr": _base_fr, "es": _base_es,
}  # fmt: skip


# ------------------------------------------------------------------------------ amounts

# In French, Spanish and Catalan "thousand" is a numeral ("3 mille euros") while million and
# up are nouns that take the connector ("3 millions d'euros").
_FIRST_NOUN_SCALE = 6
_VOWELS = "aeiouàâäéèêëîïíòóôöùúûü"
_NO_SPACE_LANGUAGES = frozenset({"zh", "ja"})


def render_percent(figure: Figure, locale: str, style: HouseStyle | None = None) -> str:
    style = style or HouseStyle()
    cldr = babel_locale(locale)
    if style.percent:
        return style.percent.replace("{0}", _plain_number(amount_of(figure), cldr, style))
    # Without quantization Babel prints the digits the value has, so 18.5 stays 18.5.
    return format_percent(amount_of(figure) / 100, locale=cldr, decimal_quantization=False)


def render_points(figure: Figure, locale: str, style: HouseStyle | None = None) -> str:
    style = style or HouseStyle()
    cldr = babel_locale(locale)
    number = _plain_number(amount_of(figure), cldr, style)
    forms = style.points or {"other": "{0} pp"}
    template = forms.get(cldr.plural_form(amount_of(figure)), forms["other"])
    return template.replace("{0}", number)


def render_number(figure: Figure, locale: str, style: HouseStyle | None = None) -> str:
    style = style or HouseStyle()
    return _amount_text(figure, babel_locale(locale), style, style.numbers_scale_from)


def render_quantity(figure: Figure, locale: str, style: HouseStyle | None = None) -> str:
    style = style or HouseStyle()
    cldr = babel_locale(locale)
    number = _amount_text(figure, cldr, style, style.scale_from)
    unit = unit_of(figure)
    forms = style.units.get(unit)
    name = forms.get(cldr.plural_form(amount_of(figure)), forms["other"]) if forms else unit
    if _written_scale(figure, style, style.scale_from) >= _FIRST_NOUN_SCALE:
        name = _with_connector(name, style)
    joiner = "" if cldr.language in _NO_SPACE_LANGUAGES else " "
    return f"{number}{joiner}{name}"


def render_money(figure: Figure, locale: str, style: HouseStyle | None = None) -> str:
    style = style or HouseStyle()
    cldr = babel_locale(locale)
    number = _amount_text(figure, cldr, style, style.scale_from)
    currency, amount = currency_of(figure), amount_of(figure)
    symbol = style.symbols.get(currency) if style.money.startswith("symbol_") else None
    if symbol:
        return symbol + number
    name = _currency_name(currency, amount, cldr, style)
    if _written_scale(figure, style, style.scale_from) >= _FIRST_NOUN_SCALE:
        name = _with_connector(name, style)
    # CLDR picks the unit pattern and the plural by the whole amount: "21 млн долларов" is
    # genitive plural because 21 000 000 is, although 21 on its own would take "доллар".
    unit_pattern = get_currency_unit_pattern(currency, count=amount, locale=cldr)
    return unit_pattern.replace("{0}", number).replace("{1}", name)


def _written_scale(figure: Figure, style: HouseStyle, scale_from: int) -> int:
    if _source_scale(figure, scale_from) or _scaled(figure, scale_from):
        return _display_scale(amount_of(figure), style)
    return 0


def _source_scale(figure: Figure, scale_from: int) -> int:
    """The scale the source wrote as a word, where the target writes one too: "500 тыс." is
    "500 000" in a language whose agencies do not abbreviate thousands."""
    if figure.scale == 3 and scale_from not in (3, 4):
        return 0
    return figure.scale


def _scaled(figure: Figure, scale_from: int) -> bool:
    """Whether a plain amount is written with a scale word: from 10^scale_from up, when the
    scaled number keeps at most two decimals (four in Chinese 万)."""
    if not scale_from or _source_scale(figure, scale_from):
        return False
    amount = amount_of(figure)
    if abs(amount) < Decimal(10) ** scale_from:
        return False
    natural = 4 if scale_from == 4 and abs(amount) < Decimal(10) ** 8 else None
    scale = natural or _natural_scale(amount)
    mantissa = amount.scaleb(-scale).normalize()
    exponent = mantissa.as_tuple().exponent
    assert isinstance(exponent, int)  # amounts are finite: no NaN ("n", "N") or infinity ("F")
    places = max(0, -exponent)
    return places <= (4 if scale_from == 4 else 2)


def _amount_text(figure: Figure, cldr: Locale, style: HouseStyle, scale_from: int = 0) -> str:
    """The number part: "24 млрд", "24 000 millones", "500 000", "50万"."""
    amount = amount_of(figure)
    if scale_from == 4 and (_source_scale(figure, 4) or _scaled(figure, 4)):
        # Chinese counts in 万 and 亿; CLDR's long compact forms are exactly those.
        return format_compact_decimal(
            amount, format_type="long", fraction_digits=_fraction_digits(figure, 6), locale=cldr
        )
    if not _source_scale(figure, scale_from) and not _scaled(figure, scale_from):
        # The source wrote every digit ("KZT 500,000"), or thousands as a word the target
        # writes in digits; so do we.
        return _plain_number(amount, cldr, style)
    scale = _display_scale(amount, style)
    if scale == 0:
        return _plain_number(amount, cldr, style)
    if scale in style.scale_words or scale != _natural_scale(amount):
        return _number_in_scale(amount, scale, cldr, style)
    return _word_space(format_compact_decimal(
        amount,
        format_type=style.scale_width,
        fraction_digits=_fraction_digits(figure),
        locale=cldr,
    ))


def _word_space(text: str) -> str:
    """CLDR joins a number and its scale word with a no-break space ("24\u00a0млрд"); agency
    copy has a plain one there. No-break spaces inside the number (thousands) stay."""
    return re.sub(r"(?<=\d)[\u00a0\u202f](?=[^\d\s])", " ", text)


def _natural_scale(amount: Decimal) -> int:
    return max((s for s in SCALES if abs(amount) >= Decimal(10) ** s), default=0)


def _display_scale(amount: Decimal, style: HouseStyle) -> int:
    """The scale word to write: Spanish house style writes 24 000 millones, not 24 mil millones."""
    scale = _natural_scale(amount)
    while scale in style.avoid_scales:
        scale -= 3
    return scale


def _fraction_digits(figure: Figure, extra: int = 0) -> int:
    # The locale may divide by another power of ten than the source did (zh: 10^4 and 10^8,
    # "1.25 billion" -> "12.5亿"), so a fixed count of decimals can round away a digit. Babel
    # drops trailing zeros, so asking for digits down to the source's last place is exact.
    last_place = figure.scale - figure.decimals
    return max(0, 15 - last_place) + extra


def _plain_number(
    amount: Decimal, cldr: Locale, style: HouseStyle, min_grouping: int | None = None
) -> str:
    digits = min_grouping or style.min_grouping_digits
    grouped = abs(amount) >= Decimal(10) ** (2 + digits)
    text = format_decimal(amount, locale=cldr, decimal_quantization=False, group_separator=grouped)
    if style.group_separator is not None:
        text = text.replace(get_group_symbol(cldr), style.group_separator)
    return text


def _number_in_scale(amount: Decimal, scale: int, cldr: Locale, style: HouseStyle) -> str:
    mantissa = amount.scaleb(-scale).normalize()
    plural = cldr.plural_form(mantissa)
    if scale in style.scale_words:
        forms = style.scale_words[scale]
        template = forms.get(plural, forms["other"])
    else:
        template = _cldr_scale_template(scale, plural, cldr, style.scale_width)
    number = _plain_number(mantissa, cldr, style, style.mantissa_grouping)
    return _word_space(template.replace("{0}", number))


def _cldr_scale_template(scale: int, plural: str, cldr: Locale, width: str) -> str:
    """CLDR's word for 10^scale as a "{0} millones" template."""
    table = cldr.compact_decimal_formats[width]
    magnitude = str(10**scale)
    forms = table[plural] if plural in table and magnitude in table[plural] else table["other"]
    pattern = forms[magnitude]
    if pattern.pattern.count("0") != 1:
        # The locale has no word for exactly 10^scale (zh counts in 10^4 and 10^8).
        raise ValueError(f"{cldr} has no CLDR word for 10^{scale}; give money.scale_words")
    return f"{pattern.prefix[0]}{{0}}{pattern.suffix[0]}"


def _currency_name(code: str, amount: Decimal, cldr: Locale, style: HouseStyle) -> str:
    forms = style.currency_names.get(code)
    if forms is None:
        return get_currency_name(code, count=amount, locale=cldr)
    return forms.get(cldr.plural_form(amount), forms["other"])


def _with_connector(name: str, style: HouseStyle) -> str:
    if style.connector_before_vowel and _starts_with_vowel_sound(name):
        return style.connector_before_vowel + name
    return f"{style.connector} {name}" if style.connector else name


def _starts_with_vowel_sound(word: str) -> bool:
    first, second = word[:1].lower(), word[1:2].lower()
    if not first or first not in _VOWELS:
        return False  # "y" included: "de yuans"
    # i or u before another vowel is sounded as a consonant: Catalan "de iuans".
    return not (first in "iu" and second and second in _VOWELS)
