"""One company-wide transactions query (SPEC 18, issue 19 item 3; SPEC 16, issue 18 item 6): the
postings and authorizations of a company's accounts, declines included, in one row shape
(charges.transaction_models.CompanyTransaction), filtered and sorted the same way for the portal's
page, its exports and the API.

The query count does not depend on the rows: one query for a page and its count (two for a whole
company's list, whose count stops at a cap), three for its cardmembers, cards and accounts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from decimal import Decimal

from django.db.models import Count, DecimalField, Q, QuerySet, Value, Window, prefetch_related_objects
from django.db.models.functions import Cast

from accounts.models import Company
from charges.mcc import CODES, INDUSTRY_NAMES, RANGES, Industry
from charges.transaction_models import CompanyTransaction, TransactionSource, TransactionStatus
from ledger.models import PostingKind

# The columns a list may be sorted by, each with its tie-breakers so an order is total (pages never
# repeat or skip a row); `-name` sorts descending. Newest first by default.
SORTS: dict[str, tuple[str, ...]] = {
    "date": ("date", "id"),
    "amount": ("amount", "date", "id"),
    "merchant": ("merchant_name", "date", "id"),
    "cardmember": ("cardmember__last_name", "cardmember__first_name", "date", "id"),
    "card": ("card__last4", "date", "id"),
    "country": ("merchant_country", "date", "id"),
    "kind": ("kind", "date", "id"),
    "status": ("status", "date", "id"),
}
DEFAULT_SORT = "-date"
SORT_CHOICES = [*SORTS, *(f"-{name}" for name in SORTS)]

# A posting's kinds and an authorization's types share one vocabulary (purchase, cash).
KIND_CHOICES = PostingKind.choices
STATUS_CHOICES = TransactionStatus.choices


@dataclass(frozen=True)
class TransactionFilters:
    """What a PA or an integrator narrows the list by (SPEC 18). Empty values do not filter."""

    q: str = ""                       # merchant, description, cardmember name or employee id, account number
    cardmember: str = ""              # a cardmember's name or employee id (part of it)
    cardmember_id: int | None = None
    account: str = ""                 # account number
    card_last4: str = ""
    cost_centre: str = ""
    merchant: str = ""                # part of the merchant's name
    mcc: str = ""
    industry: str = ""                # charges.mcc.Industry key
    country: str = ""                 # the merchant's country, ISO 3166 alpha-2
    amount_min: Decimal | None = None  # in the billing currency; a credit is negative
    amount_max: Decimal | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    kind: str = ""
    status: str = ""
    source: str = ""
    created_after: dt.datetime | None = None

    @classmethod
    def of(cls, values: dict) -> TransactionFilters:
        """From a form's or serializer's cleaned data: unknown keys ignored, None and "" as not given."""
        names = {field.name for field in fields(cls)}
        return cls(**{name: value for name, value in values.items()
                      if name in names and value not in (None, "")})


def industry_q(industry: str) -> Q:
    """The merchant category codes of an industry (charges.mcc.industry_of) as a condition on `mcc`:
    its single codes, and its ISO 18245 ranges less the single codes named for other industries."""
    own = [f"{code:04d}" for code, key in CODES.items() if key == industry]
    others = [f"{code:04d}" for code, key in CODES.items() if key != industry]
    condition = Q(mcc__in=own) if own else Q(pk__in=[])
    for first, last, key in RANGES:
        if key == industry:
            condition |= Q(mcc__gte=f"{first:04d}", mcc__lte=f"{last:04d}") & ~Q(mcc__in=others)
    if industry == Industry.OTHER:
        condition |= Q(mcc="") | ~Q(mcc__gte=f"{RANGES[0][0]:04d}", mcc__lte=f"{RANGES[-1][1]:04d}")
    return condition


INDUSTRY_CHOICES = list(INDUSTRY_NAMES.items())


def company_transactions(*, company: Company, filters: TransactionFilters | None = None,
                         sort: str = DEFAULT_SORT) -> QuerySet[CompanyTransaction]:
    """A company's transactions, postings and authorizations with declines, filtered and sorted (SPEC 18).

    Cardmember and card come joined (select_related), so listing rows costs no query per row.
    """
    rows = (CompanyTransaction.objects.filter(company=company)
            .select_related("cardmember", "card", "account"))
    rows = transactions_filter(rows, filters or TransactionFilters())
    return rows.order_by(*transactions_ordering(sort))


@dataclass(frozen=True)
class TransactionsPage:
    rows: list[CompanyTransaction]
    total: int  # the count of every matching row, or, when not `exact`, a number they exceed
    number: int  # the page number served
    exact: bool = True


def transactions_page(rows: QuerySet[CompanyTransaction], *, number: int, per_page: int,
                      count_up_to: int | None = None) -> TransactionsPage:
    """The rows of page `number` and the count of all rows, in a fixed number of queries whatever the rows.

    By default the count is exact, a window over the same query (COUNT(*) OVER ()), not a second scan: a
    filtered list is usually short. With `count_up_to` (a company's whole list, issue 19: 42,000 rows at
    10,000 cardmembers), the page is read without the window, which had to carry every row to count it,
    and a second query counts no further than `count_up_to` rows or the end of the page, whichever is
    further: past that the list says "more than N" (`exact` False). The page's cardmembers, cards and
    accounts come by id (three small queries) after the LIMIT, instead of being joined to every row
    before the sort. A number past the last page serves the last page, as Django's Paginator.get_page does.
    """
    rows = rows.select_related(None)
    number = max(number, 1)
    if count_up_to is None:
        rows = rows.annotate(total_rows=Window(Count("id")))
    page = list(rows[(number - 1) * per_page:number * per_page])
    exact, limit = True, None
    if count_up_to is not None:
        limit = max(count_up_to, number * per_page) + 1
        total = rows.order_by()[:limit].count()
        exact = total < limit
    if not page and number > 1:
        total = total if limit is not None else rows.order_by().count()  # past the end: the count is exact
        number = max(1, -(-total // per_page))
        page = list(rows[(number - 1) * per_page:number * per_page])
    if count_up_to is None:
        total = page[0].total_rows if page else 0
    elif not exact:
        total = limit - 1
    prefetch_related_objects(page, "cardmember", "card", "account")
    return TransactionsPage(rows=page, total=total, number=number, exact=exact)


def transactions_ordering(sort: str) -> list[str]:
    name = sort.removeprefix("-")
    columns = SORTS.get(name) or SORTS["date"]
    descending = sort.startswith("-") if name in SORTS else True
    return [f"-{column}" if descending else column for column in columns]


# The filters that are one condition on one column (SPEC 18); an empty value does not filter.
LOOKUPS = {
    "cardmember_id": "cardmember_id", "account": "account__number", "card_last4": "card__last4",
    "cost_centre": "cardmember__cost_centre__iexact", "merchant": "merchant_name__icontains", "mcc": "mcc",
    "date_from": "date__gte", "date_to": "date__lte", "kind": "kind", "status": "status", "source": "source",
    "created_after": "created_at__gt",
}


def transactions_filter(rows: QuerySet[CompanyTransaction], f: TransactionFilters) -> QuerySet[CompanyTransaction]:
    """Each filter of SPEC 18 as a condition on the rows; text filters match case-insensitively."""
    if f.q:
        rows = rows.filter(Q(merchant_name__icontains=f.q) | Q(description__icontains=f.q)
                           | Q(cardmember__first_name__icontains=f.q) | Q(cardmember__last_name__icontains=f.q)
                           | Q(cardmember__employee_id__iexact=f.q) | Q(account__number=f.q))
    if f.cardmember:
        for word in f.cardmember.split():
            rows = rows.filter(Q(cardmember__first_name__icontains=word) | Q(cardmember__last_name__icontains=word)
                               | Q(cardmember__employee_id__iexact=word))
    for attribute, lookup in LOOKUPS.items():
        value = getattr(f, attribute)
        if value is not None and value != "":
            rows = rows.filter(**{lookup: value})
    if f.industry:
        rows = rows.filter(industry_q(f.industry))
    if f.country:
        rows = rows.filter(merchant_country=f.country.upper())
    if f.amount_min is not None:
        rows = rows.filter(amount__gte=_number(f.amount_min))
    if f.amount_max is not None:
        rows = rows.filter(amount__lte=_number(f.amount_max))
    return rows


def _number(value: Decimal) -> Cast:
    """A number the database compares as one: SQLite gives the rows' subquery columns no numeric
    affinity, so a bare parameter (sent as text) would be compared as text."""
    return Cast(Value(str(value)), DecimalField(max_digits=18, decimal_places=3))


def kind_label(kind: str) -> str:
    """A kind in the reader's words (a posting's kind or an authorization's type)."""
    try:
        return str(PostingKind(kind).label)
    except ValueError:
        return kind


def status_label(status: str) -> str:
    try:
        return str(TransactionStatus(status).label)
    except ValueError:
        return status


def reason_label(reason: str) -> str:
    """A decline reason in the reader's words (terms §17)."""
    from charges.authorization_models import DeclineReason

    try:
        return str(DeclineReason(reason).label) if reason else ""
    except ValueError:
        return reason


__all__ = [
    "DEFAULT_SORT", "INDUSTRY_CHOICES", "KIND_CHOICES", "SORTS", "SORT_CHOICES", "STATUS_CHOICES",
    "CompanyTransaction", "TransactionFilters", "TransactionSource", "company_transactions", "industry_q",
    "TransactionsPage", "kind_label", "reason_label", "status_label", "transactions_filter",
    "transactions_ordering", "transactions_page",
]
