"""Amounts as spreadsheets write them (SPEC 18: "uploads accept both conventions and say which they
read; an amount like `10.000` that is ambiguous is an error, never a guess").

Two conventions: decimal point with `,` grouping (`1,234.56`, English) and decimal comma with `.` or
space grouping (`1.234,56`, Danish, Dutch, French). A file's convention is the one the PA states, else
the one its amounts show; a cell that reads differently in the two (`10.000`, `1,234`) is an error
while the file's convention is unknown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import BinaryIO

from django.db import models
from django.utils.translation import gettext_lazy as _

from amexprog.common.csvfiles import ErrorCollector, read_rows
from amexprog.common.money import minor_unit_exponent


class NumberConvention(models.TextChoices):
    POINT = "point", _("1,234.56 (decimal point)")
    COMMA = "comma", _("1.234,56 (decimal comma)")


_POINT = re.compile(r"(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<dec>\d+))?")
_COMMA = re.compile(r"(?P<int>\d{1,3}(?:[. \u00a0\u202f]\d{3})+|\d+)(?:,(?P<dec>\d+))?")

AMBIGUOUS = _("{value!r} can be read two ways (decimal point or decimal comma); write it without a "
              "thousands separator ({plain}) or choose the file's number format")
CONFLICTING = _("{value!r} is written with a {this}, but this file's amounts use a {other}")
NOT_AN_AMOUNT = _("{value!r} is not a positive amount")
TOO_MANY_DECIMALS = _("{value} has more decimals than {currency} allows")
ZERO = _("the amount must be greater than zero")

SEPARATOR_NAMES = {NumberConvention.POINT: _("decimal point"), NumberConvention.COMMA: _("decimal comma")}


def _reading(value: str, pattern: re.Pattern[str]) -> tuple[Decimal, int] | None:
    match = pattern.fullmatch(value)
    if match is None:
        return None
    digits = re.sub(r"\D", "", match["int"])
    decimals = match["dec"] or ""
    return Decimal(f"{digits}.{decimals}" if decimals else digits), len(decimals)


def amount_evidence(value: str) -> NumberConvention | None | str:
    """The convention a cell shows: POINT, COMMA, None (reads the same either way), "ambiguous" (reads
    differently) or "invalid" (reads in neither)."""
    point, comma = _reading(value, _POINT), _reading(value, _COMMA)
    if point is None and comma is None:
        return "invalid"
    if comma is None:
        return NumberConvention.POINT
    if point is None:
        return NumberConvention.COMMA
    return None if point[0] == comma[0] else "ambiguous"


def file_convention(values: Iterable[str]) -> tuple[NumberConvention | None, bool]:
    """(the convention the amounts show, whether they show both). Empty cells are skipped."""
    seen = {evidence for value in values if value
            if (evidence := amount_evidence(value)) in (NumberConvention.POINT, NumberConvention.COMMA)}
    if len(seen) == 1:
        return next(iter(seen)), False
    return None, len(seen) > 1


def parse_spreadsheet_amount(value: str, currency: str, convention: NumberConvention | None, *,
                             allow_zero: bool = False) -> Decimal:
    """A positive amount as written in a spreadsheet of `convention` (None: not known, so only amounts
    that read the same in both conventions are taken). Raises ValueError with the report's reason."""
    evidence = amount_evidence(value)
    if evidence == "invalid":
        raise ValueError(NOT_AN_AMOUNT.format(value=value))
    if convention is None and evidence == "ambiguous":
        raise ValueError(AMBIGUOUS.format(value=value, plain=re.sub(r"\D", "", value)))
    if convention is not None and evidence in SEPARATOR_NAMES and evidence != convention:
        raise ValueError(CONFLICTING.format(value=value, this=SEPARATOR_NAMES[evidence],
                                            other=SEPARATOR_NAMES[convention]))
    used = convention or evidence or NumberConvention.POINT
    reading = _reading(value, _POINT if used == NumberConvention.POINT else _COMMA)
    assert reading is not None
    amount, decimals = reading
    if decimals > -minor_unit_exponent(currency).as_tuple().exponent:
        raise ValueError(TOO_MANY_DECIMALS.format(value=value, currency=currency))
    if amount == 0 and not allow_zero:
        raise ValueError(str(ZERO))
    return amount


SPREADSHEET_DELIMITERS = (",", ";")


@dataclass(frozen=True)
class FileReading:
    """How a file a PA saved from a spreadsheet was read (SPEC 18): its column separator and the number
    format of its amounts, as stated on upload or as its amounts show (None: none of them needed one)."""

    delimiter: str
    convention: NumberConvention | None
    stated: bool = False
    mixed: bool = False

    @property
    def convention_label(self) -> str:
        return str(self.convention.label) if self.convention is not None else ""


def file_reading(stream: BinaryIO, columns: list[str], amount_columns: Sequence[str],
                 stated: NumberConvention | None = None) -> FileReading:
    """A first pass over the file: which separator and number format it uses. The stream is rewound."""
    seen: dict[str, str] = {}
    values: list[str] = []
    for _number, row in read_rows(stream, columns, ErrorCollector(), delimiters=SPREADSHEET_DELIMITERS, seen=seen):
        values.extend(row[column] for column in amount_columns)
    stream.seek(0)
    found, mixed = file_convention(values)
    return FileReading(delimiter=seen.get("delimiter", ","), convention=stated or found,
                       stated=stated is not None, mixed=mixed and stated is None)
