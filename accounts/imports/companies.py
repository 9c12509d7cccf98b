"""The company onboarding file (SPEC section 16, `import_companies`): see accounts.imports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from moneyed import Money
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from accounts.imports.rows import (
    BAD_COMPANY_NUMBER,
    BAD_PAYMENT_TERMS,
    BAD_VAT_NUMBER,
    COMPANY_ALREADY_EXISTS,
    COMPANY_COLUMNS,
    COMPANY_NUMBER_RE,
    COMPANY_NUMBER_REPEATED,
    MAX_PAYMENT_TERMS_DAYS,
    MIN_PAYMENT_TERMS_DAYS,
    NOT_A_CHOICE,
    REQUIRED,
    VAT_PATTERNS,
    Progress,
    Row,
    no_progress,
    refused_row,
)
from accounts.models import (
    MARKET_CURRENCY,
    MAX_ANNUAL_FEE_DKK,
    BillingType,
    Company,
    Liability,
    Market,
)
from accounts.services import (
    ANNUAL_FEE_TOO_HIGH,
    INVALID_BIC,
    INVALID_IBAN,
    company_create,
)
from amexprog.common.csvfiles import ErrorCollector, parse_bool, read_rows
from amexprog.common.errors import ApplicationError
from amexprog.common.number_formats import file_reading


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


def _company_fields(row: Row, seen: dict[str, int], existing: Callable[[str], bool]) -> dict[str, Any]:
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
    iban = _bank_code(row, "iban", IBAN, INVALID_IBAN)
    bic = _bank_code(row, "bic", BIC, INVALID_BIC)
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


def _bank_code(row: Row, column: str, parse: type[IBAN] | type[BIC], message: str) -> str:
    """An IBAN or BIC column in its normal form, or "" with the row's error naming why (schwifty's reason)."""
    value = row.values[column]
    if not value:
        return ""
    try:
        return str(parse(value))
    except SchwiftyException as exc:
        row.error(column, message.format(reason=exc))
        return ""


def _validated_companies(stream: BinaryIO) -> list[_CompanyRow]:
    reading = file_reading(stream, COMPANY_COLUMNS, ("credit_limit", "annual_fee"))
    errors = ErrorCollector()
    seen: dict[str, int] = {}
    rows: list[_CompanyRow] = []

    def existing(number: str) -> bool:
        return Company.objects.filter(number=number).exists()

    for number, values in read_rows(stream, COMPANY_COLUMNS, errors, delimiters=(reading.delimiter,)):
        row = Row(number, values, errors, reading)
        fields = _company_fields(row, seen, existing)
        if row.ok:
            rows.append(_CompanyRow(number, fields))
    errors.raise_if_any()
    return rows


def companies_import(*, stream: BinaryIO, progress: Progress = no_progress) -> CompaniesImportSummary:
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
                raise refused_row(row.row, exc) from exc
    return CompaniesImportSummary(companies=created)
