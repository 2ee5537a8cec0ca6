"""A figure found in copy: what it is, where it stands, and the value it carries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

# Kinds of figure (docs/figures.md).
DATE, DATE_RANGE, QUARTER, HALF = "date", "date_range", "quarter", "half"
MONEY, PERCENT, POINTS, QUANTITY, NUMBER = "money", "percent", "points", "quantity", "number"
TIME_KINDS = frozenset({DATE, DATE_RANGE, QUARTER, HALF})

# How a time expression relates to its sentence: the word before it in English and Russian, an
# ending and a word after it in Kazakh. "" is no relation word at all.
RELATIONS = ("", "in", "since", "by", "until", "before", "after")


@dataclass(frozen=True)
class Figure:
    """One figure; `original == text[start:end]`.

    Dates carry `date_value` and `granularity` (day, month, year); a range also `end_value`
    and, for years, `range_style` (dash, in_dash, from_to, between). Quarters and halves carry
    `ordinal` and the year in `date_value`. Amounts carry `amount` (the full value: "$1.5
    billion" -> 1500000000), `decimals` (digits after the point in the source), `scale` (the
    power of ten the source wrote as a word) and `currency` or `unit`.
    """

    kind: str
    start: int
    end: int
    original: str
    relation: str = ""
    granularity: str | None = None  # day | month | year
    date_value: datetime.date | None = None
    end_value: datetime.date | None = None
    has_year: bool = True
    weekday: bool = False
    range_style: str = ""
    ordinal: int = 0
    amount: Decimal | None = None
    decimals: int = 0
    scale: int = 0
    currency: str | None = None  # ISO 4217
    unit: str | None = None  # t, bbl, kWh, MW, m3, km2, km, ha
    opens_sentence: bool = False  # "On 28 March..." at a sentence start keeps its capital
    core_start: int | None = None  # where the time starts after its relation word ("in ")

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "original": self.original,
        }
        if self.kind in TIME_KINDS:
            if self.relation:
                data["relation"] = self.relation
            if self.date_value is not None:
                data["date"] = self.date_value.isoformat()
            if self.end_value is not None:
                data["end_date"] = self.end_value.isoformat()
            if self.granularity:
                data["granularity"] = self.granularity
            if self.ordinal:
                data["ordinal"] = self.ordinal
            if not self.has_year:
                data["has_year"] = False
        else:
            data["amount"] = format(self.amount, "f")
            data["decimals"] = self.decimals
            data["scale"] = self.scale
            if self.currency:
                data["currency"] = self.currency
            if self.unit:
                data["unit"] = self.unit
        return data


# The values a kind of figure always carries, typed as present. figures/dates.py builds every
# time figure with a date (and a range with its end), figures/amounts.py every amount with its
# value; these say so to the type checker where a renderer reads them.


def date_of(figure: Figure) -> datetime.date:
    """The date of a time figure (its year for a quarter, a half or a year)."""
    assert figure.date_value is not None, figure
    return figure.date_value


def end_of(figure: Figure) -> datetime.date:
    """The last date of a date range."""
    assert figure.end_value is not None, figure
    return figure.end_value


def amount_of(figure: Figure) -> Decimal:
    """The full value of an amount ("$1.5 billion" -> 1500000000)."""
    assert figure.amount is not None, figure
    return figure.amount


def currency_of(figure: Figure) -> str:
    """The ISO 4217 code of a money figure."""
    assert figure.currency is not None, figure
    return figure.currency


def unit_of(figure: Figure) -> str:
    """The unit code of a quantity."""
    assert figure.unit is not None, figure
    return figure.unit
