"""House styles: how a desk writes figures (and chooses country names) in one language or locale.

One YAML file per language (`ru.yaml`) or locale (`en-GB.yaml`) in glossaries/styles/, looked up
most specific first (`ru-KZ` -> `ru`). A desk's own folder overrides the shipped files key by key:
a file there for `ru` replaces only the keys it gives. Every key is optional; a missing one is
plain CLDR. The shipped files name, for each rule, the agency convention it follows.
"""

from __future__ import annotations

import copy
import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NoReturn

import yaml
from babel import Locale
from babel.dates import format_date, format_skeleton

from ..locales import InvalidLanguageTag, language_of, lookup_chain, normalize_tag
from ..shipped import shipped_folder
from .model import RELATIONS

# The shipped house styles: package data in an installed wheel, glossaries/styles/ in a checkout.
DEFAULT_STYLES_DIR = shipped_folder() / "styles"

GRANULARITIES = ("day", "day_weekday", "month", "year", "quarter", "half", "day_range")
YEAR_RANGE_STYLES = ("dash", "in_dash", "from_to", "between")
DATE_FORM_KINDS = ("format", "skeleton", "pattern")
NAMED_DATE_FORMATS = ("short", "medium", "long", "full")
MONEY_STYLES = ("compact_long", "compact_short", "symbol_long", "symbol_short")
PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")
SCALES = (3, 6, 9, 12)
UNITS = ("t", "bbl", "kWh", "MW", "m3", "km2", "km", "ha")
_TOP_KEYS = ("dates", "relations", "year_ranges", "money", "percent", "points", "units",
             "numbers", "territories")
_DATE_KEYS = ("day", "day_no_year", "month", "year", "abbreviate_months", "first_day")
_MONEY_KEYS = (
    "style", "connector", "connector_before_vowel", "symbols", "names", "scale_words",
    "avoid_scales", "scale_from",
)  # fmt: skip


@dataclass(frozen=True)
class DateForm:
    kind: str  # "format" (named CLDR format) | "skeleton" | "pattern" (LDML)
    value: str


@dataclass(frozen=True)
class HouseStyle:
    """How one locale writes figures; the defaults are plain CLDR."""

    # Base forms of dates, where a desk writes them with a CLDR format, skeleton or pattern
    # (languages with cases build theirs from grammar: service/core/figures/render.py).
    dates: Mapping[str, DateForm] = field(default_factory=dict)
    abbreviate_months: str = ""  # "ap": Jan. Feb. Aug. Sept. Oct. Nov. Dec. with a day
    first_day: str = ""  # French "1er"
    # relation ("" for none) -> granularity (or "all") -> template; "{}" is the time in its
    # plain form, "{gen}", "{prep}", "{loc}"... the time in that grammatical case.
    relations: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    year_ranges: Mapping[str, str] = field(default_factory=dict)  # style -> "{a}...{b}"
    money: str = "compact_long"
    connector: str = ""
    connector_before_vowel: str = ""
    symbols: Mapping[str, str] = field(default_factory=dict)
    # currency code -> plural category -> name; "other" is always present
    currency_names: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # power of ten -> plural category -> template with "{0}" for the number
    scale_words: Mapping[int, Mapping[str, str]] = field(default_factory=dict)
    avoid_scales: frozenset[int] = frozenset()
    # Plain amounts from 10^scale_from up are written with a scale word (ru: 500 тыс.).
    scale_from: int = 0
    percent: str = ""  # "{0}%", "{0} Prozent"; empty: CLDR's percent pattern
    points: Mapping[str, str] = field(default_factory=dict)  # plural category -> template
    units: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    group_separator: str | None = None
    # CLDR's minimumGroupingDigits, which Babel ignores: 2 leaves "1200" ungrouped.
    min_grouping_digits: int = 1
    numbers_scale_from: int = 0  # zh: 10^4 and up in 万 and 亿
    # Grouping of a number before a scale word (French "1 200 milliards" but "4000 yuans").
    mantissa_grouping: int | None = None
    # ISO 3166 code -> the desk's name for a country where it differs from CLDR's
    # (Кыргызстан for CLDR's Киргизия).
    territories: Mapping[str, str] = field(default_factory=dict)

    @property
    def scale_width(self) -> Literal["short", "long"]:
        return "short" if self.money.endswith("_short") else "long"

    def template(self, relation: str, granularity: str) -> str | None:
        found = self.relations.get(relation)
        if found is None:
            return None
        return found.get(granularity) or found.get("all")


@dataclass(frozen=True)
class HouseStyles:
    """House styles by normalized tag, e.g. {"ru-RU": HouseStyle(...)}."""

    by_tag: Mapping[str, HouseStyle] = field(default_factory=dict)

    def for_locale(self, tag: str) -> HouseStyle:
        # A style is the language's whatever the script: kk-Latn writes Kazakh figures the way
        # kk does, then letter by letter in the Latin alphabet.
        for candidate in (*lookup_chain(tag), language_of(tag)):
            if candidate in self.by_tag:
                return self.by_tag[candidate]
        return HouseStyle()


def load_house_styles(
    path: str | Path | None = None, desk: str | Path | None = None
) -> HouseStyles:
    """Every `<tag>.yaml` in `path` (default: the shipped glossaries/styles/), with a desk's
    files from `desk` laid over them key by key. A malformed file raises ValueError naming the
    file and the key."""
    raw = _read_folder(Path(path) if path is not None else DEFAULT_STYLES_DIR)
    if desk is not None:
        for tag, (data, name) in _read_folder(Path(desk)).items():
            base = raw.get(tag, ({}, name))[0]
            raw[tag] = (_merge(base, data), name)
    return HouseStyles({tag: parse_style_data(data, name) for tag, (data, name) in raw.items()})


def _read_folder(folder: Path) -> dict[str, tuple[dict, str]]:
    if not folder.is_dir():
        raise ValueError(f"house style folder {folder} does not exist")
    found: dict[str, tuple[dict, str]] = {}
    for file in sorted(folder.glob("*.yaml")):
        try:
            tag = normalize_tag(file.stem)
        except InvalidLanguageTag as exc:
            raise ValueError(f"{file.name}: file name is not a language tag") from exc
        if tag in found:
            raise ValueError(f"{file.name}: a second house style for {tag}")
        try:
            data = yaml.safe_load(file.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise ValueError(f"{file.name}: not valid YAML: {exc}") from exc
        if data is not None and not isinstance(data, dict):
            raise ValueError(f"{file.name}: top level: expected a mapping")
        found[tag] = (data or {}, file.name)
    return found


def _merge(base: dict, over: dict) -> dict:
    merged = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def parse_house_style(text: str, source: str = "<style>") -> HouseStyle:
    """Build a HouseStyle from YAML text; `source` names the file in error messages."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"{source}: not valid YAML: {exc}") from exc
    return parse_style_data(data or {}, source)


def parse_style_data(data: object, source: str) -> HouseStyle:
    where = _Where(source)
    data = where.mapping(data, "", _TOP_KEYS)
    dates = where.mapping(data.get("dates", {}), "dates", _DATE_KEYS)
    return HouseStyle(
        dates={
            key: _parse_date_form(dates[key], f"dates.{key}", where)
            for key in ("day", "day_no_year", "month", "year")
            if key in dates
        },
        abbreviate_months=where.text(dates.get("abbreviate_months", ""), "dates.abbreviate_months"),
        first_day=where.text(dates.get("first_day", ""), "dates.first_day"),
        relations=_parse_relations(data.get("relations", {}), where),
        year_ranges=_parse_year_ranges(data.get("year_ranges", {}), where),
        **_parse_money(data.get("money", {}), where),
        percent=_template(data.get("percent", ""), "percent", where, optional=True),
        points=_parse_plural_templates(data.get("points", {}), "points", where),
        units=_parse_units(data.get("units", {}), where),
        **_parse_numbers(data.get("numbers", {}), where),
        territories=_parse_territories(data.get("territories", {}), where),
    )


def _parse_relations(value: object, where: _Where) -> dict[str, dict[str, str]]:
    relations = where.mapping(value, "relations")
    parsed: dict[str, dict[str, str]] = {}
    for relation, templates in relations.items():
        name = "" if relation in (None, "none") else relation
        if name not in RELATIONS:
            where.fail("relations", f"unknown relation {relation!r}; expected none, "
                                    f"{', '.join(r for r in RELATIONS if r)}")
        forms = where.mapping(templates, f"relations.{relation}", (*GRANULARITIES, "all"))
        parsed[name] = {
            key: _template(text, f"relations.{relation}.{key}", where, slot=r"\{\w*\}")
            for key, text in forms.items()
        }
    return parsed


def _parse_year_ranges(value: object, where: _Where) -> dict[str, str]:
    ranges = where.mapping(value, "year_ranges", YEAR_RANGE_STYLES)
    parsed = {}
    for key, text in ranges.items():
        template = where.text(text, f"year_ranges.{key}")
        if "{a}" not in template or "{b}" not in template:
            where.fail(f"year_ranges.{key}", 'needs "{a}" and "{b}" where the years go')
        parsed[key] = template
    return parsed


def _template(value: object, key: str, where: _Where, optional: bool = False,
              slot: str = r"\{0\}") -> str:
    text = where.text(value, key)
    if text == "" and optional:
        return text
    if not re.search(slot, text):
        where.fail(key, f"the template {text!r} has no place for the figure")
    return text


def _parse_plural_templates(value: object, key: str, where: _Where) -> dict[str, str]:
    if value == {}:
        return {}
    forms = where.plural_forms(value, key)
    for category, text in forms.items():
        _template(text, f"{key}.{category}", where)
    return dict(forms)


def _parse_units(value: object, where: _Where) -> dict[str, dict[str, str]]:
    units = where.mapping(value, "units", UNITS)
    return {code: dict(where.plural_forms(forms, f"units.{code}")) for code, forms in units.items()}


def _parse_money(value: object, where: _Where) -> dict[str, Any]:
    money = where.mapping(value, "money", _MONEY_KEYS)
    style = where.text(money.get("style", "compact_long"), "money.style")
    if style not in MONEY_STYLES:
        where.fail("money.style", f"expected one of {', '.join(MONEY_STYLES)}, got {style!r}")
    symbols = where.mapping(money.get("symbols", {}), "money.symbols")
    names = where.mapping(money.get("names", {}), "money.names")
    scale_words = where.mapping(money.get("scale_words", {}), "money.scale_words")
    avoid_scales = where.sequence(money.get("avoid_scales", []), "money.avoid_scales")
    scale_from = money.get("scale_from", 0)
    if scale_from not in (0, *SCALES, 4):
        where.fail("money.scale_from", f"expected 0, 3, 4, 6, 9 or 12, got {scale_from!r}")
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
        "scale_from": scale_from,
    }


def _parse_numbers(value: object, where: _Where) -> dict[str, Any]:
    numbers = where.mapping(
        value, "numbers",
        ("group_separator", "min_grouping_digits", "scale_from", "mantissa_grouping_digits"),
    )
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
    if "mantissa_grouping_digits" in numbers:
        digits = numbers["mantissa_grouping_digits"]
        if digits not in (1, 2, 3) or isinstance(digits, bool):
            where.fail("numbers.mantissa_grouping_digits", f"expected 1, 2 or 3, got {digits!r}")
        parsed["mantissa_grouping"] = digits
    if "scale_from" in numbers:
        if numbers["scale_from"] not in (0, 3, 4, 6):
            got = numbers["scale_from"]
            where.fail("numbers.scale_from", f"expected 0, 3, 4 or 6, got {got!r}")
        parsed["numbers_scale_from"] = numbers["scale_from"]
    return parsed


def _parse_territories(value: object, where: _Where) -> dict[str, str]:
    territories = where.mapping(value, "territories")
    english = Locale.parse("en").territories
    parsed = {}
    for code, name in territories.items():
        if not isinstance(code, str) or code not in english:
            where.fail("territories", f"{code!r} is not a CLDR territory code (e.g. KG)")
        parsed[code] = where.text(name, f"territories.{code}")
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
        format_date_form(datetime.date(2000, 1, 31), form, Locale("en"))
    except (ValueError, KeyError, TypeError) as exc:
        where.fail(f"{key}.{kind}", f"Babel cannot use {form.value!r}: {exc}")
    return form


def format_date_form(value: datetime.date, form: DateForm, cldr: Locale) -> str:
    if form.kind == "skeleton":
        return format_skeleton(form.value, value, locale=cldr)
    return format_date(value, form.value, locale=cldr)  # named format or LDML pattern


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
