"""Reading the ECB's two CSV layouts of euro reference rates (SPEC section 6).

- `eurofxref-hist.csv`: `Date,USD,JPY,…,ZAR,` (trailing comma), ISO dates, newest first, `N/A`
  where a currency was not quoted that day.
- `eurofxref.csv`: one day, `Date, USD, JPY, …` with a space after each comma, the date written
  `30 October 2026`, and the same trailing comma.

Both are read as a stream; a malformed cell is reported by row (spreadsheet numbering: the header
is row 1) and column (the currency code), never guessed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO, BinaryIO

from amexprog.common.csvfiles import NOT_UTF8, ErrorCollector
from charges.models import RATE_DECIMAL_PLACES, RATE_MAX_DIGITS

NOT_QUOTED = {"N/A", ""}
MONTHS = {name: number for number, name in enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
     "November", "December"], start=1)}
_CURRENCY = re.compile(r"[A-Z]{3}")
_RATE = re.compile(r"[0-9]+(\.[0-9]+)?")
_LONG_DATE = re.compile(r"([0-9]{1,2}) ([A-Z][a-z]+) ([0-9]{4})")

EMPTY_FILE = "The file is empty."
BAD_HEADER = "The header must start with Date and name one 3-letter currency code per column."
DUPLICATE_CURRENCY = "{currency} appears twice in the header"
WRONG_FIELD_COUNT = "expected {expected} fields, found {found}"
BAD_DATE = "not a date (YYYY-MM-DD or '30 October 2026'): {value}"
DUPLICATE_DATE = "{date} appears twice (first on row {row})"
BAD_RATE = "not a rate per euro: {value}"
RATE_DOES_NOT_FIT = f"more than {RATE_DECIMAL_PLACES} decimals or {RATE_MAX_DIGITS - RATE_DECIMAL_PLACES} digits"
NO_DAYS = "The file has a header but no days."


@dataclass(frozen=True)
class EcbDay:
    row: int
    rate_date: dt.date
    rates: dict[str, Decimal]


def parse_ecb_date(value: str) -> dt.date:
    try:
        if "-" in value:
            if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
                raise ValueError
            return dt.date.fromisoformat(value)
        match = _LONG_DATE.fullmatch(value)
        if match is None or match.group(2) not in MONTHS:
            raise ValueError
        return dt.date(int(match.group(3)), MONTHS[match.group(2)], int(match.group(1)))
    except ValueError:
        raise ValueError(BAD_DATE.format(value=value[:40])) from None


def parse_rate(value: str) -> Decimal:
    if not _RATE.fullmatch(value):
        raise ValueError(BAD_RATE.format(value=value[:40]))
    try:
        rate = Decimal(value)
    except InvalidOperation:
        raise ValueError(BAD_RATE.format(value=value[:40])) from None
    if rate <= 0:
        raise ValueError(BAD_RATE.format(value=value[:40]))
    integer_digits = len(value.split(".")[0].lstrip("0"))
    decimals = -rate.as_tuple().exponent  # type: ignore[operator]
    if decimals > RATE_DECIMAL_PLACES or integer_digits > RATE_MAX_DIGITS - RATE_DECIMAL_PLACES:
        raise ValueError(RATE_DOES_NOT_FIT)
    return rate


def read_ecb_days(stream: BinaryIO, errors: ErrorCollector) -> Iterator[EcbDay]:
    """Yield each well-formed day of either ECB layout; report every malformed row or cell."""
    text: IO[str] = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
    reader = csv.reader(text, skipinitialspace=True, strict=True)
    try:
        try:
            header = [cell.strip() for cell in next(reader)]
        except StopIteration:
            errors.add(1, "", EMPTY_FILE)
            return
        if header and header[-1] == "":
            header = header[:-1]  # the ECB's trailing comma
        currencies = header[1:]
        if not header or header[0] != "Date" or not currencies or not all(_CURRENCY.fullmatch(c) for c in currencies):
            errors.add(1, "", BAD_HEADER)
            return
        seen_currencies: set[str] = set()
        for currency in currencies:
            if currency in seen_currencies:
                errors.add(1, currency, DUPLICATE_CURRENCY.format(currency=currency))
            seen_currencies.add(currency)
        if errors:
            return
        seen_dates: dict[dt.date, int] = {}
        for fields in reader:
            row = reader.line_num
            cells = [cell.strip() for cell in fields]
            if not cells or cells == [""]:
                continue
            if len(cells) == len(header) + 1 and cells[-1] == "":
                cells = cells[:-1]
            if len(cells) != len(header):
                errors.add(row, "", WRONG_FIELD_COUNT.format(expected=len(header), found=len(cells)))
                continue
            try:
                rate_date = parse_ecb_date(cells[0])
            except ValueError as exc:
                errors.add(row, "Date", str(exc))
                continue
            if rate_date in seen_dates:
                errors.add(row, "Date", DUPLICATE_DATE.format(date=rate_date, row=seen_dates[rate_date]))
                continue
            seen_dates[rate_date] = row
            rates: dict[str, Decimal] = {}
            bad = False
            for currency, cell in zip(currencies, cells[1:], strict=True):
                if cell in NOT_QUOTED:
                    continue
                try:
                    rates[currency] = parse_rate(cell)
                except ValueError as exc:
                    errors.add(row, currency, str(exc))
                    bad = True
            if not bad:
                yield EcbDay(row=row, rate_date=rate_date, rates=rates)
        if not seen_dates and not errors:
            errors.add(1, "", NO_DAYS)
    except UnicodeDecodeError:
        errors.add(reader.line_num + 1, "", NOT_UTF8)
    except csv.Error as exc:
        errors.add(reader.line_num, "", f"malformed CSV: {exc}")
    finally:
        text.detach()
