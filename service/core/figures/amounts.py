"""Amounts in English, Russian and Kazakh copy: money, percentages, points, quantities and
large numbers, found with their scale words, currencies and units.

English writes 1,500.5; Russian and Kazakh 1 500,5 (a space or no-break space between groups,
a comma before decimals). Every number is bounded (at most 18 digits before the point and 6
after), so a page of digits is no figure and costs no more than the text it is in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from decimal import Decimal, localcontext

from .model import MONEY, NUMBER, PERCENT, POINTS, QUANTITY, Figure, amount_of
from .scan import Windows, having, scan

_GROUP_SPACE = "[ \u00a0\u202f]"
# No news figure has more digits than this before the point ("$999 trillion" has 15); a number
# scaled past it (24 digits and "trillion") is junk: left as written, never an error.
MAX_FIGURE_DIGITS = 24
NUMBER_EN = r"(?P<number>(?:\d{1,3}(?:,\d{3}){1,5}|\d{1,18})(?:\.\d{1,6})?)"
NUMBER_CYR = rf"(?P<number>(?:\d{{1,3}}(?:{_GROUP_SPACE}\d{{3}}){{1,5}}|\d{{1,18}})(?:,\d{{1,6}})?)"

# Scale words and abbreviations -> power of ten. English "m" and "b" count only right after a
# number next to a currency ("$400m"): on their own they are metres and bytes.
SCALES_EN = {
    "thousand": 3, "k": 3,
    "million": 6, "mn": 6, "mln": 6, "m": 6,
    "billion": 9, "bn": 9, "bln": 9, "b": 9,
    "trillion": 12, "tn": 12, "trln": 12,
}  # fmt: skip
SCALES_CYR = {
    "тыс.": 3, "тыс": 3, "тысяч": 3, "тысячи": 3, "тысяча": 3, "мың": 3,
    "млн": 6, "млн.": 6, "миллион": 6, "миллиона": 6, "миллионов": 6,
    "млрд": 9, "млрд.": 9, "миллиард": 9, "миллиарда": 9, "миллиардов": 9,
    "трлн": 12, "трлн.": 12, "триллион": 12, "триллиона": 12, "триллионов": 12,
}  # fmt: skip

SYMBOLS = {
    "US$": "USD", "HK$": "HKD", "C$": "CAD", "A$": "AUD", "S$": "SGD", "$": "USD",
    "€": "EUR", "£": "GBP", "₸": "KZT", "₽": "RUB", "CN¥": "CNY", "¥": "JPY",
    # The same signs as HTML entities, which copy from a CMS keeps even as plain text.
    "&euro;": "EUR", "&#8364;": "EUR", "&pound;": "GBP", "&#163;": "GBP", "&#36;": "USD",
    "&dollar;": "USD", "&yen;": "JPY", "&#8376;": "KZT",
}  # fmt: skip
CODES = {
    "USD": "USD", "EUR": "EUR", "GBP": "GBP", "KZT": "KZT", "CNY": "CNY", "RMB": "CNY",
    "RUB": "RUB", "JPY": "JPY", "CHF": "CHF", "Tg": "KZT",
}  # fmt: skip
WORDS_EN = {
    "us dollar": "USD", "us dollars": "USD", "dollar": "USD", "dollars": "USD",
    "euro": "EUR", "euros": "EUR",
    "pound": "GBP", "pounds": "GBP", "pounds sterling": "GBP", "sterling": "GBP",
    "tenge": "KZT", "yuan": "CNY", "renminbi": "CNY", "yen": "JPY",
    "rouble": "RUB", "roubles": "RUB", "ruble": "RUB", "rubles": "RUB",
    "swiss francs": "CHF", "francs": "CHF",
}  # fmt: skip
WORDS_CYR = {
    "доллар": "USD", "доллара": "USD", "долларов": "USD", "долларов сша": "USD",
    "доллара сша": "USD", "доллар сша": "USD", "долл.": "USD",
    "евро": "EUR", "еуро": "EUR",
    "фунт стерлингов": "GBP", "фунта стерлингов": "GBP", "фунтов стерлингов": "GBP",
    "тенге": "KZT", "теңге": "KZT",
    "юань": "CNY", "юаня": "CNY", "юаней": "CNY",
    "рубль": "RUB", "рубля": "RUB", "рублей": "RUB", "руб.": "RUB",
    "иена": "JPY", "иены": "JPY", "иен": "JPY", "йена": "JPY", "йен": "JPY",
    "швейцарских франков": "CHF", "швейцария франкі": "CHF",
}  # fmt: skip

# Units a quantity is counted in -> one code per unit.
UNITS_EN = {
    "tonnes": "t", "tonne": "t", "tons": "t", "ton": "t", "metric tons": "t", "metric ton": "t",
    "barrels": "bbl", "barrel": "bbl",
    "kilowatt-hours": "kWh", "kilowatt hours": "kWh", "kilowatt-hour": "kWh", "kwh": "kWh",
    "megawatts": "MW", "megawatt": "MW", "mw": "MW",
    "cubic metres": "m3", "cubic meters": "m3", "cubic metre": "m3", "cubic meter": "m3",
    "square kilometres": "km2", "square kilometers": "km2", "sq km": "km2", "km²": "km2",
    "kilometres": "km", "kilometers": "km", "km": "km",
    "hectares": "ha", "hectare": "ha",
}  # fmt: skip
UNITS_CYR = {
    "тонн": "t", "тонны": "t", "тонна": "t", "т": "t",
    "баррелей": "bbl", "барреля": "bbl", "баррель": "bbl",
    "кВт·ч": "kWh", "кВт-ч": "kWh", "киловатт-часов": "kWh", "киловатт-часа": "kWh",
    "кВт·сағ": "kWh", "кВт-сағ": "kWh",
    "МВт": "MW", "мегаватт": "MW",
    "кубометров": "m3", "кубометра": "m3", "куб. м": "m3", "текше метр": "m3",
    "кв. км": "km2", "квадратных километров": "km2", "квадратного километра": "km2",
    "шаршы км": "km2", "шаршы километр": "km2",
    "километров": "km", "километра": "km", "км": "km", "шақырым": "km",
    "гектаров": "ha", "гектара": "ha", "гектар": "ha", "га": "ha",
}  # fmt: skip
# "bcm": billion cubic metres, one word for an amount and its unit.
_BCM = re.compile(rf"(?<![\w.,]){NUMBER_EN}\s?bcm\b")


def alternation(words: Iterable[str]) -> str:
    """Longest first, so "US$" wins over "$" and "pounds sterling" over "pounds"."""
    return "|".join(
        re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True)
    )


def parse_number(digits: str, cyrillic: bool) -> tuple[Decimal, int]:
    """(value, digits after the decimal point) of a number as copy writes it."""
    if cyrillic:
        clean = re.sub(_GROUP_SPACE, "", digits).replace(",", ".")
    else:
        clean = digits.replace(",", "")
    return Decimal(clean), len(clean.partition(".")[2])


def amount_figure(
    kind: str, text: str, match: re.Match[str], cyrillic: bool, scale_word: str | None,
    currency: str | None = None, unit: str | None = None, scale: int | None = None,
) -> Figure:
    mantissa, decimals = parse_number(match["number"], cyrillic)
    if scale is None:
        table = SCALES_CYR if cyrillic else SCALES_EN
        scale = table[scale_word.lower()] if scale_word else 0
    # Wide enough for the largest number the patterns read (18 + 6 digits) times a trillion,
    # so quantize never runs out of precision; find_figures drops what is too large.
    with localcontext(prec=48):
        amount = mantissa.scaleb(scale)
        if amount == amount.to_integral_value():
            amount = amount.quantize(Decimal(1))  # 1.5E+9 -> 1500000000
    return Figure(
        kind, match.start(), match.end(), match.group(),
        amount=amount, decimals=decimals, scale=scale, currency=currency, unit=unit,
    )  # fmt: skip


# --------------------------------------------------------------------------------- English

_SCALE_WORD_EN = r"(?P<scale>thousand|million|billion|trillion)\b"
_MONEY_SCALE_EN = (
    rf"(?:\s*{_SCALE_WORD_EN}|\s?(?P<abbr>bn|bln|mn|mln|tn|trln)\b|(?P<short>[mbk])\b)"
)
_MONEY_BEFORE_EN = re.compile(
    rf"(?<![\w$])(?:(?P<symbol>{alternation(SYMBOLS)})\s?"
    rf"|\b(?P<code>{alternation(CODES)})\s?)"
    rf"{NUMBER_EN}{_MONEY_SCALE_EN}?(?![\w]|[.,]\d)"
)
_MONEY_AFTER_EN = re.compile(
    rf"(?<![\w.,$€£¥₸₽]){NUMBER_EN}{_MONEY_SCALE_EN}?\s+"
    rf"(?i:(?P<word>{alternation(WORDS_EN)}))\b"
)
_PERCENT_EN = re.compile(rf"(?<![\w.,]){NUMBER_EN}(?:\s?%|\s*per\s?cent\b)")
_POINTS_EN = re.compile(rf"(?<![\w.,]){NUMBER_EN}\s+percentage[\s-]points?\b")
_QUANTITY_EN = re.compile(
    rf"(?<![\w.,$€£¥₸₽]){NUMBER_EN}(?:\s*{_SCALE_WORD_EN}|\s?(?P<abbr>bn|bln|mn|mln|m|k)\b)?\s*"
    rf"(?P<unit>{alternation(UNITS_EN)})(?![\w²])",
    re.IGNORECASE,
)
_NUMBER_WORD_EN = re.compile(
    rf"(?<![\w.,$€£¥₸₽-]){NUMBER_EN}(?:\s*{_SCALE_WORD_EN})?(?![\w%]|[.,]\d|-)"
)


_NEEDLE_MONEY_EN = re.compile(
    r"[$€£₸₽¥&]|USD|EUR|GBP|KZT|CNY|RMB|RUB|JPY|CHF|Tg\b"
    r"|(?i:dollar|euro|pound|sterling|tenge|yuan|renminbi|\byen\b|rouble|ruble|franc)"
)
_NEEDLE_PERCENT_EN = re.compile(r"%|(?i:per\s?cent|percentage)")
_NEEDLE_UNIT_EN = re.compile(r"(?i:ton|barrel|watt|kwh|\bmw\b|metre|meter|\bkm|hectare|bcm|sq\b)")


def amounts_en(text: str, windows: Windows) -> Iterator[Figure]:
    money = having(_NEEDLE_MONEY_EN, text, windows)
    percent = having(_NEEDLE_PERCENT_EN, text, windows)
    units = having(_NEEDLE_UNIT_EN, text, windows)
    for m in scan(_MONEY_BEFORE_EN, text, money):
        currency = SYMBOLS.get(m["symbol"] or "") or CODES[m["code"]]
        yield amount_figure(MONEY, text, m, False, m["scale"] or m["abbr"] or m["short"],
                            currency=currency)
    for m in scan(_MONEY_AFTER_EN, text, money):
        word = " ".join(m["word"].lower().split())
        yield amount_figure(MONEY, text, m, False, m["scale"] or m["abbr"] or m["short"],
                            currency=WORDS_EN[word])
    for m in scan(_POINTS_EN, text, percent):
        yield amount_figure(POINTS, text, m, False, None)
    for m in scan(_PERCENT_EN, text, percent):
        yield amount_figure(PERCENT, text, m, False, None)
    for m in scan(_BCM, text, units):
        yield amount_figure(QUANTITY, text, m, False, None, unit="m3", scale=9)
    for m in scan(_QUANTITY_EN, text, units):
        unit = UNITS_EN[" ".join(m["unit"].lower().split())]
        yield amount_figure(QUANTITY, text, m, False, m["scale"] or m["abbr"], unit=unit)
    for m in scan(_NUMBER_WORD_EN, text, windows):
        figure = amount_figure(NUMBER, text, m, False, m["scale"])
        if _large(figure, m["number"]):
            yield figure


def _large(figure: Figure, digits: str) -> bool:
    """A count worth localizing: 1,000 and up, or any count with a scale word. An ungrouped
    four-digit number is nearly always a year or a model name."""
    if figure.scale:
        return True
    return amount_of(figure) >= 1000 and re.fullmatch(r"\d{4}", digits) is None


# ------------------------------------------------------------------- Russian and Kazakh

_SCALE_CYR = rf"(?P<scale>{alternation(SCALES_CYR)})(?![\w])"
_MONEY_AFTER_CYR = re.compile(
    rf"(?<![\w.,$€£¥₸₽]){NUMBER_CYR}(?:\s*{_SCALE_CYR})?\s*"
    rf"(?P<word>{alternation(WORDS_CYR)}|\$|€|£|₸|₽)(?![\w])",
    re.IGNORECASE,
)
_MONEY_BEFORE_CYR = re.compile(
    rf"(?<![\w$])(?P<symbol>{alternation(SYMBOLS)})\s?{NUMBER_CYR}(?:\s*{_SCALE_CYR})?(?![\w])"
)
_PERCENT_CYR = re.compile(
    rf"(?<![\w.,]){NUMBER_CYR}(?:\s?%|\s+(?:процент(?:а|ов)?|пайыз)(?![\w]))", re.IGNORECASE
)
_POINTS_CYR = re.compile(
    rf"(?<![\w.,]){NUMBER_CYR}\s+(?:п\.\s?п\.|процентн(?:ого|ых|ый) пункт(?:а|ов)?"
    rf"|пайыздық тармақ(?:қа)?)",
    re.IGNORECASE,
)
_QUANTITY_CYR = re.compile(
    rf"(?<![\w.,]){NUMBER_CYR}(?:\s*{_SCALE_CYR})?\s*(?P<unit>{alternation(UNITS_CYR)})(?![\w])"
)
_NUMBER_WORD_CYR = re.compile(
    rf"(?<![\w.,$€£¥₸₽-]){NUMBER_CYR}(?:\s*{_SCALE_CYR})?(?![\w%]|[.,]\d|-)"
)


_NEEDLE_MONEY_CYR = re.compile(
    r"[$€£₸₽¥]|(?i:доллар|долл\.|евро|еуро|фунт|тенге|теңге|юан|рубл|руб\.|иен|йен|франк)"
)
_NEEDLE_PERCENT_CYR = re.compile(r"%|(?i:процент|пайыз|п\.\s?п\.)")
_NEEDLE_UNIT_CYR = re.compile(
    r"(?i:тонн|т\b|баррел|квт|мвт|мегаватт|кубометр|куб\.|текше|кв\.|шаршы|км|километр"
    r"|шақырым|гектар|га\b)"
)


def amounts_cyrillic(text: str, windows: Windows) -> Iterator[Figure]:
    money = having(_NEEDLE_MONEY_CYR, text, windows)
    percent = having(_NEEDLE_PERCENT_CYR, text, windows)
    units = having(_NEEDLE_UNIT_CYR, text, windows)
    for m in scan(_MONEY_AFTER_CYR, text, money):
        word = " ".join(m["word"].lower().split())
        currency = WORDS_CYR.get(word) or SYMBOLS[m["word"]]
        yield amount_figure(MONEY, text, m, True, m["scale"], currency=currency)
    for m in scan(_MONEY_BEFORE_CYR, text, money):
        yield amount_figure(MONEY, text, m, True, m["scale"], currency=SYMBOLS[m["symbol"]])
    for m in scan(_POINTS_CYR, text, percent):
        yield amount_figure(POINTS, text, m, True, None)
    for m in scan(_PERCENT_CYR, text, percent):
        yield amount_figure(PERCENT, text, m, True, None)
    for m in scan(_QUANTITY_CYR, text, units):
        yield amount_figure(QUANTITY, text, m, True, m["scale"], unit=UNITS_CYR[m["unit"]])
    for m in scan(_NUMBER_WORD_CYR, text, windows):
        figure = amount_figure(NUMBER, text, m, True, m["scale"])
        digits = re.sub(_GROUP_SPACE, "", m["number"])
        if figure.scale or (amount_of(figure) >= 1000 and re.fullmatch(r"\d{4}", digits) is None):
            yield figure
