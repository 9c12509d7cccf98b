"""The rows, messages and checks both bulk files share (SPEC sections 11, 16): see accounts.imports."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from babel import Locale
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import (
    Account,
    Market,
)
from amexprog.common.csvfiles import ErrorCollector, FileRejected, RowError, parse_amount
from amexprog.common.errors import ApplicationError
from amexprog.common.logging import mask_pans
from amexprog.common.number_formats import FileReading, parse_spreadsheet_amount

COMPANY_COLUMNS = [
    "company_number", "name", "vat_number", "market", "billing", "liability", "credit_limit", "annual_fee",
    "cash_allowed", "eurobonus_allowed", "payment_terms_days", "address_line", "postal_code", "city", "country",
    "iban", "bic",
]
CARD_COLUMNS = [
    "company_number", "employee_id", "cost_centre", "first_name", "last_name", "email", "phone", "language",
    "address_line", "postal_code", "city", "country", "liability", "billing", "cycle_day", "monthly_limit",
    "cash_enabled", "eurobonus_number",
]

# Row reasons (the "reason" of a RowError). Tests assert on these.
REQUIRED = _("required")
TOO_LONG = _("longer than {limit} characters")
NOT_A_CHOICE = _("{value!r} is not one of: {choices}")
AMOUNT_TOO_LARGE = _("{value} is too large; amounts must be below {ceiling}")
BAD_COMPANY_NUMBER = _("{value!r} is not a company number (letters, digits and dashes)")
COMPANY_NUMBER_REPEATED = _("company number {number} appears again (first on row {first_row})")
COMPANY_ALREADY_EXISTS = _("company {number} already exists")
BAD_VAT_NUMBER = _("{value!r} is not a {market} VAT number ({example})")
BAD_COUNTRY = _("{value!r} is not a two-letter ISO country code")
BAD_PAYMENT_TERMS = _("{value!r} is not a whole number of days from 1 to 90")
UNKNOWN_COMPANY = _("no company with number {number}")
NOT_YOUR_COMPANY = _("cards for company {number} cannot be ordered here")
EMPLOYEE_REPEATED = _("employee id {employee_id} appears again for company {company} (first on row {first_row})")
BAD_EMAIL = _("{value!r} is not an email address")
LANGUAGE_NOT_OF_MARKET = _("{value!r} is not a language of the {market} programme; use one of: {choices}")
ROW_REFUSED = _("refused while issuing: {reason}")
REPORT_EXISTS = _("The embossing report {path} already exists; an embossing report is never overwritten.")

VAT_PATTERNS = {
    # CVR: 8 digits; Belgian enterprise number: 10 digits starting 0 or 1. The prefix is optional.
    Market.DK: (re.compile(r"^(DK)?\d{8}$"), "DK12345678"),
    Market.BE: (re.compile(r"^(BE)?[01]\d{9}$"), "BE0123456789"),
}
COMPANY_NUMBER_RE = re.compile(r"^[A-Za-z0-9-]+$")
MIN_PAYMENT_TERMS_DAYS, MAX_PAYMENT_TERMS_DAYS = 1, 90
CYCLE_DAYS = [*range(1, 29), Account.LAST_DAY_OF_MONTH]
_COUNTRIES = frozenset(code for code in Locale("en").territories if len(code) == 2 and code.isalpha()) - {"ZZ"}

T = TypeVar("T")
Progress = Callable[[Sequence[Any]], Iterable[Any]]


def country_code_known(code: str) -> bool:
    return code in _COUNTRIES


def no_progress(items: Sequence[T]) -> Iterable[T]:
    return items


class Row:
    """One data row being checked: typed access to its fields, each failure reported once."""

    def __init__(self, number: int, values: dict[str, str], errors: ErrorCollector,
                 reading: FileReading | None = None):
        self.number = number
        self.values = values
        self._errors = errors
        self.ok = True
        self.reading = reading

    def error(self, column: str, reason: str) -> None:
        self.ok = False
        # A reason may quote the bad value; never let a card-number-shaped value reach a report.
        self._errors.add(self.number, column, mask_pans(str(reason)))

    def text(self, column: str, *, max_length: int, required: bool = False) -> str:
        value = self.values[column]
        if required and not value:
            self.error(column, str(REQUIRED))
        elif len(value) > max_length:
            self.error(column, TOO_LONG.format(limit=max_length))
        return value

    def choice(self, column: str, choices: Sequence[str], *, default: str = "") -> str:
        value = self.values[column]
        if not value:
            return default
        if value not in choices:
            self.error(column, NOT_A_CHOICE.format(value=value, choices=", ".join(choices)))
            return default
        return value

    def parsed(self, column: str, parser: Callable[[str], T], default: T) -> T:
        try:
            return parser(self.values[column])
        except ValueError as exc:
            self.error(column, str(exc))
            return default

    def amount(self, column: str, currency: str, *, max_digits: int, required: bool = True,
               allow_zero: bool = False) -> Decimal | None:
        """A positive amount in `currency` that fits the model field (`max_digits`, two decimals)."""
        value = self.values[column]
        if not value:
            if required:
                self.error(column, str(REQUIRED))
            return None
        try:
            if self.reading is None:
                amount = parse_amount(value, currency, allow_zero=allow_zero)
            else:
                amount = parse_spreadsheet_amount(value, currency, self.reading.convention, allow_zero=allow_zero)
        except ValueError as exc:
            self.error(column, str(exc))
            return None
        ceiling = Decimal(10) ** (max_digits - 2)
        if amount >= ceiling:
            self.error(column, AMOUNT_TOO_LARGE.format(value=value, ceiling=ceiling))
            return None
        return amount

    def country(self, column: str = "country") -> str:
        value = self.values[column]
        if value and not country_code_known(value):
            self.error(column, BAD_COUNTRY.format(value=value))
        return value


def refused_row(row: int, exc: Exception) -> FileRejected:
    """A row the services refused after the file passed its checks (e.g. a concurrent change)."""
    if isinstance(exc, ApplicationError):
        column, reason = str(exc.extra.get("field", "")), exc.message
    elif isinstance(exc, ValidationError):
        column = next(iter(exc.message_dict), "") if hasattr(exc, "error_dict") else ""
        reason = "; ".join(exc.messages)
    else:
        column, reason = "", str(exc)
    return FileRejected([RowError(row, column, mask_pans(ROW_REFUSED.format(reason=reason)))])
