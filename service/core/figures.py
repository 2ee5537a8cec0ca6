"""Figures in news copy: find dates, money, percentages and large numbers in English text,
and write each one again the way a newsroom in the target locale would.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

import yaml
from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.numbers import (
    format_compact_decimal,
    format_decimal,
    format_percent,
    get_currency_name,
    get_currency_unit_pattern,
    get_group_symbol,
)

from service.core.locales import (
    InvalidLanguageTag,
    babel_locale,
    language_of,
    lookup_chain,
    normalize_tag,
)

DEFAULT_STYLES_DIR = Path(__file__).resolve().parents[2] / "glossaries" / "styles"

# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One figure found in a text; `original == text[start:end]`.

    Dates carry `date_value` and `granularity`; money, percentages and numbers carry `amount`
    (the full value: "$1.5 billion" -> 1500000000), `decimals` (digits after the point in the
    source, 1 here) and `scale` (the power of ten the source wrote as a word, 9 here).
    """

    kind: str  # "date" | "money" | "percent" | "number"
    start: int
    end: int
    original: str
    date_value: datetime.date | None = None
    granularity: str | None = None  # "day" | "month" | "year"
    amount: Decimal | None = None
    decimals: int = 0
    scale: int = 0
    currency: str | None = None  # ISO 4217

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "original": self.original,
        }
        if self.kind == "date":
            data["date"] = self.date_value.isoformat()
            data["granularity"] = self.granularity
        else:
            data["amount"] = format(self.amount, "f")
            data["decimals"] = self.decimals
            data["scale"] = self.scale
            data["currency"] = self.currency
        return data


# --------------------------------------------------------------------------------------------
# Finding figures in English
# --------------------------------------------------------------------------------------------

_MONTH = (
    r"(?P<month>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b\.?"
)
# A year is 1800-2100 and must not run on into a longer number ("2,022,000", "2022.5").
_YEAR_DIGITS = r"(?:1[89]\d\d|20\d\d|2100)(?!\d|[.,]\d)"
_YEAR = rf"(?P<year>{_YEAR_DIGITS})"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"

_DAY_MONTH_YEAR = re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}")
_MONTH_DAY_YEAR = re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}")
_MONTH_YEAR = re.compile(rf"\b{_MONTH},?\s+{_YEAR}")
# A bare four-digit number is only a year when the words before it say so; "2022 delegates"
# is a head count. A unit right after it ("by 2000 per cent") makes it a quantity again.
_NOT_A_QUANTITY = r"(?!\s*(?:%|per\s?cent|thousand|million|billion|trillion)\b)"
# After "by" and "of" a plural noun makes it a count: "cut by 2000 jobs", "of 2022 delegates".
_NOT_A_COUNT = r"(?!\s+(?!(?:was|has|is|as|its|this|thus|his)\b)[a-z]+s\b)"
_CONTEXT_YEAR = re.compile(
    r"\b(?i:in|since|until|till|from|during|before|after|through|throughout)\s+"
    rf"(?:(?:early|late|mid)[\s-])?{_YEAR}{_NOT_A_QUANTITY}"
)
_BY_OF_YEAR = re.compile(
    rf"\b(?i:by|of)\s+(?:(?:early|late|mid)[\s-])?{_YEAR}{_NOT_A_QUANTITY}{_NOT_A_COUNT}"
)
# "between 2020 and 2022": "between" alone is no sign of a year, a second year after it is.
_YEAR_RANGE = re.compile(
    rf"\b(?i:from|between)\s+(?P<first>{_YEAR_DIGITS})\s*(?:to|and|until|-|–)\s*"
    rf"{_YEAR}{_NOT_A_QUANTITY}"
)

_MONTH_NUMBERS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}

_NUMBER = r"(?P<number>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)"
_SCALE_EXPONENTS = {
    "thousand": 3, "k": 3,
    "million": 6, "m": 6, "mn": 6, "mln": 6,
    "billion": 9, "bn": 9, "b": 9,
    "trillion": 12, "tn": 12,
}  # fmt: skip
_SCALE_WORD = r"\s*(?P<scale>thousand|million|billion|trillion)\b"
# Abbreviations only count next to a currency: on their own "400m" is more often metres.
_MONEY_SCALE = rf"(?:{_SCALE_WORD}|\s?(?P<abbr>bn|mn|mln|tn)\b|(?P<short>[mbk])\b)"

_SYMBOL_CURRENCIES = {
    "US$": "USD", "HK$": "HKD", "C$": "CAD", "A$": "AUD", "S$": "SGD", "$": "USD",
    "€": "EUR", "£": "GBP", "₸": "KZT", "₽": "RUB", "CN¥": "CNY", "¥": "JPY",
}  # fmt: skip
_CODE_CURRENCIES = {
    "USD": "USD", "EUR": "EUR", "GBP": "GBP", "KZT": "KZT", "CNY": "CNY", "RMB": "CNY",
    "RUB": "RUB", "JPY": "JPY", "CHF": "CHF",
}  # fmt: skip
_WORD_CURRENCIES = {
    "us dollar": "USD", "us dollars": "USD", "dollar": "USD", "dollars": "USD",
    "euro": "EUR", "euros": "EUR",
    "pound": "GBP", "pounds": "GBP", "pounds sterling": "GBP", "sterling": "GBP",
    "tenge": "KZT", "yuan": "CNY", "renminbi": "CNY", "yen": "JPY",
    "rouble": "RUB", "roubles": "RUB", "ruble": "RUB", "rubles": "RUB",
}  # fmt: skip


def _alternation(words: Mapping[str, str]) -> str:
    # Longest first, so "US$" wins over "$" and "pounds sterling" over "pounds".
    return "|".join(
        re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True)
    )


_MONEY_BEFORE = re.compile(
    rf"(?<![\w$])(?:(?P<symbol>{_alternation(_SYMBOL_CURRENCIES)})"
    rf"|\b(?P<code>{_alternation(_CODE_CURRENCIES)})\s?)"
    rf"{_NUMBER}{_MONEY_SCALE}?(?![\w]|[.,]\d)"
)
_MONEY_AFTER = re.compile(
    rf"(?<![\w.,$€£¥₸₽]){_NUMBER}{_MONEY_SCALE}?\s+(?i:(?P<word>{_alternation(_WORD_CURRENCIES)}))\b"
)
_PERCENT = re.compile(rf"(?<![\w.,]){_NUMBER}(?:\s?%|\s*per\s?cent\b)")
_PLAIN_NUMBER = re.compile(rf"(?<![\w.,$€£¥₸₽]){_NUMBER}(?:{_SCALE_WORD})?(?![\w%]|[.,]\d)")


def find_figures(text: str, language: str = "en") -> list[Figure]:
    """All figures in `text`, sorted by start and never overlapping."""
    if language_of(language) != "en":
        raise ValueError(f"figures can only be found in English text, not {language!r}")
    # Finders go from most to least specific: on equal spans the first reading is kept.
    return _drop_contained(
        [*find_dates(text), *find_money(text), *find_percentages(text), *find_numbers(text)]
    )


def find_dates(text: str) -> list[Figure]:
    found = [
        *_dates(text, _DAY_MONTH_YEAR, "day"),
        *_dates(text, _MONTH_DAY_YEAR, "day"),
        *_dates(text, _MONTH_YEAR, "month"),
        *_dates(text, _CONTEXT_YEAR, "year"),
        *_dates(text, _BY_OF_YEAR, "year"),
        *_year_ranges(text),
    ]
    return _drop_contained(found)


def _year_ranges(text: str) -> Iterator[Figure]:
    for m in _YEAR_RANGE.finditer(text):
        for group in ("first", "year"):
            yield Figure(
                "date", m.start(group), m.end(group), m[group],
                date_value=datetime.date(int(m[group]), 1, 1), granularity="year",
            )  # fmt: skip


def _dates(text: str, pattern: re.Pattern[str], granularity: str) -> Iterator[Figure]:
    for m in pattern.finditer(text):
        groups = m.groupdict()
        month = _MONTH_NUMBERS[groups["month"][:3].lower()] if groups.get("month") else 1
        day = int(groups["day"]) if groups.get("day") else 1
        try:
            value = datetime.date(int(m["year"]), month, day)
        except ValueError:  # "31 February 2023" is a typo, not a date we can render
            continue
        # For a year in context only the year itself is the figure, not "in".
        start = m.start() if granularity != "year" else m.start("year")
        yield Figure(
            "date", start, m.end(), text[start : m.end()],
            date_value=value, granularity=granularity,
        )  # fmt: skip


def find_money(text: str) -> list[Figure]:
    found = []
    for m in _MONEY_BEFORE.finditer(text):
        currency = _SYMBOL_CURRENCIES.get(m["symbol"]) or _CODE_CURRENCIES[m["code"]]
        found.append(_amount_figure("money", text, m, currency))
    for m in _MONEY_AFTER.finditer(text):
        word = " ".join(m["word"].lower().split())
        found.append(_amount_figure("money", text, m, _WORD_CURRENCIES[word]))
    return _drop_contained(found)


def find_percentages(text: str) -> list[Figure]:
    return [_amount_figure("percent", text, m) for m in _PERCENT.finditer(text)]


def find_numbers(text: str) -> list[Figure]:
    """Large numbers: 1,000 and up, or any count with a scale word ("3 million").

    Small counts need no localizing, and an ungrouped four-digit number ("2022") is in
    English copy nearly always a year or a model name, so it is left alone too.
    """
    found = []
    for m in _PLAIN_NUMBER.finditer(text):
        figure = _amount_figure("number", text, m)
        is_bare_four_digits = re.fullmatch(r"\d{4}", m["number"]) is not None
        if figure.scale or (figure.amount >= 1000 and not is_bare_four_digits):
            found.append(figure)
    return found


def _amount_figure(kind: str, text: str, m: re.Match[str], currency: str | None = None) -> Figure:
    digits = m["number"].replace(",", "")
    mantissa = Decimal(digits)
    decimals = len(digits.partition(".")[2])
    groups = m.groupdict()
    scale_word = groups.get("scale") or groups.get("abbr") or groups.get("short")
    scale = _SCALE_EXPONENTS[scale_word.lower()] if scale_word else 0
    amount = mantissa.scaleb(scale)
    if amount == amount.to_integral_value():
        amount = amount.quantize(Decimal(1))  # 1.5E+9 -> 1500000000
    return Figure(
        kind, m.start(), m.end(), m.group(),
        amount=amount, decimals=decimals, scale=scale, currency=currency,
    )  # fmt: skip


def _drop_contained(figures: list[Figure]) -> list[Figure]:
    """Several patterns may read the same words; keep the widest reading of each span.

    "500,000 tenge" is money and "500,000" inside it is no second figure. The sort is
    stable, so of two readings of the same span the one listed first wins.
    """
    figures = sorted(figures, key=lambda f: (f.start, -f.end))
    kept: list[Figure] = []
    for figure in figures:
        if not kept or figure.start >= kept[-1].end:
            kept.append(figure)
    return kept


# --------------------------------------------------------------------------------------------
# House styles
# --------------------------------------------------------------------------------------------

GRANULARITIES = ("day", "month", "year")
DATE_FORM_KINDS = ("format", "skeleton", "pattern")
NAMED_DATE_FORMATS = ("short", "medium", "long", "full")
MONEY_STYLES = ("compact_long", "compact_short", "symbol_long", "symbol_short")
PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")
SCALES = (3, 6, 9, 12)
_MONEY_KEYS = (
    "style", "connector", "connector_before_vowel", "symbols", "names", "scale_words",
    "avoid_scales",
)  # fmt: skip


@dataclass(frozen=True)
class DateForm:
    kind: str  # "format" (named CLDR format) | "skeleton" | "pattern" (LDML)
    value: str


_CLDR_DATES = {
    "day": DateForm("format", "long"),
    "month": DateForm("skeleton", "yMMMM"),
    "year": DateForm("skeleton", "y"),
}


@dataclass(frozen=True)
class HouseStyle:
    """How one locale writes figures; the defaults are plain CLDR."""

    dates: Mapping[str, DateForm] = field(default_factory=lambda: dict(_CLDR_DATES))
    money: str = "compact_long"
    connector: str = ""
    connector_before_vowel: str = ""
    symbols: Mapping[str, str] = field(default_factory=dict)
    # currency code -> plural category -> name; "other" is always present
    currency_names: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # power of ten -> plural category -> template with "{0}" for the number
    scale_words: Mapping[int, Mapping[str, str]] = field(default_factory=dict)
    avoid_scales: frozenset[int] = frozenset()
    group_separator: str | None = None
    # CLDR's minimumGroupingDigits, which Babel ignores: 2 leaves "1200" ungrouped.
    min_grouping_digits: int = 1
    # ISO 3166 code -> the desk's name for a country where it differs from CLDR's
    # (Кыргызстан for CLDR's Киргизия).
    territories: Mapping[str, str] = field(default_factory=dict)

    @property
    def scale_width(self) -> str:
        return "short" if self.money.endswith("_short") else "long"


@dataclass(frozen=True)
class HouseStyles:
    """House styles by normalized tag, e.g. {"ru-RU": HouseStyle(...)}."""

    by_tag: Mapping[str, HouseStyle] = field(default_factory=dict)

    def for_locale(self, tag: str) -> HouseStyle:
        for candidate in lookup_chain(tag):
            if candidate in self.by_tag:
                return self.by_tag[candidate]
        return HouseStyle()


def load_house_styles(path: str | Path | None = None) -> HouseStyles:
    """Read every `<tag>.yaml` in the folder; a malformed file raises ValueError."""
    folder = Path(path) if path is not None else DEFAULT_STYLES_DIR
    if not folder.is_dir():
        raise ValueError(f"house style folder {folder} does not exist")
    by_tag: dict[str, HouseStyle] = {}
    for file in sorted(folder.glob("*.yaml")):
        try:
            tag = normalize_tag(file.stem)
        except InvalidLanguageTag as exc:
            raise ValueError(f"{file.name}: file name is not a language tag") from exc
        if tag in by_tag:
            raise ValueError(f"{file.name}: a second house style for {tag}")
        by_tag[tag] = parse_house_style(file.read_text(encoding="utf-8"), file.name)
    return HouseStyles(by_tag)


def parse_house_style(text: str, source: str = "<style>") -> HouseStyle:
    """Build a HouseStyle from YAML text; `source` names the file in error messages."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"{source}: not valid YAML: {exc}") from exc
    if data is None:
        return HouseStyle()
    where = _Where(source)
    data = where.mapping(data, "", ("dates", "money", "numbers", "territories"))
    return HouseStyle(
        dates=_parse_dates(data.get("dates", {}), where),
        **_parse_money(data.get("money", {}), where),
        **_parse_numbers(data.get("numbers", {}), where),
        territories=_parse_territories(data.get("territories", {}), where),
    )


def _parse_territories(value: object, where: _Where) -> dict[str, str]:
    territories = where.mapping(value, "territories")
    english = Locale.parse("en").territories
    parsed = {}
    for code, name in territories.items():
        if not isinstance(code, str) or code not in english:
            where.fail("territories", f"{code!r} is not a CLDR territory code (e.g. KG)")
        parsed[code] = where.text(name, f"territories.{code}")
    return parsed


def _parse_dates(value: object, where: _Where) -> dict[str, DateForm]:
    dates = where.mapping(value, "dates", GRANULARITIES)
    return {
        g: _parse_date_form(dates[g], f"dates.{g}", where) if g in dates else _CLDR_DATES[g]
        for g in GRANULARITIES
    }


def _parse_money(value: object, where: _Where) -> dict[str, Any]:
    money = where.mapping(value, "money", _MONEY_KEYS)
    style = where.text(money.get("style", "compact_long"), "money.style")
    if style not in MONEY_STYLES:
        where.fail("money.style", f"expected one of {', '.join(MONEY_STYLES)}, got {style!r}")
    symbols = where.mapping(money.get("symbols", {}), "money.symbols")
    names = where.mapping(money.get("names", {}), "money.names")
    scale_words = where.mapping(money.get("scale_words", {}), "money.scale_words")
    avoid_scales = where.sequence(money.get("avoid_scales", []), "money.avoid_scales")
    return {
        "money": style,
        "connector": where.text(money.get("connector", ""), "money.connector"),
        "connector_before_vowel": where.text(
            money.get("connector_before_vowel", ""), "money.connector_before_vowel"
        ),
        "symbols": {
            where.currency(code, "money.symbols"): where.text(symbol, f"money.symbols.{code}")
            for code, symbol in symbols.items()
        },
        "currency_names": {
            where.currency(code, "money.names"): where.plural_forms(forms, f"money.names.{code}")
            for code, forms in names.items()
        },
        "scale_words": {
            where.scale(scale, "money.scale_words"): _parse_scale_word(
                forms, f"money.scale_words.{scale}", where
            )
            for scale, forms in scale_words.items()
        },
        "avoid_scales": frozenset(where.scale(s, "money.avoid_scales") for s in avoid_scales),
    }


def _parse_numbers(value: object, where: _Where) -> dict[str, Any]:
    numbers = where.mapping(value, "numbers", ("group_separator", "min_grouping_digits"))
    parsed: dict[str, Any] = {}
    if "group_separator" in numbers:
        parsed["group_separator"] = where.text(
            numbers["group_separator"], "numbers.group_separator"
        )
    if "min_grouping_digits" in numbers:
        digits = numbers["min_grouping_digits"]
        if digits not in (1, 2, 3) or isinstance(digits, bool):
            where.fail("numbers.min_grouping_digits", f"expected 1, 2 or 3, got {digits!r}")
        parsed["min_grouping_digits"] = digits
    return parsed


def _parse_date_form(value: object, key: str, where: _Where) -> DateForm:
    value = where.mapping(value, key, DATE_FORM_KINDS)
    if len(value) != 1:
        where.fail(key, f"give exactly one of {', '.join(DATE_FORM_KINDS)}")
    [(kind, text)] = value.items()
    form = DateForm(kind, where.text(text, f"{key}.{kind}"))
    if kind == "format" and form.value not in NAMED_DATE_FORMATS:
        where.fail(f"{key}.format", f"expected one of {', '.join(NAMED_DATE_FORMATS)}")
    try:
        _format_date_form(datetime.date(2000, 1, 31), form, Locale("en"))
    except (ValueError, KeyError, TypeError) as exc:
        where.fail(f"{key}.{kind}", f"Babel cannot use {form.value!r}: {exc}")
    return form


def _parse_scale_word(value: object, key: str, where: _Where) -> Mapping[str, str]:
    forms = where.plural_forms(value, key)
    if not all("{0}" in template for template in forms.values()):
        where.fail(key, 'each form needs "{0}" where the number goes, e.g. "{0}bn"')
    return forms


@dataclass(frozen=True)
class _Where:
    """Checks one style file's values and names the file and key when one is wrong."""

    source: str

    def fail(self, key: str, problem: str) -> NoReturn:
        raise ValueError(f"{self.source}: {key or 'top level'}: {problem}")

    def mapping(self, value: object, key: str, allowed: tuple[str, ...] = ()) -> dict:
        if not isinstance(value, dict):
            self.fail(key, f"expected a mapping, got {type(value).__name__}")
        unknown = [k for k in value if k not in allowed] if allowed else []
        if unknown:
            # A misspelt key would otherwise be ignored and the editor never learn why.
            self.fail(key, f"unknown key {unknown[0]!r}; expected one of {', '.join(allowed)}")
        return value

    def sequence(self, value: object, key: str) -> list:
        if not isinstance(value, list):
            self.fail(key, f"expected a list, got {type(value).__name__}")
        return value

    def text(self, value: object, key: str) -> str:
        if not isinstance(value, str):
            self.fail(key, f"expected text, got {type(value).__name__}")
        return value

    def currency(self, code: object, key: str) -> str:
        if not (isinstance(code, str) and re.fullmatch(r"[A-Z]{3}", code)):
            self.fail(key, f"{code!r} is not an ISO 4217 currency code")
        return code

    def scale(self, value: object, key: str) -> int:
        if value not in SCALES:
            self.fail(key, f"{value!r} is not one of the scales {', '.join(map(str, SCALES))}")
        return value

    def plural_forms(self, value: object, key: str) -> Mapping[str, str]:
        if isinstance(value, str):
            return {"other": value}
        forms = self.mapping(value, key, PLURAL_CATEGORIES)
        if "other" not in forms:
            self.fail(key, "plural forms need an 'other' entry")
        return {category: self.text(form, f"{key}.{category}") for category, form in forms.items()}


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------

# In French, Spanish and Catalan "thousand" is a numeral ("3 mille euros") while million and
# up are nouns that take the connector ("3 millions d'euros").
_FIRST_NOUN_SCALE = 6
_VOWELS = "aeiouàâäéèêëîïíòóôöùúûü"


def render_figure(figure: Figure, locale: str, styles: HouseStyles | None = None) -> str:
    """The figure as `locale` news copy writes it.

    Without `styles` the repository's house styles are read on every call; callers rendering
    many figures should load them once and pass them in.
    """
    if styles is None:
        styles = load_house_styles()
    style = styles.for_locale(normalize_tag(locale))
    render = {
        "date": render_date,
        "money": render_money,
        "percent": render_percent,
        "number": render_number,
    }[figure.kind]
    return render(figure, locale, style)


def render_date(figure: Figure, locale: str, style: HouseStyle | None = None) -> str:
    form = (style or HouseStyle()).dates[figure.granularity]
    return _format_date_form(figure.date_value, form, babel_locale(locale))


def render_percent(figure: Figure, locale: str, style: HouseStyle | None = None) -> str:
    # Without quantization Babel prints the digits the value has, so 18.5 stays 18.5.
    return format_percent(
        figure.amount / 100, locale=babel_locale(locale), decimal_quantization=False
    )


def render_number(figure: Figure, locale: str, style: HouseStyle | None = None) -> str:
    return _amount_text(figure, babel_locale(locale), style or HouseStyle())


def render_money(figure: Figure, locale: str, style: HouseStyle | None = None) -> str:
    style = style or HouseStyle()
    cldr = babel_locale(locale)
    number = _amount_text(figure, cldr, style)
    symbol = style.symbols.get(figure.currency) if style.money.startswith("symbol_") else None
    if symbol:
        return symbol + number
    name = _currency_name(figure.currency, figure.amount, cldr, style)
    if figure.scale and _display_scale(figure.amount, style) >= _FIRST_NOUN_SCALE:
        name = _with_connector(name, style)
    # CLDR picks the unit pattern and the plural by the whole amount: "21 млн долларов" is
    # genitive plural because 21 000 000 is, although 21 on its own would take "доллар".
    unit_pattern = get_currency_unit_pattern(figure.currency, count=figure.amount, locale=cldr)
    return unit_pattern.replace("{0}", number).replace("{1}", name)


def _format_date_form(value: datetime.date, form: DateForm, cldr: Locale) -> str:
    if form.kind == "skeleton":
        return format_skeleton(form.value, value, locale=cldr)
    return format_date(value, form.value, locale=cldr)  # named format or LDML pattern


def _amount_text(figure: Figure, cldr: Locale, style: HouseStyle) -> str:
    """The number part: "24 млрд", "24 000 millones", "500 000"."""
    amount = figure.amount
    if not figure.scale:
        # The source wrote every digit ("KZT 500,000"); so do we.
        return _plain_number(amount, cldr, style)
    scale = _display_scale(amount, style)
    if scale == 0:
        return _plain_number(amount, cldr, style)
    if scale in style.scale_words or scale != _natural_scale(amount):
        return _number_in_scale(amount, scale, cldr, style)
    return format_compact_decimal(
        amount,
        format_type=style.scale_width,
        fraction_digits=_fraction_digits(figure),
        locale=cldr,
    )


def _natural_scale(amount: Decimal) -> int:
    return max((s for s in SCALES if abs(amount) >= Decimal(10) ** s), default=0)


def _display_scale(amount: Decimal, style: HouseStyle) -> int:
    """The scale word to write: Spanish house style writes 24 000 millones, not 24 mil millones."""
    scale = _natural_scale(amount)
    while scale in style.avoid_scales:
        scale -= 3
    return scale


def _fraction_digits(figure: Figure) -> int:
    # The locale may divide by another power of ten than the source did (zh: 10^4 and 10^8,
    # "1.25 billion" -> "12.5亿"), so a fixed count of decimals can round away a digit. Babel
    # drops trailing zeros, so asking for digits down to the source's last place is exact.
    last_place = figure.scale - figure.decimals
    return max(0, 15 - last_place)


def _plain_number(amount: Decimal, cldr: Locale, style: HouseStyle) -> str:
    grouped = abs(amount) >= Decimal(10) ** (2 + style.min_grouping_digits)
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
    return template.replace("{0}", _plain_number(mantissa, cldr, style))


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
