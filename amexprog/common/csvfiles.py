"""Shared rules for every CSV the product reads (SPEC sections 5, 9, 11).

A file is validated whole before anything is posted; any bad row rejects the file with a
row-by-row report (row number, column, reason). Row numbers count like a spreadsheet: the header is
row 1, the first data row is row 2. Files are read as a stream, so memory does not grow with size.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import itertools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, BinaryIO

from django.conf import settings

from amexprog.common.errors import ApplicationError
from amexprog.common.logging import mask_pans
from amexprog.common.money import has_at_most_minor_units

MAX_FIELD_CHARS = 1000
MAX_REPORTED_ERRORS = 1000

FILE_REJECTED = "The file was rejected: {count} error(s); nothing was loaded."
BAD_HEADER = "The header must be exactly: {expected}"
NOT_UTF8 = "The file is not valid UTF-8."
WRONG_FIELD_COUNT = "expected {expected} fields, found {found}"
FIELD_TOO_LONG = f"longer than {MAX_FIELD_CHARS} characters"
NUL_CHARACTER = "contains a NUL character"  # no database text column can hold one
EMPTY_FILE = "The file is empty."
NO_ROWS = "The file has a header but no rows."
FILE_ALREADY_LOADED = "This file was already loaded on {loaded_at} (same content); nothing was loaded again."


@dataclass(frozen=True)
class RowError:
    """One line of an error report. A reason often quotes the cell it refuses; a card number in it (a
    payment, rate or SAS file with a number in the wrong column) is masked here, for every importer
    (SPEC section 17, issue 15 item 12)."""

    row: int
    column: str
    reason: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "reason", mask_pans(str(self.reason)))

    def __str__(self) -> str:
        return f"row {self.row}, {self.column or 'file'}: {self.reason}"


class FileRejected(ApplicationError):
    """A whole file refused, with the row-by-row report in `errors` (and `extra`)."""

    def __init__(self, errors: list[RowError], total: int | None = None):
        total = total if total is not None else len(errors)
        shown = errors[:MAX_REPORTED_ERRORS]
        super().__init__(
            FILE_REJECTED.format(count=total),
            "file_rejected",
            {"error_count": total, "errors": [asdict(error) for error in shown]},
        )
        self.errors = shown
        self.total = total


class ErrorCollector:
    """Collects row errors while streaming; keeps the first MAX_REPORTED_ERRORS, counts them all."""

    def __init__(self) -> None:
        self.errors: list[RowError] = []
        self.total = 0

    def add(self, row: int, column: str, reason: str) -> None:
        self.total += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(row, column, reason))

    def __bool__(self) -> bool:
        return self.total > 0

    def raise_if_any(self) -> None:
        if self.total:
            raise FileRejected(self.errors, self.total)


def content_hmac_of(stream: BinaryIO) -> str:
    """HMAC-SHA256 (settings.REQUEST_HMAC_KEY) of a file that may hold card numbers: what recognises a
    file loaded twice without an unkeyed hash a one-row file's number could be guessed from (SPEC
    section 17, issue 15 item 7)."""
    digest = hmac.new(settings.REQUEST_HMAC_KEY.encode(), digestmod=hashlib.sha256)
    for chunk in iter(lambda: stream.read(1 << 20), b""):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def sha256_of(stream: BinaryIO) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(1 << 20), b""):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def open_binary(source: str | Path | BinaryIO) -> BinaryIO:
    if isinstance(source, str | Path):
        return open(source, "rb")  # noqa: SIM115 — the caller closes it
    return source


def read_rows(stream: BinaryIO, columns: list[str], errors: ErrorCollector, *,
              delimiters: tuple[str, ...] = (",",), seen: dict[str, str] | None = None,
              ) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (row number, {column: value}) for each well-formed data row; report the rest.

    A bad header or a file that is not UTF-8 stops reading (every row would be wrong). With more than
    one of `delimiters` (files a PA saves from a spreadsheet: `,` in English, `;` in Danish, Dutch and
    French; SPEC 18), the header decides which; it is put in `seen["delimiter"]`.
    """
    text: IO[str] = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
    delimiter = delimiters[0]
    if len(delimiters) > 1:
        try:
            first = text.readline()
        except UnicodeDecodeError:
            errors.add(1, "", NOT_UTF8)
            text.detach()
            return
        delimiter = max(delimiters, key=first.count)
        lines: Iterable[str] = itertools.chain([first], text)
    else:
        lines = text
    if seen is not None:
        seen["delimiter"] = delimiter
    reader = csv.reader(lines, strict=True, delimiter=delimiter)
    try:
        try:
            header = next(reader)
        except StopIteration:
            errors.add(1, "", EMPTY_FILE)
            return
        if [name.strip() for name in header] != columns:
            errors.add(1, "", BAD_HEADER.format(expected=",".join(columns)))
            return
        row_number = 1
        seen_rows = False
        for fields in reader:
            row_number = reader.line_num
            if not fields or fields == [""]:
                continue
            seen_rows = True
            if len(fields) != len(columns):
                errors.add(row_number, "", WRONG_FIELD_COUNT.format(expected=len(columns), found=len(fields)))
                continue
            too_long = [name for name, value in zip(columns, fields, strict=True) if len(value) > MAX_FIELD_CHARS]
            if too_long:
                for name in too_long:
                    errors.add(row_number, name, FIELD_TOO_LONG)
                continue
            with_nul = [name for name, value in zip(columns, fields, strict=True) if "\x00" in value]
            if with_nul:
                for name in with_nul:
                    errors.add(row_number, name, NUL_CHARACTER)
                continue
            yield row_number, dict(zip(columns, (value.strip() for value in fields), strict=True))
        if not seen_rows:
            errors.add(1, "", NO_ROWS)
    except UnicodeDecodeError:
        errors.add(reader.line_num + 1, "", NOT_UTF8)
    except csv.Error as exc:
        errors.add(reader.line_num, "", f"malformed CSV: {exc}")
    finally:
        text.detach()


# Field parsers: each returns the value or raises ValueError with a reason fit for the report.

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
TRUE_WORDS = ("true", "1", "yes")
FALSE_WORDS = ("false", "0", "no", "")


def parse_date(value: str) -> dt.date:
    """Strictly YYYY-MM-DD: date.fromisoformat alone also takes 20260311 or 2026-W11-3, which no file or
    command of ours means."""
    if _ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)")


def parse_amount(value: str, currency: str, *, allow_zero: bool = False) -> Decimal:
    """A positive amount with at most the currency's minor-unit decimals, `.` as decimal separator."""
    if not value or value[0] in "+-" or not all(ch.isdigit() or ch == "." for ch in value):
        raise ValueError(f"{value!r} is not a positive amount with '.' as decimal separator")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an amount") from None
    if amount == 0 and not allow_zero:
        raise ValueError("the amount must be greater than zero")
    if not has_at_most_minor_units(amount, currency):
        raise ValueError(f"{value} has more decimals than {currency} allows")
    return amount


def parse_bool(value: str) -> bool:
    lowered = value.lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    raise ValueError(f"{value!r} is not true or false")


def write_error_report(errors: list[RowError], total: int, path: str | Path) -> None:
    """The report as JSON ({error_count, errors: [{row, column, reason}]}) or CSV, by file extension."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = safe_csv_writer(handle)
            writer.writerow(["row", "column", "reason"])
            writer.writerows((error.row, error.column, error.reason) for error in errors)
    else:
        path.write_text(json.dumps({"error_count": total, "errors": [asdict(e) for e in errors]}, indent=2))


def currency_is_known(code: str) -> bool:
    from babel.numbers import get_currency_name

    return len(code) == 3 and code.isalpha() and code.isupper() and get_currency_name(code, locale="en") != code




# ── Writing CSV that people open in spreadsheets ─────────────────────────────────────────────────
# A cell that starts with one of these is run as a formula by Excel, LibreOffice and Google Sheets
# (CSV/formula injection, OWASP): a merchant name like "=HYPERLINK(...)" from a charge file must
# reach the PA as text. A leading apostrophe makes the spreadsheet show the text as it is.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# A plain number (what amounts look like: "-12.50", "+3", "1000") is never a formula, so it stays a
# number a spreadsheet can sum; "-2+3" or "-1E5" is not a plain number and is neutralised.
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def safe_cell(value: object) -> object:
    """`value` as it may go into a CSV cell: strings that a spreadsheet would run as a formula get a
    leading apostrophe; numbers (int, Decimal) and plain numeric strings are kept as they are."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str):
        return value
    if value.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_row(row: Iterable[object]) -> list[object]:
    return [safe_cell(value) for value in row]


class SafeCsvWriter:
    """csv.writer whose every cell goes through safe_cell. Every CSV the product writes for people
    (reports, data files, exports, error reports) uses it."""

    def __init__(self, handle: IO[str], **kwargs: object) -> None:
        self._writer = csv.writer(handle, **kwargs)  # type: ignore[arg-type]

    def writerow(self, row: Iterable[object]) -> object:
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def safe_csv_writer(handle: IO[str], **kwargs: object) -> SafeCsvWriter:
    return SafeCsvWriter(handle, **kwargs)
