"""Reports and data files per company (SPEC section 14, terms §18; PA sheet "integration data files").

Each report is a `Report`: a list of column keys and a generator of rows (dicts keyed by column).
The portal, the API and `export_report` render the same rows as CSV (through
amexprog.common.csvfiles.safe_csv_writer) or JSON. Rows are read set-based, with a fixed number of
queries whatever the company's size, and streamed (`.iterator()`), so a file with a million lines
does not sit in memory.

Card numbers are masked (last four digits); the full number never reaches a report.

- daily transaction file: every posting of the company's accounts posted on one day;
- monthly billed file: what the statements dated in one month billed (every posting of their
  periods except payments and payment returns, SPEC section 9), with each statement's date and due
  date;
- cardmember listing: every card with its cardmember, account, status, limits and expiry;
- ageing analysis: what each account owes, by days past due (statements.selectors_ageing);
- spend by industry and month: purchases, cash and refunds by MCC industry (charges.mcc).

Joint liability (terms §12a-ii): a charge the cardmember declared personal carries `personal`, and
its `company_liable_amount` is 0; a charge the company marked as already reimbursed to the cardmember
carries `reimbursed` ("Reimbursed by the company", SPEC section 3, issue 16 item 12) and is 0 for the
company too; under individual liability the company is liable for nothing.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Exists, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from accounts.models import Account, Company, Liability
from accounts.pan import mask_pan
from amexprog.common.csvfiles import safe_csv_writer
from amexprog.common.db import from_minor, minor_sum
from amexprog.common.errors import ApplicationError
from charges.mcc import INDUSTRY_NAMES, industry_name, industry_of
from ledger.models import Posting, PostingKind
from liability.selectors import is_personal, is_reimbursed
from statements.models import Statement
from statements.selectors import PAYMENT_KINDS, ZERO
from statements.selectors_ageing import BUCKET_KEYS, ageing_buckets

CHUNK = 2000
# Marked for translation: the portal shows them in the viewer's language, the API in English.
BAD_MONTH = gettext_noop("Give the month as YYYY-MM.")
BAD_DATE = gettext_noop("Give the date as YYYY-MM-DD.")
UNKNOWN_REPORT = "No report {name}."
BAD_FORMAT = "Choose csv or json."
SPEND_KINDS = (PostingKind.PURCHASE, PostingKind.CASH, PostingKind.REFUND)
MAX_SPEND_MONTHS = 24

TRANSACTION_COLUMNS = [
    "account_number", "cardmember_name", "employee_id", "cost_centre", "card_number", "kind", "description",
    "transaction_date", "posting_date", "amount", "currency", "original_amount", "original_currency",
    "merchant_name", "merchant_city", "merchant_country", "mcc", "industry", "industry_name", "liability",
    "personal", "company_liable_amount", "reimbursed",
]
BILLED_COLUMNS = ["statement_date", "due_date", *TRANSACTION_COLUMNS]
LISTING_COLUMNS = [
    "account_number", "cardmember_name", "employee_id", "cost_centre", "email", "liability", "billing_type",
    "account_status", "card_number", "card_status", "issued_on", "expiry", "currency", "card_monthly_limit",
    "card_daily_limit", "card_authorization_limit",
]
AGEING_COLUMNS = ["account_number", "cardmember_name", "employee_id", "cost_centre", "currency", "days_past_due",
                  *BUCKET_KEYS, "total"]
SPEND_COLUMNS = ["month", "industry", "industry_name", "currency", "amount", "transactions"]


@dataclass
class Report:
    """One report of one company: what the files are named and what their rows are."""

    name: str
    title: str
    company: Company
    parameters: dict[str, str]
    columns: list[str]
    rows: Callable[[], Iterator[dict[str, Any]]]
    totals: Callable[[], dict[str, Any]] | None = field(default=None)

    @property
    def filename_stem(self) -> str:
        suffix = "-".join(self.parameters.values())
        return f"{self.name}-{self.company.number}" + (f"-{suffix}" if suffix else "")


# ── Parameters ──────────────────────────────────────────────────────────────────────────────────


def parse_month(value: str | None) -> dt.date:
    """`YYYY-MM` → the first day of that month."""
    try:
        year, month = (value or "").split("-")
        if len(year) != 4 or len(month) != 2:
            raise ValueError
        return dt.date(int(year), int(month), 1)
    except ValueError:
        raise ApplicationError(BAD_MONTH, "invalid", {"field": "month"}) from None


def parse_day(value: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        raise ApplicationError(BAD_DATE, "invalid", {"field": "date"}) from None


def month_end(first: dt.date) -> dt.date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


# ── Transactions and the billed file ─────────────────────────────────────────────────────────────

_POSTING_FIELDS = (
    "pk", "account__number", "account__liability", "account__cardmember__first_name",
    "account__cardmember__last_name", "account__cardmember__employee_id", "account__cardmember__cost_centre",
    "card__last4", "kind", "description", "transaction_date", "posting_date", "amount", "amount_currency",
    "original_amount", "original_amount_currency", "merchant_name", "merchant_city", "merchant_country", "mcc",
    "personal", "reimbursed",
)


def _money(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.01"))


def _company_liable(amount: Decimal, liability: str, personal: bool, reimbursed: bool = False) -> Decimal:
    """SPEC section 3: under joint liability the company is not liable for charges flagged personal or
    already reimbursed by the company (issue 16 item 12)."""
    if liability == Liability.INDIVIDUAL or (liability == Liability.JOINT and (personal or reimbursed)):
        return ZERO
    return amount


def _transaction_row(values: dict[str, Any]) -> dict[str, Any]:
    industry = industry_of(values["mcc"]) if values["mcc"] else ""
    amount = _money(values["amount"])
    original = values["original_amount"]
    personal = bool(values["personal"])
    reimbursed = bool(values["reimbursed"])
    return {
        "account_number": values["account__number"],
        "cardmember_name": f"{values['account__cardmember__first_name']} {values['account__cardmember__last_name']}",
        "employee_id": values["account__cardmember__employee_id"],
        "cost_centre": values["account__cardmember__cost_centre"],
        "card_number": mask_pan(values["card__last4"]) if values["card__last4"] else "",
        "kind": values["kind"],
        "description": values["description"],
        "transaction_date": values["transaction_date"],
        "posting_date": values["posting_date"],
        "amount": amount,
        "currency": values["amount_currency"],
        "original_amount": None if original is None else Decimal(original),
        "original_currency": values["original_amount_currency"] if original is not None else "",
        "merchant_name": values["merchant_name"],
        "merchant_city": values["merchant_city"],
        "merchant_country": values["merchant_country"],
        "mcc": values["mcc"],
        "industry": industry,
        "industry_name": industry_name(industry) if industry else "",
        "liability": values["account__liability"],
        "personal": personal,
        "company_liable_amount": _company_liable(amount, values["account__liability"], personal, reimbursed),
        "reimbursed": reimbursed,
    }


def _postings(company: Company):
    return Posting.objects.filter(account__company=company).annotate(personal=is_personal(), reimbursed=is_reimbursed())


def daily_transactions(*, company: Company, day: dt.date) -> Report:
    """Every posting of the company's accounts posted on `day` (SPEC section 14)."""

    def rows() -> Iterator[dict[str, Any]]:
        queryset = (_postings(company).filter(posting_date=day)
                    .order_by("account__number", "id").values(*_POSTING_FIELDS))
        for values in queryset.iterator(chunk_size=CHUNK):
            yield _transaction_row(values)

    return Report("transactions", str(_("Daily transaction file")), company, {"date": day.isoformat()},
                  TRANSACTION_COLUMNS, rows)


def _billing_statement(field_name: str) -> Subquery:
    return Subquery(
        Statement.objects.filter(account=OuterRef("account"), period_start__lte=OuterRef("posting_date"),
                                 statement_date__gte=OuterRef("posting_date"))
        .order_by("statement_date").values(field_name)[:1]
    )


def billed_postings(*, company: Company, month: dt.date):
    """The postings billed by the company's statements dated in `month` (SPEC section 9: every posting
    of a statement's period except payments and payment returns), with the billing statement's date
    and due date. One query."""
    first, last = month, month_end(month)
    periods = Statement.objects.filter(account__company=company, statement_date__gte=first, statement_date__lte=last)
    # Two conditions on statement_date (in the month, and on or after the posting): Q objects.
    billing = Statement.objects.filter(
        Q(account=OuterRef("account")) & Q(statement_date__gte=first) & Q(statement_date__lte=last)
        & Q(period_start__lte=OuterRef("posting_date")) & Q(statement_date__gte=OuterRef("posting_date"))
    )
    earliest = periods.order_by("period_start").values_list("period_start", flat=True).first()
    queryset = _postings(company).exclude(kind__in=PAYMENT_KINDS).filter(Exists(billing))
    if earliest is not None:
        queryset = queryset.filter(posting_date__gte=earliest, posting_date__lte=last)
    else:
        queryset = queryset.none()
    return queryset.annotate(statement_date=_billing_statement("statement_date"),
                             due_date=_billing_statement("due_date"))


def monthly_billed(*, company: Company, month: dt.date) -> Report:
    """The monthly billed file (SPEC section 14): what the statements of `month` billed."""

    def rows() -> Iterator[dict[str, Any]]:
        queryset = (billed_postings(company=company, month=month)
                    .order_by("account__number", "posting_date", "id")
                    .values(*_POSTING_FIELDS, "statement_date", "due_date"))
        for values in queryset.iterator(chunk_size=CHUNK):
            row = _transaction_row(values)
            yield {"statement_date": values["statement_date"], "due_date": values["due_date"], **row}

    def totals() -> dict[str, Any]:
        return billed_totals(company=company, month=month)

    return Report("billed", str(_("Monthly billed file")), company, {"month": f"{month:%Y-%m}"}, BILLED_COLUMNS,
                  rows, totals)


def billed_totals(*, company: Company, month: dt.date) -> dict[str, Any]:
    """Billed, personal (joint liability), reimbursed by the company (SPEC section 3, issue 16 item 12)
    and company-liable totals per currency of `month`. One query."""
    totals: dict[str, dict[str, Decimal]] = {}
    for currency, liability, personal, reimbursed, total in (
        billed_postings(company=company, month=month)
        .values("amount_currency", "account__liability", "personal", "reimbursed")
        .annotate(total=minor_sum("amount"))
        .values_list("amount_currency", "account__liability", "personal", "reimbursed", "total")
        .order_by()
    ):
        amount = from_minor(total)
        entry = totals.setdefault(currency, {"billed": ZERO, "personal": ZERO, "reimbursed": ZERO,
                                             "company_liable": ZERO})
        entry["billed"] += amount
        if liability == Liability.JOINT and personal:
            entry["personal"] += amount
        if liability == Liability.JOINT and reimbursed:
            entry["reimbursed"] += amount
        entry["company_liable"] += _company_liable(amount, liability, bool(personal), bool(reimbursed))
    return totals


# ── Cardmember listing ───────────────────────────────────────────────────────────────────────────


def cardmember_listing(*, company: Company) -> Report:
    """Every card of the company with its cardmember, status, limits and expiry (SPEC section 14);
    an account without a card is one row with the card columns empty. One query."""

    def rows() -> Iterator[dict[str, Any]]:
        queryset = (
            Account.objects.filter(company=company)
            .order_by("cardmember__last_name", "cardmember__first_name", "number", "cards__id")
            .values("number", "currency", "liability", "billing_type", "status", "cardmember__first_name",
                    "cardmember__last_name", "cardmember__employee_id", "cardmember__cost_centre",
                    "cardmember__email", "cards__last4", "cards__status", "cards__issued_on", "cards__expiry",
                    "cards__monthly_limit", "cards__controls__daily_limit", "cards__controls__authorization_limit")
        )
        for values in queryset.iterator(chunk_size=CHUNK):
            yield {
                "account_number": values["number"],
                "cardmember_name": f"{values['cardmember__first_name']} {values['cardmember__last_name']}",
                "employee_id": values["cardmember__employee_id"],
                "cost_centre": values["cardmember__cost_centre"],
                "email": values["cardmember__email"],
                "liability": values["liability"],
                "billing_type": values["billing_type"],
                "account_status": values["status"],
                "card_number": mask_pan(values["cards__last4"]) if values["cards__last4"] else "",
                "card_status": values["cards__status"] or "",
                "issued_on": values["cards__issued_on"],
                "expiry": values["cards__expiry"],
                "currency": values["currency"],
                "card_monthly_limit": _money(values["cards__monthly_limit"]),
                "card_daily_limit": _money(values["cards__controls__daily_limit"]),
                "card_authorization_limit": _money(values["cards__controls__authorization_limit"]),
            }

    return Report("cardmembers", str(_("Cardmember listing")), company, {}, LISTING_COLUMNS, rows)


# ── Ageing analysis ──────────────────────────────────────────────────────────────────────────────


def ageing_analysis(*, company: Company, on: dt.date) -> Report:
    """What each account owes by days past due on `on` (SPEC section 14), and the totals."""
    cache: dict[str, Any] = {}

    def ageing():
        if "ageing" not in cache:
            cache["ageing"] = ageing_buckets(company, on)
        return cache["ageing"]

    def rows() -> Iterator[dict[str, Any]]:
        result = ageing()
        accounts = (Account.objects.filter(pk__in=list(result.accounts))
                    .order_by("number")
                    .values("pk", "number", "cardmember__first_name", "cardmember__last_name",
                            "cardmember__employee_id", "cardmember__cost_centre"))
        for values in accounts:
            entry = result.accounts[values["pk"]]
            yield {
                "account_number": values["number"],
                "cardmember_name": f"{values['cardmember__first_name']} {values['cardmember__last_name']}",
                "employee_id": values["cardmember__employee_id"],
                "cost_centre": values["cardmember__cost_centre"],
                "currency": entry.currency,
                "days_past_due": entry.days_past_due,
                **{key: entry.amounts[key] for key in BUCKET_KEYS},
                "total": entry.total,
            }

    def totals() -> dict[str, Any]:
        result = ageing()
        return {**{key: result.totals[key] for key in BUCKET_KEYS}, "total": result.total,
                "accounts": {key: result.account_counts[key] for key in BUCKET_KEYS}}

    return Report("ageing", str(_("Ageing analysis")), company, {"date": on.isoformat()}, AGEING_COLUMNS, rows,
                  totals)


# ── Spend by industry and month ──────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class SpendCell:
    month: dt.date
    industry: str
    currency: str
    amount: Decimal
    transactions: int


def spend_by_industry(*, company: Company, first_month: dt.date, last_month: dt.date) -> list[SpendCell]:
    """Purchases and cash less refunds by MCC industry and month of posting (SPEC section 14). One
    query grouped by month and MCC; the few MCCs are mapped to industries here."""
    from django.db.models import Count

    totals: dict[tuple[dt.date, str, str], list] = defaultdict(lambda: [0, 0])
    for year, month, mcc, currency, total, count in (
        Posting.objects.filter(account__company=company, kind__in=SPEND_KINDS,
                               posting_date__gte=first_month, posting_date__lte=month_end(last_month))
        .annotate(year=ExtractYear("posting_date", output_field=IntegerField()),
                  month=ExtractMonth("posting_date", output_field=IntegerField()))
        .values("year", "month", "mcc", "amount_currency")
        .annotate(total=minor_sum("amount"), count=Count("id"))
        .values_list("year", "month", "mcc", "amount_currency", "total", "count")
        .order_by()
    ):
        key = (dt.date(year, month, 1), industry_of(mcc), currency)
        totals[key][0] += total or 0
        totals[key][1] += count
    order = list(INDUSTRY_NAMES)
    return [
        SpendCell(month, industry, currency, from_minor(total), count)
        for (month, industry, currency), (total, count) in sorted(
            totals.items(), key=lambda item: (item[0][0], order.index(item[0][1]), item[0][2]))
    ]


def months_back(last_month: dt.date, count: int) -> dt.date:
    index = last_month.year * 12 + last_month.month - 1 - (count - 1)
    return dt.date(index // 12, index % 12 + 1, 1)


def spend_report(*, company: Company, first_month: dt.date, last_month: dt.date) -> Report:
    def rows() -> Iterator[dict[str, Any]]:
        for cell in spend_by_industry(company=company, first_month=first_month, last_month=last_month):
            yield {"month": f"{cell.month:%Y-%m}", "industry": cell.industry,
                   "industry_name": industry_name(cell.industry), "currency": cell.currency,
                   "amount": cell.amount, "transactions": cell.transactions}

    return Report("spend", str(_("Spend by industry and month")), company,
                  {"from": f"{first_month:%Y-%m}", "to": f"{last_month:%Y-%m}"}, SPEND_COLUMNS, rows)


# ── Rendering ────────────────────────────────────────────────────────────────────────────────────


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def csv_chunks(report: Report) -> Iterator[str]:
    """The report as CSV text, a few hundred rows per chunk; every cell through safe_cell."""
    buffer = io.StringIO()
    writer = safe_csv_writer(buffer, lineterminator="\n")
    writer.writerow(report.columns)
    for position, row in enumerate(report.rows(), start=1):
        writer.writerow(_csv_value(row[column]) for column in report.columns)
        if position % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def json_chunks(report: Report) -> Iterator[str]:
    """The report as one JSON object: report, company, parameters, columns, rows (and totals)."""
    head = {"report": report.name, "company": report.company.number, "parameters": report.parameters,
            "columns": report.columns}
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "rows": ['
    for position, row in enumerate(report.rows()):
        yield ("," if position else "") + "\n" + json.dumps(
            {key: _plain(value) for key, value in row.items()}, ensure_ascii=False)
    yield "\n]"
    if report.totals is not None:
        yield ', "totals": ' + json.dumps(_json_totals(report.totals()), ensure_ascii=False)
    yield "}\n"


def _json_totals(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _json_totals(item) for key, item in value.items()}
    return _plain(value)


def rows_list(report: Report) -> list[dict[str, Any]]:
    return list(report.rows())


REPORT_NAMES = ("transactions", "billed", "cardmembers", "ageing", "spend")


def build_report(*, company: Company, name: str, params: dict[str, str | None], today: dt.date) -> Report:
    """A report by name with its parameters as strings (the portal, the API and the command)."""
    if name == "transactions":
        return daily_transactions(company=company, day=parse_day(params.get("date")))
    if name == "billed":
        return monthly_billed(company=company, month=parse_month(params.get("month")))
    if name == "cardmembers":
        return cardmember_listing(company=company)
    if name == "ageing":
        value = params.get("date")
        return ageing_analysis(company=company, on=parse_day(value) if value else today)
    if name == "spend":
        last = parse_month(params["to"]) if params.get("to") else today.replace(day=1)
        first = parse_month(params["from"]) if params.get("from") else months_back(last, 12)
        if first > last or months_back(last, MAX_SPEND_MONTHS) > first:
            raise ApplicationError(BAD_MONTH, "invalid", {"field": "from"})
        return spend_report(company=company, first_month=first, last_month=last)
    raise ApplicationError(UNKNOWN_REPORT.format(name=name), "not_found", status=404)


def render_chunks(report: Report, file_format: str) -> Iterable[str]:
    if file_format == "csv":
        return csv_chunks(report)
    if file_format == "json":
        return json_chunks(report)
    raise ApplicationError(BAD_FORMAT, "invalid", {"field": "format"})
