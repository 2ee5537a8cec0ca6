"""Time expressions in English, Russian and Kazakh copy: dates, months, years, quarters, halves
and ranges, each with the word that relates it to its sentence (docs/figures.md).

A year alone is a figure only after a relation word ("in 2022", "в 2022 году", "2022 жылы"):
"the 2022 harvest" and "2022 was a record" are left to the translation.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator

from .model import DATE, DATE_RANGE, HALF, QUARTER, Figure
from .scan import Windows, having, scan

YEAR = r"(?:1[89]\d\d|20\d\d|2100)"
_Y = rf"(?P<year>{YEAR})(?!\d|[.,]\d)"

# ----------------------------------------------------------------------------- English

MONTHS_EN = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTHS_ALT = (
    r"Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|June?|July?"
    r"|Aug(?:ust|\.)?|Sep(?:t(?:ember|\.)?|\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?"
)
_MONTH_EN = rf"(?P<month>{_MONTHS_ALT})(?![a-z])"
_WEEKDAY_EN = r"(?P<weekday>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),?\s+"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_RELATION_EN = {
    "in": "in", "on": "in", "during": "in", "since": "since", "by": "by", "until": "until",
    "till": "until", "before": "before", "after": "after",
}  # fmt: skip
_REL_EN = r"(?:(?P<rel>(?i:in|on|during|since|by|until|till|before|after))\s+)?"

_DAY_MONTH_YEAR = re.compile(
    rf"\b{_REL_EN}(?:{_WEEKDAY_EN})?{_DAY}\s+(?:of\s+)?{_MONTH_EN},?\s+{_Y}"
)
_MONTH_DAY_YEAR = re.compile(
    rf"\b{_REL_EN}(?:{_WEEKDAY_EN})?{_MONTH_EN}\s+{_DAY},?\s+{_Y}"
)
_DAY_MONTH = re.compile(
    rf"\b{_REL_EN}(?:{_WEEKDAY_EN})?{_DAY}\s+(?:of\s+)?{_MONTH_EN}(?!,?\s+{YEAR}|\s*\d)"
)
_MONTH_DAY = re.compile(
    rf"\b{_REL_EN}(?:{_WEEKDAY_EN})?{_MONTH_EN}\s+{_DAY}\b(?!,?\s+{YEAR}|\s*[-–]\s*\d|:\d|\.\d)"
)
_MONTH_YEAR = re.compile(rf"\b{_REL_EN}{_MONTH_EN},?\s+(?:of\s+)?{_Y}")
# A year only after a relation word; a unit after it makes it a quantity again ("by 2000
# tonnes"), a plural noun a count ("of 2022 delegates", "by 2000 jobs").
_RELATION_YEAR_EN = re.compile(
    rf"\b(?P<rel>(?i:in|during|since|by|until|till|before|after))\s+{_Y}"
    r"(?!\s*(?:%|per\s?cent|thousand|million|billion|trillion)\b)"
    r"(?!\s+(?!(?:was|has|is|as|its|this|thus|his)\b)[a-z]+s\b)"
)
_DAY_RANGE_EN = re.compile(
    rf"\b{_REL_EN}(?:{_MONTH_EN}\s+(?P<d1>[0-3]?\d)\s*[-–]\s*(?P<d2>[0-3]?\d)(?:,\s+{_Y})?"
    rf"|(?P<e1>[0-3]?\d)\s*[-–]\s*(?P<e2>[0-3]?\d)\s+(?P<month2>{_MONTHS_ALT})(?![a-z])(?:,?\s+"
    rf"(?P<year2>{YEAR})(?!\d))?)(?![\w-])"
)
_YEAR_RANGE_EN = re.compile(
    rf"\b(?:(?P<from>(?i:from))\s+(?P<a1>{YEAR})\s+(?:to|until|till|through)\s+(?P<b1>{YEAR})"
    rf"|(?P<between>(?i:between))\s+(?P<a2>{YEAR})\s+and\s+(?P<b2>{YEAR})"
    rf"|(?:(?P<rel>(?i:in|during))\s+)?(?P<a3>{YEAR})\s*[-–]\s*(?P<b3>{YEAR}|\d\d))(?![\d\w])"
)
_ORDINALS_EN = {"first": 1, "second": 2, "third": 3, "fourth": 4}
_QUARTER_EN = re.compile(
    rf"\b{_REL_EN}(?:(?i:the)\s+)?(?:Q(?P<q>[1-4])(?:\s+{_Y})?"
    rf"|(?P<qword>first|second|third|fourth)\s+quarter(?:\s+of\s+{_Y.replace('year', 'qyear')}"
    r"|(?![\w\s]*\bof\b)))(?![\w-])"
)
_HALF_EN = re.compile(
    rf"\b{_REL_EN}(?:(?i:the)\s+)?(?:H(?P<h>[12])\s+{_Y}"
    rf"|(?P<hword>first|second)\s+half\s+of\s+{_Y.replace('year', 'hyear')})(?![\w-])"
)


_NEEDLE_MONTH_EN = re.compile(r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)")
_NEEDLE_YEAR = re.compile(rf"(?<!\d){YEAR}(?!\d)")
_NEEDLE_PERIOD_EN = re.compile(r"quarter|half|\b[QH][1-4]\b")


def dates_en(text: str, dateline_year: int | None, windows: Windows) -> Iterator[Figure]:
    year_now = dateline_year or datetime.date.today().year
    months = having(_NEEDLE_MONTH_EN, text, windows)
    years = having(_NEEDLE_YEAR, text, windows)
    periods = having(_NEEDLE_PERIOD_EN, text, windows)
    for pattern, has_year in (
        (_DAY_MONTH_YEAR, True), (_MONTH_DAY_YEAR, True), (_DAY_MONTH, False),
        (_MONTH_DAY, False),
    ):  # fmt: skip
        for m in scan(pattern, text, months):
            year = int(m["year"]) if has_year else year_now
            value = _date(year, _month_en(m["month"]), int(m["day"]))
            if value is not None:
                yield _time(DATE, m, text, _rel_en(m), value, "day", has_year=has_year,
                            weekday=bool(m["weekday"]))
    for m in scan(_MONTH_YEAR, text, months):
        value = _date(int(m["year"]), _month_en(m["month"]), 1)
        if value is not None:
            yield _time(DATE, m, text, _rel_en(m), value, "month")
    for m in scan(_RELATION_YEAR_EN, text, years):
        yield _time(DATE, m, text, _rel_en(m), datetime.date(int(m["year"]), 1, 1), "year")
    for m in scan(_DAY_RANGE_EN, text, months):
        month = _month_en(m["month"] or m["month2"])
        first, last = (m["d1"], m["d2"]) if m["d1"] else (m["e1"], m["e2"])
        year_text = m["year"] or m["year2"]
        year = int(year_text) if year_text else year_now
        start, end = _date(year, month, int(first)), _date(year, month, int(last))
        if start is not None and end is not None and start < end:
            yield _time(DATE_RANGE, m, text, _rel_en(m), start, "day", end_value=end,
                        has_year=bool(year_text))
    for m in scan(_YEAR_RANGE_EN, text, years):
        if m["from"]:
            a, b, style = m["a1"], m["b1"], "from_to"
        elif m["between"]:
            a, b, style = m["a2"], m["b2"], "between"
        else:
            a, b = m["a3"], m["b3"]
            b = a[:2] + b if len(b) == 2 else b  # 2022-24
            style = "in_dash" if m["rel"] else "dash"
        if int(a) < int(b):
            yield _time(DATE_RANGE, m, text, "", datetime.date(int(a), 1, 1), "year",
                        end_value=datetime.date(int(b), 1, 1), range_style=style)
    for m in scan(_QUARTER_EN, text, periods):
        number = int(m["q"]) if m["q"] else _ORDINALS_EN[m["qword"].lower()]
        year_text = m["year"] or m["qyear"]
        year = int(year_text) if year_text else year_now
        yield _time(QUARTER, m, text, _rel_en(m), datetime.date(year, 1, 1), None,
                    ordinal=number, has_year=bool(year_text))
    for m in scan(_HALF_EN, text, periods):
        number = int(m["h"]) if m["h"] else _ORDINALS_EN[m["hword"].lower()]
        year = int(m["year"] or m["hyear"])
        yield _time(HALF, m, text, _rel_en(m), datetime.date(year, 1, 1), None, ordinal=number)


def _month_en(name: str) -> int:
    return MONTHS_EN[name[:3].lower()]


def _rel_en(m: re.Match[str]) -> str:
    word = m.groupdict().get("rel")
    return _RELATION_EN[word.lower()] if word else ""


# ------------------------------------------------------------------------------ Russian

# Month stems: every case of a Russian month name starts with one (январь, января, январе...).
_RU_MONTH_STEMS = ("январ", "феврал", "март", "апрел", "ма", "июн", "июл", "август",
                   "сентябр", "октябр", "ноябр", "декабр")
_RU_MONTH = (
    r"(?P<month>январ[ьяеюё]|феврал[ьяеюё]|март[аеу]?|апрел[ьяеюё]|ма[йяеюё]|июн[ьяеюё]"
    r"|июл[ьяеюё]|август[аеу]?|сентябр[ьяеюё]|октябр[ьяеюё]|ноябр[ьяеюё]|декабр[ьяеюё])(?![\w])"
)
_RU_RELATIONS = {
    "в": "in", "во": "in", "в течение": "in", "с": "since", "со": "since", "к": "by", "ко": "by",
    "до": "until", "после": "after", "по": "until",
}  # fmt: skip
_REL_RU = r"(?:(?P<rel>(?i:в течение|в|во|с|со|к|ко|до|после))\s+)?"
_YEAR_WORD_RU = r"(?:года|году|год|г\.)"
_RU_WEEKDAYS = (
    r"(?P<weekday>понедельник|вторник|сред[ауы]|четверг|пятниц[ауы]|суббот[ауы]|воскресенье)"
    r",?\s+"
)

_RU_DAY = re.compile(
    rf"(?<![\w-]){_REL_RU}(?:{_RU_WEEKDAYS})?(?P<day>[0-3]?\d)\s+{_RU_MONTH}"
    rf"(?:\s+{_Y}\s*{_YEAR_WORD_RU})?(?![\w])"
)
_RU_MONTH_YEAR = re.compile(rf"(?<![\w-]){_REL_RU}{_RU_MONTH}\s+{_Y}\s*{_YEAR_WORD_RU}")
_RU_YEAR = re.compile(
    rf"(?<![\w-])(?P<rel>(?i:в течение|в|во|с|со|к|ко|до|после))\s+{_Y}\s*"
    rf"(?:года|году|год|г\.)(?![\w])"
)
_RU_ORDINALS = {"перв": 1, "втор": 2, "трет": 3, "четв": 4, "i": 1, "ii": 2, "iii": 3, "iv": 4}
_RU_QUARTER = re.compile(
    rf"(?<![\w-]){_REL_RU}(?P<ord>перв|втор|трет|четв[её]рт|IV|III|II|I)\w*\s+квартал\w*"
    rf"(?:\s+{_Y}\s*(?:года|г\.))?(?![\w])"
)
_RU_HALF = re.compile(
    rf"(?<![\w-]){_REL_RU}(?P<ord>перв|втор)\w*\s+полугоди\w*\s+{_Y}\s*(?:года|г\.)(?![\w])"
)
_RU_DAY_RANGE = re.compile(
    rf"(?<![\w-]){_REL_RU}(?P<d1>[0-3]?\d)\s*[-–—]\s*(?P<d2>[0-3]?\d)\s+{_RU_MONTH}"
    rf"(?:\s+{_Y}\s*{_YEAR_WORD_RU})?(?![\w])"
)
_RU_YEAR_RANGE = re.compile(
    rf"(?<![\w-])(?:(?P<from>(?i:с|со))\s+(?P<a1>{YEAR})\s+по\s+(?P<b1>{YEAR})\s*(?:год|гг\.)"
    rf"|(?:(?P<rel>(?i:в))\s+)?(?P<a2>{YEAR})\s*[-–—]\s*(?P<b2>{YEAR})\s*"
    rf"(?:годах|годы|годов|гг\.))(?![\w])"
)


_NEEDLE_MONTH_RU = re.compile(
    r"(?i:январ|феврал|март|апрел|ма[йяею]|июн|июл|август|сентябр|октябр|ноябр|декабр)"
)
_NEEDLE_YEAR_WORD_RU = re.compile(r"(?i:год|г\.|гг\.)")
_NEEDLE_PERIOD_RU = re.compile(r"(?i:квартал|полугоди)")


def dates_russian(
    text: str, dateline_year: int | None, windows: Windows
) -> Iterator[Figure]:
    year_now = dateline_year or datetime.date.today().year
    months = having(_NEEDLE_MONTH_RU, text, windows)
    years = having(_NEEDLE_YEAR_WORD_RU, text, windows)
    periods = having(_NEEDLE_PERIOD_RU, text, windows)
    for m in scan(_RU_DAY, text, months):
        has_year = m["year"] is not None
        value = _date(int(m["year"]) if has_year else year_now, _month_ru(m["month"]),
                      int(m["day"]))
        if value is not None:
            yield _time(DATE, m, text, _rel_ru(m), value, "day", has_year=has_year,
                        weekday=bool(m["weekday"]))
    for m in scan(_RU_MONTH_YEAR, text, months):
        value = _date(int(m["year"]), _month_ru(m["month"]), 1)
        assert value is not None  # the first of a month in a YEAR (1800-2100) always exists
        yield _time(DATE, m, text, _rel_ru(m), value, "month")
    for m in scan(_RU_YEAR, text, years):
        yield _time(DATE, m, text, _rel_ru(m), datetime.date(int(m["year"]), 1, 1), "year")
    for m in scan(_RU_QUARTER, text, periods):
        year = int(m["year"]) if m["year"] else year_now
        yield _time(QUARTER, m, text, _rel_ru(m), datetime.date(year, 1, 1), None,
                    ordinal=_ordinal_ru(m["ord"]), has_year=m["year"] is not None)
    for m in scan(_RU_HALF, text, periods):
        yield _time(HALF, m, text, _rel_ru(m), datetime.date(int(m["year"]), 1, 1), None,
                    ordinal=_ordinal_ru(m["ord"]))
    for m in scan(_RU_DAY_RANGE, text, months):
        year = int(m["year"]) if m["year"] else year_now
        month = _month_ru(m["month"])
        start, end = _date(year, month, int(m["d1"])), _date(year, month, int(m["d2"]))
        if start and end and start < end:
            yield _time(DATE_RANGE, m, text, _rel_ru(m), start, "day", end_value=end,
                        has_year=m["year"] is not None)
    for m in scan(_RU_YEAR_RANGE, text, years):
        if m["from"]:
            a, b, style = m["a1"], m["b1"], "from_to"
        else:
            a, b, style = m["a2"], m["b2"], "in_dash" if m["rel"] else "dash"
        if int(a) < int(b):
            yield _time(DATE_RANGE, m, text, "", datetime.date(int(a), 1, 1), "year",
                        end_value=datetime.date(int(b), 1, 1), range_style=style)


def _month_ru(word: str) -> int:
    low = word.lower()
    if low.startswith("ма") and not low.startswith("мар"):
        return 5
    for number, stem in enumerate(_RU_MONTH_STEMS, start=1):
        if stem != "ма" and low.startswith(stem):
            return number
    raise ValueError(word)


def _ordinal_ru(word: str) -> int:
    low = word.lower()
    return _RU_ORDINALS.get(low) or _RU_ORDINALS[low[:4]]


def _rel_ru(m: re.Match[str]) -> str:
    word = m.groupdict().get("rel")
    return _RU_RELATIONS[" ".join(word.lower().split())] if word else ""


# ------------------------------------------------------------------------------- Kazakh

_KK_MONTHS = ("қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз",
              "қыркүйек", "қазан", "қараша", "желтоқсан")
_KK_MONTH = rf"(?P<month>{'|'.join(_KK_MONTHS)})(?P<ending>[а-яәғқңөұүһі]*)"
# An ending on the last word, and the word after it, say how the time relates: -да "in",
# -дан бері "since", -ға қарай "by", -ға дейін "until", -дан кейін "after".
_KK_AFTER = r"(?:\s+(?P<post>бері|қарай|дейін|кейін))?"
_KK_WEEKDAYS = "дүйсенбі|сейсенбі|сәрсенбі|бейсенбі|жұма|сенбі|жексенбі"
_KK_DATE = re.compile(
    rf"(?<![\w-])(?:{_Y}\s*(?:жылғы|ж\.)\s+)?(?P<day>[0-3]?\d)\s+{_KK_MONTH}"
    rf"(?:,\s+(?P<weekday>{_KK_WEEKDAYS})(?P<wending>[а-яәғқңөұүһі]*))?{_KK_AFTER}(?![\w])"
)
# "2024 жылдың наурызында": the month as a possessive of the year, the same time as the house
# form "2024 жылғы наурызда".
_KK_POSSESSIVE_MONTH = _KK_MONTH.replace("month", "pmonth").replace("ending", "pending")
_KK_MONTH_YEAR = re.compile(
    rf"(?<![\w-]){_Y}\s*(?:жылғы\s+{_KK_MONTH}|жылдың\s+{_KK_POSSESSIVE_MONTH})"
    rf"{_KK_AFTER}(?![\w])"
)
_KK_YEAR = re.compile(
    rf"(?<![\w-]){_Y}\s*(?P<word>жылы|жылдан|жылға|жылдың)(?:\s+(?P<post>бері|қарай|дейін|кейін"
    r"|басында|соңында))?(?![\w])"
)
_KK_ORDINALS = {"бірінші": 1, "екінші": 2, "үшінші": 3, "төртінші": 4}
_KK_PERIOD = re.compile(
    rf"(?<![\w-]){_Y}\s*жылғы\s+(?P<ord>бірінші|екінші|үшінші|төртінші)\s+"
    rf"(?P<period>тоқсан|жартыжылдық)(?P<ending>[а-яәғқңөұүһі]*){_KK_AFTER}(?![\w])"
)
_KK_DAY_RANGE = re.compile(
    rf"(?<![\w-])(?:{_Y}\s*жылғы\s+)?(?P<d1>[0-3]?\d)\s*[-–—]\s*(?P<d2>[0-3]?\d)\s+{_KK_MONTH}"
    rf"{_KK_AFTER}(?![\w])"
)
_KK_YEAR_RANGE = re.compile(
    rf"(?<![\w-])(?P<a>{YEAR})\s*[-–—]\s*(?P<b>{YEAR})\s*(?P<word>жылдары|жылдар)(?![\w])"
)


_NEEDLE_MONTH_KK = re.compile("|".join(_KK_MONTHS))
_NEEDLE_YEAR_KK = re.compile(r"жыл")


def dates_kazakh(
    text: str, dateline_year: int | None, windows: Windows
) -> Iterator[Figure]:
    year_now = dateline_year or datetime.date.today().year
    months = having(_NEEDLE_MONTH_KK, text, windows)
    years = having(_NEEDLE_YEAR_KK, text, windows)
    for m in scan(_KK_DATE, text, months):
        ending = m["wending"] if m["weekday"] else m["ending"]
        if m["weekday"] and m["ending"]:
            continue  # an ending on the month and the weekday after it: not one date
        relation = _rel_kk(ending, m["post"])
        if relation is None:
            continue
        has_year = m["year"] is not None
        value = _date(int(m["year"]) if has_year else year_now,
                      _KK_MONTHS.index(m["month"]) + 1, int(m["day"]))
        if value is not None:
            yield _time(DATE, m, text, relation, value, "day", has_year=has_year,
                        weekday=bool(m["weekday"]))
    for m in scan(_KK_MONTH_YEAR, text, months):
        if m["month"]:
            relation, month = _rel_kk(m["ending"], m["post"]), m["month"]
        else:
            # the possessive ending -ы/-і, then the case: наурыз-ы-нда, қараша-сы-нда
            relation = _rel_kk(_KK_POSSESSIVE.sub("", m["pending"]), m["post"])
            month = m["pmonth"]
        if relation is not None:
            value = datetime.date(int(m["year"]), _KK_MONTHS.index(month) + 1, 1)
            yield _time(DATE, m, text, relation, value, "month")
    for m in scan(_KK_YEAR, text, years):
        if m["post"] in ("басында", "соңында"):
            continue  # "2022 жылдың басында": early 2022, no figure
        relation = {"жылы": "in"}.get(m["word"]) or _rel_kk(m["word"][3:], m["post"])
        if relation:
            yield _time(DATE, m, text, relation, datetime.date(int(m["year"]), 1, 1), "year")
    for m in scan(_KK_PERIOD, text, years):
        relation = _rel_kk(m["ending"], m["post"])
        if relation is not None:
            kind = QUARTER if m["period"] == "тоқсан" else HALF
            yield _time(kind, m, text, relation, datetime.date(int(m["year"]), 1, 1), None,
                        ordinal=_KK_ORDINALS[m["ord"]])
    for m in scan(_KK_DAY_RANGE, text, months):
        relation = _rel_kk(m["ending"], m["post"])
        year = int(m["year"]) if m["year"] else year_now
        month = _KK_MONTHS.index(m["month"]) + 1
        start, end = _date(year, month, int(m["d1"])), _date(year, month, int(m["d2"]))
        if relation is not None and start and end and start < end:
            yield _time(DATE_RANGE, m, text, relation, start, "day", end_value=end,
                        has_year=m["year"] is not None)
    for m in scan(_KK_YEAR_RANGE, text, years):
        if int(m["a"]) < int(m["b"]):
            style = "in_dash" if m["word"] == "жылдары" else "dash"
            yield _time(DATE_RANGE, m, text, "", datetime.date(int(m["a"]), 1, 1), "year",
                        end_value=datetime.date(int(m["b"]), 1, 1), range_style=style)


_KK_POSSESSIVE = re.compile(r"^(?:сы|сі|ы|і)(?=н)")
_KK_LOCATIVE = frozenset("да де та те нда нде".split())
_KK_ABLATIVE = frozenset("дан ден тан тен нан нен".split())
_KK_DATIVE = frozenset("ға ге қа ке на не".split())


def _rel_kk(ending: str, post: str | None) -> str | None:
    """The relation an ending and the word after it express; None for an ending that makes
    no time expression audarma renders (a genitive: "2023 жылғы 28 наурыздың")."""
    ending = ending or ""
    if not ending:
        return "" if post is None else None
    if ending in _KK_LOCATIVE and post is None:
        return "in"
    if ending in _KK_ABLATIVE:
        return {"бері": "since", "кейін": "after"}.get(post or "")
    if ending in _KK_DATIVE:
        return {"қарай": "by", "дейін": "until"}.get(post or "")
    return None


# ------------------------------------------------------------------------------ shared


def _date(year: int, month: int, day: int) -> datetime.date | None:
    try:
        return datetime.date(year, month, day)
    except ValueError:  # "31 February 2023" is a typo, not a date we can render
        return None


def _time(
    kind: str, m: re.Match[str], text: str, relation: str, value: datetime.date,
    granularity: str | None, **extra,
) -> Figure:
    start, end = m.start(), m.end()
    while start < end and text[start].isspace():
        start += 1
    before = text[max(0, start - 3) : start].rstrip(" \u00a0\t\"«“'(")
    opens = not before or before[-1] in ".!?\n:;"
    core = None
    if m.groupdict().get("rel"):
        core = m.end("rel")
        while core < end and text[core].isspace():
            core += 1
    return Figure(kind, start, end, text[start:end], relation=relation, granularity=granularity,
                  date_value=value, opens_sentence=opens, core_start=core, **extra)
