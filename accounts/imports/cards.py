"""The Central Order Card file (SPEC section 11, `import_cards`): see accounts.imports."""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from moneyed import Money

from accounts.embosser_key import embosser_key_required, sealed
from accounts.embossing import card_order_embossed
from accounts.imports.rows import (
    BAD_EMAIL,
    CARD_COLUMNS,
    CYCLE_DAYS,
    EMPLOYEE_REPEATED,
    LANGUAGE_NOT_OF_MARKET,
    NOT_YOUR_COMPANY,
    REPORT_EXISTS,
    UNKNOWN_COMPANY,
    Progress,
    Row,
    no_progress,
    refused_row,
)
from accounts.models import (
    MARKET_LANGUAGES,
    BillingType,
    Card,
    Cardmember,
    Company,
    Language,
    Liability,
    Market,
)
from accounts.services import (
    BAD_CYCLE_DAY,
    CARDMEMBER_EXISTS,
    CASH_NOT_ALLOWED,
    COMPANY_NOT_ACTIVE,
    EUROBONUS_NOT_ALLOWED,
    CardOrder,
    IssuedCard,
    card_order,
    eurobonus_number_normalised,
)
from amexprog.common.csvfiles import ErrorCollector, parse_bool, read_rows
from amexprog.common.errors import ApplicationError
from amexprog.common.number_formats import FileReading, NumberConvention, file_reading


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

    def check(self, row: Row) -> _CardRow | None:
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
        cycle_day = row.parsed("cycle_day", _cycle_day, None)
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

    def _checked_company(self, row: Row) -> Company | None:
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
    def _checked_language(row: Row, company: Company | None) -> str:
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
    def _checked_eurobonus_number(row: Row, company: Company | None) -> str:
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
        checked = checker.check(Row(number, values, errors, reading))
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
    progress: Progress = no_progress,
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
                    raise refused_row(row.row, exc) from exc
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
