"""Bulk files that onboard companies and order cards (SPEC sections 11 and 16).

Both follow the shared CSV rules of `amexprog.common.csvfiles`: the whole file is checked first and
any bad row rejects it with a row-by-row report (row, column, reason) and nothing written; a good
file is then written in one transaction through the same services the API and the portal use
(`company_create`, `card_order`), so a bulk row obeys exactly the rules of a single one.

Full card numbers exist only in memory between `card_order` and the embossing report; they are
never part of a summary, a log line or an error report. The report is encrypted to the embosser's age
key under production settings (accounts.embosser_key, issue 15 item 6).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, BinaryIO, TypeVar

from babel import Locale
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from moneyed import Money
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from accounts.embosser_key import embosser_key_required, sealed
from accounts.embossing import card_order_embossed
from accounts.models import (
    MARKET_CURRENCY,
    MARKET_LANGUAGES,
    MAX_ANNUAL_FEE_DKK,
    Account,
    BillingType,
    Card,
    Cardmember,
    Company,
    Language,
    Liability,
    Market,
)
from accounts.services import (
    ANNUAL_FEE_TOO_HIGH,
    BAD_CYCLE_DAY,
    CARDMEMBER_EXISTS,
    CASH_NOT_ALLOWED,
    COMPANY_NOT_ACTIVE,
    EUROBONUS_NOT_ALLOWED,
    INVALID_BIC,
    INVALID_IBAN,
    CardOrder,
    IssuedCard,
    card_order,
    company_create,
    eurobonus_number_normalised,
)
from amexprog.common.csvfiles import ErrorCollector, FileRejected, RowError, parse_amount, parse_bool, read_rows
from amexprog.common.errors import ApplicationError
from amexprog.common.logging import mask_pans
from amexprog.common.number_formats import FileReading, NumberConvention, file_reading, parse_spreadsheet_amount

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


def _no_progress(items: Sequence[T]) -> Iterable[T]:
    return items


class _Row:
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


def _refused_row(row: int, exc: Exception) -> FileRejected:
    """A row the services refused after the file passed its checks (e.g. a concurrent change)."""
    if isinstance(exc, ApplicationError):
        column, reason = str(exc.extra.get("field", "")), exc.message
    elif isinstance(exc, ValidationError):
        column = next(iter(exc.message_dict), "") if hasattr(exc, "error_dict") else ""
        reason = "; ".join(exc.messages)
    else:
        column, reason = "", str(exc)
    return FileRejected([RowError(row, column, mask_pans(ROW_REFUSED.format(reason=reason)))])


# ---------------------------------------------------------------------------------------------------
# Companies


@dataclass(frozen=True)
class _CompanyRow:
    row: int
    fields: dict[str, Any]


@dataclass(frozen=True)
class CompaniesImportSummary:
    companies: list[Company]

    @property
    def count(self) -> int:
        return len(self.companies)

    def __str__(self) -> str:
        by_market: dict[str, int] = {}
        for company in self.companies:
            by_market[company.market] = by_market.get(company.market, 0) + 1
        markets = ", ".join(f"{market}: {count}" for market, count in sorted(by_market.items()))
        return f"Created {self.count} company(ies) ({markets})."


def _company_fields(row: _Row, seen: dict[str, int], existing: Callable[[str], bool]) -> dict[str, Any]:
    number = row.text("company_number", max_length=20, required=True)
    if number and len(number) <= 20:
        if not COMPANY_NUMBER_RE.match(number):
            row.error("company_number", BAD_COMPANY_NUMBER.format(value=number))
        elif number in seen:
            row.error("company_number", COMPANY_NUMBER_REPEATED.format(number=number, first_row=seen[number]))
        elif existing(number):
            row.error("company_number", COMPANY_ALREADY_EXISTS.format(number=number))
        seen.setdefault(number, row.number)
    legal_name = row.text("name", max_length=200, required=True)
    market = row.values["market"]
    if not market:
        row.error("market", str(REQUIRED))
    elif market not in Market.values:
        row.error("market", NOT_A_CHOICE.format(value=market, choices=", ".join(Market.values)))
        market = ""
    vat_number = row.text("vat_number", max_length=32, required=True)
    if vat_number and market:
        pattern, example = VAT_PATTERNS[Market(market)]
        if not pattern.match(vat_number):
            row.error("vat_number", BAD_VAT_NUMBER.format(value=vat_number, market=market, example=example))
    billing = row.choice("billing", BillingType.values, default=BillingType.INDIVIDUAL)
    liability = row.choice("liability", Liability.values, default=Liability.CORPORATE)
    # Both markets' currencies have two decimals; an unknown market is reported above.
    currency = MARKET_CURRENCY[Market(market)] if market else "DKK"
    credit_limit = row.amount("credit_limit", currency, max_digits=14)
    annual_fee = row.amount("annual_fee", currency, max_digits=10, allow_zero=True)
    if market == Market.DK and annual_fee is not None and annual_fee > MAX_ANNUAL_FEE_DKK:
        row.error("annual_fee", str(ANNUAL_FEE_TOO_HIGH))
    cash_allowed = row.parsed("cash_allowed", parse_bool, False)
    eurobonus_allowed = row.parsed("eurobonus_allowed", parse_bool, False)
    payment_terms_days = row.parsed("payment_terms_days", _payment_terms, 28)
    address_line = row.text("address_line", max_length=200)
    postal_code = row.text("postal_code", max_length=20)
    city = row.text("city", max_length=100)
    country = row.country()
    iban = _iban(row)
    bic = _bic(row)
    return {
        "number": number, "legal_name": legal_name, "vat_number": vat_number, "market": market,
        "billing_type": billing, "default_liability": liability,
        "credit_limit": Money(credit_limit, currency) if credit_limit is not None else None,
        "annual_fee": Money(annual_fee, currency) if annual_fee is not None else None,
        "cash_allowed": cash_allowed, "eurobonus_allowed": eurobonus_allowed,
        "payment_terms_days": payment_terms_days, "address_line": address_line, "postal_code": postal_code,
        "city": city, "country": country, "iban": iban, "bic": bic,
    }


def _payment_terms(value: str) -> int:
    if not value:
        return 28
    if not value.isdigit() or not MIN_PAYMENT_TERMS_DAYS <= int(value) <= MAX_PAYMENT_TERMS_DAYS:
        raise ValueError(BAD_PAYMENT_TERMS.format(value=value))
    return int(value)


def _iban(row: _Row) -> str:
    value = row.values["iban"]
    if not value:
        return ""
    try:
        return str(IBAN(value))
    except SchwiftyException as exc:
        row.error("iban", INVALID_IBAN.format(reason=exc))
        return ""


def _bic(row: _Row) -> str:
    value = row.values["bic"]
    if not value:
        return ""
    try:
        return str(BIC(value))
    except SchwiftyException as exc:
        row.error("bic", INVALID_BIC.format(reason=exc))
        return ""


def _validated_companies(stream: BinaryIO) -> list[_CompanyRow]:
    reading = file_reading(stream, COMPANY_COLUMNS, ("credit_limit", "annual_fee"))
    errors = ErrorCollector()
    seen: dict[str, int] = {}
    rows: list[_CompanyRow] = []

    def existing(number: str) -> bool:
        return Company.objects.filter(number=number).exists()

    for number, values in read_rows(stream, COMPANY_COLUMNS, errors, delimiters=(reading.delimiter,)):
        row = _Row(number, values, errors, reading)
        fields = _company_fields(row, seen, existing)
        if row.ok:
            rows.append(_CompanyRow(number, fields))
    errors.raise_if_any()
    return rows


def companies_import(*, stream: BinaryIO, progress: Progress = _no_progress) -> CompaniesImportSummary:
    """Onboard every company of an `import_companies` file, or none (SPEC sections 3, 11, 16).

    Raises FileRejected with the row-by-row report when any row is bad.
    """
    rows = _validated_companies(stream)
    created: list[Company] = []
    with transaction.atomic():
        for row in progress(rows):
            try:
                created.append(company_create(**row.fields))
            except (ApplicationError, ValidationError, IntegrityError) as exc:
                raise _refused_row(row.row, exc) from exc
    return CompaniesImportSummary(companies=created)


# ---------------------------------------------------------------------------------------------------
# Cards: the Central Order Card


@dataclass(frozen=True)
class _CardRow:
    row: int
    company: Company
    order: CardOrder


@dataclass(frozen=True)
class OrderedCard:
    """A card issued from a Central Order Card row, as PAs and API clients may see it (masked)."""

    row: int
    employee_id: str
    company_number: str
    cardmember_name: str
    account_number: str
    card: Card

    @property
    def masked_number(self) -> str:
        return self.card.masked_number


@dataclass(frozen=True)
class CardsImportSummary:
    issued_on: dt.date
    cards: list[OrderedCard]
    embossing_report: Path | None = None
    report_encrypted: bool = False
    reading: FileReading | None = None

    @property
    def count(self) -> int:
        return len(self.cards)

    def __str__(self) -> str:
        companies = len({card.company_number for card in self.cards})
        return f"Issued {self.count} card(s) for {companies} company(ies) on {self.issued_on.isoformat()}."


class _CardRowChecker:
    """Checks Central Order Card rows against the companies the caller may order for."""

    def __init__(self, companies: QuerySet[Company] | None):
        self._scope = companies
        self._companies: dict[str, Company | None] = {}
        self._employees: dict[int, set[str]] = {}
        self._seen: dict[tuple[int, str], int] = {}

    def _company(self, number: str) -> Company | None:
        if number not in self._companies:
            scope = self._scope if self._scope is not None else Company.objects.all()
            self._companies[number] = scope.filter(number=number).first()
        return self._companies[number]

    def _existing_employee_ids(self, company: Company) -> set[str]:
        # One query per company in the file, not one per row.
        if company.pk not in self._employees:
            self._employees[company.pk] = set(
                Cardmember.objects.filter(company=company).values_list("employee_id", flat=True)
            )
        return self._employees[company.pk]

    def check(self, row: _Row) -> _CardRow | None:
        company = self._checked_company(row)
        employee_id = row.text("employee_id", max_length=40, required=True)
        if company is not None and employee_id and len(employee_id) <= 40:
            key = (company.pk, employee_id)
            if key in self._seen:
                row.error("employee_id", EMPLOYEE_REPEATED.format(
                    employee_id=employee_id, company=company.number, first_row=self._seen[key]))
            elif employee_id in self._existing_employee_ids(company):
                row.error("employee_id", CARDMEMBER_EXISTS.format(company=company.number, employee_id=employee_id))
            self._seen.setdefault(key, row.number)
        cost_centre = row.text("cost_centre", max_length=40)
        first_name = row.text("first_name", max_length=100, required=True)
        last_name = row.text("last_name", max_length=100, required=True)
        email = row.text("email", max_length=254, required=True)
        if email and len(email) <= 254:
            try:
                validate_email(email)
            except ValidationError:
                row.error("email", BAD_EMAIL.format(value=email))
        phone = row.text("phone", max_length=32)
        language = self._checked_language(row, company)
        address_line = row.text("address_line", max_length=200)
        postal_code = row.text("postal_code", max_length=20)
        city = row.text("city", max_length=100)
        country = row.country()
        liability = row.choice("liability", Liability.values)
        billing = row.choice("billing", BillingType.values)
        cycle_day = row.parsed("cycle_day", _cycle_day, 1)
        currency = company.currency if company is not None else "DKK"  # both markets: two decimals
        limit = row.amount("monthly_limit", currency, max_digits=12, required=False)
        cash_enabled = row.parsed("cash_enabled", parse_bool, False)
        if company is not None and cash_enabled and not company.cash_allowed:
            row.error("cash_enabled", CASH_NOT_ALLOWED.format(company=company.number))
        eurobonus_number = self._checked_eurobonus_number(row, company)
        if company is None or not row.ok:
            return None
        return _CardRow(row.number, company, CardOrder(
            employee_id=employee_id, first_name=first_name, last_name=last_name, email=email,
            cost_centre=cost_centre, phone=phone, language=language, address_line=address_line,
            postal_code=postal_code, city=city, country=country, liability=liability, billing=billing,
            cycle_day=cycle_day, monthly_limit=Money(limit, currency) if limit is not None else None,
            cash_enabled=cash_enabled, eurobonus_number=eurobonus_number,
        ))

    def _checked_company(self, row: _Row) -> Company | None:
        number = row.text("company_number", max_length=20, required=True)
        if not number:
            return None
        company = self._company(number)
        if company is None:
            # A scoped caller (a PA, a company token) learns nothing about companies that are not theirs.
            reason = NOT_YOUR_COMPANY if self._scope is not None else UNKNOWN_COMPANY
            row.error("company_number", reason.format(number=number))
        elif company.status != Company.Status.ACTIVE:
            row.error("company_number", COMPANY_NOT_ACTIVE.format(company=number))
        return company

    @staticmethod
    def _checked_language(row: _Row, company: Company | None) -> str:
        value = row.values["language"]
        if not value or company is None:
            return row.choice("language", Language.values)
        allowed = MARKET_LANGUAGES[Market(company.market)]
        if value not in allowed:
            row.error("language", LANGUAGE_NOT_OF_MARKET.format(
                value=value, market=company.market, choices=", ".join(allowed)))
            return ""
        return value

    @staticmethod
    def _checked_eurobonus_number(row: _Row, company: Company | None) -> str:
        value = row.values["eurobonus_number"]
        if not value:
            return ""
        if company is not None and not company.eurobonus_allowed:
            row.error("eurobonus_number", EUROBONUS_NOT_ALLOWED.format(company=company.number))
            return ""
        return row.parsed("eurobonus_number", eurobonus_number_normalised, "")


def _cycle_day(value: str) -> int:
    if not value:
        return 1
    if not value.isdigit() or int(value) not in CYCLE_DAYS:
        raise ValueError(str(BAD_CYCLE_DAY))
    return int(value)


def _validated_card_orders(stream: BinaryIO, companies: QuerySet[Company] | None,
                           reading: FileReading) -> list[_CardRow]:
    errors = ErrorCollector()
    checker = _CardRowChecker(companies)
    orders: list[_CardRow] = []
    for number, values in read_rows(stream, CARD_COLUMNS, errors, delimiters=(reading.delimiter,)):
        checked = checker.check(_Row(number, values, errors, reading))
        if checked is not None:
            orders.append(checked)
    errors.raise_if_any()
    return orders


def _reserve_report(path: Path) -> IO[bytes]:
    """Create the report file now (never overwriting one), readable by its owner only: it holds PANs."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ApplicationError(REPORT_EXISTS.format(path=path), "report_exists") from None
    return os.fdopen(descriptor, "wb")


def _embossing_record(ordered: OrderedCard, issued: IssuedCard) -> dict[str, str]:
    return {
        "employee_id": ordered.employee_id,
        "company_number": ordered.company_number,
        "account_number": ordered.account_number,
        "card_number": issued.pan,
        "expiry": issued.card.expiry.isoformat(),
    }


def cards_import(
    *,
    stream: BinaryIO,
    issued_on: dt.date,
    companies: QuerySet[Company] | None = None,
    embossing_report: str | Path | None = None,
    progress: Progress = _no_progress,
    number_format: NumberConvention | None = None,
) -> CardsImportSummary:
    """Issue every card of a Central Order Card file, or none (SPEC sections 11, 16).

    `companies` limits the rows to the caller's companies (a PA's, a company token's); None means
    any company (ops, the command line). With `embossing_report`, the JSON list of
    `{employee_id, company_number, account_number, card_number, expiry}` is written there before
    the transaction commits; without it (the portal, the API) each card gets an embossing order and its
    number goes to the embosser's spool (accounts.embossing). Nowhere else does a full number go. Raises
    FileRejected with the row-by-row report when any row is bad. The report (like the spool) is
    encrypted to the embosser's age key; with no key under production settings nothing is issued and
    ApplicationError `embosser_key_missing` is raised before the file is read (issue 15 item 6).

    The file may be saved from a spreadsheet in either convention (`,` and `1,234.56`; `;` and
    `1.234,56`); `number_format` is the one the caller states, else the amounts show it, and an amount
    that reads differently in the two (`10.000`) is refused while it is unknown (SPEC 18, issue 19 item 1).
    """
    embosser_key_required()
    encrypted = False
    report_path = Path(embossing_report) if embossing_report is not None else None
    report = _reserve_report(report_path) if report_path is not None else None
    try:
        reading = file_reading(stream, CARD_COLUMNS, ("monthly_limit",), number_format)
        rows = _validated_card_orders(stream, companies, reading)
        ordered: list[OrderedCard] = []
        with transaction.atomic():
            records: list[dict[str, str]] = []
            for row in progress(rows):
                try:
                    # Without a report the numbers go to the embosser's spool, so none is lost.
                    issued = (card_order if report is not None else card_order_embossed)(
                        company=row.company, order=row.order, issued_on=issued_on)
                except (ApplicationError, ValidationError, IntegrityError) as exc:
                    raise _refused_row(row.row, exc) from exc
                card = OrderedCard(
                    row=row.row, employee_id=row.order.employee_id, company_number=row.company.number,
                    cardmember_name=f"{row.order.first_name} {row.order.last_name}",
                    account_number=issued.card.account.number, card=issued.card,
                )
                ordered.append(card)
                if report is not None:
                    records.append(_embossing_record(card, issued))
            if report is not None:
                # Written inside the transaction: if the report cannot be written, no card is issued.
                content, encrypted = sealed(json.dumps(records, indent=2).encode())
                report.write(content)
                report.flush()
                os.fsync(report.fileno())
    except BaseException:
        if report is not None and report_path is not None:
            report.close()
            report_path.unlink(missing_ok=True)
        raise
    if report is not None:
        report.close()
    return CardsImportSummary(issued_on=issued_on, cards=ordered, embossing_report=report_path,
                              report_encrypted=encrypted, reading=reading)
