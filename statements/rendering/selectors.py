"""Reads behind statement documents and transaction lists, scoped by who is asking (SPEC section 1).

Every query starts from accounts.selectors: a company token or PA sees its companies' statements,
a cardmember only their own, anyone else nothing — and an object outside that scope is a 404,
exactly like one that does not exist.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from django.conf import settings
from django.db.models import QuerySet

from accounts.models import Account
from accounts.selectors import visible_accounts, visible_companies
from amexprog.common import clock
from amexprog.common.cycle import business_date
from ledger.models import Posting
from statements.models import CompanyStatement, Statement

# Terms §8b (SPEC section 15): a cardmember sees their transactions online for 3 months;
# statements stay available. PAs and company API clients see the whole history.
CARDMEMBER_TRANSACTION_MONTHS = getattr(settings, "CARDMEMBER_TRANSACTION_MONTHS", 3)


def visible_statements(user) -> QuerySet[Statement]:
    return Statement.objects.filter(account__in=visible_accounts(user))


def visible_company_statements(user) -> QuerySet[CompanyStatement]:
    """Company statements of the companies the caller administers (none for a cardmember)."""
    return CompanyStatement.objects.filter(company__in=visible_companies(user))


def statements_for_documents(queryset: QuerySet[Statement]) -> QuerySet[Statement]:
    """What rendering a statement reads besides its lines, in the same query."""
    return queryset.select_related("account__company", "account__cardmember")


def statement_lines(statements: Sequence[Statement]) -> dict[int, list[Posting]]:
    """Each statement's lines: its account's postings dated within its period, in posting order.

    One query for any number of statements; callers pass chunks (an export pass covers one month,
    so the date window stays narrow).
    """
    lines: dict[int, list[Posting]] = {statement.pk: [] for statement in statements}
    if not statements:
        return lines
    by_account: dict[int, list[Statement]] = defaultdict(list)
    for statement in statements:
        by_account[statement.account_id].append(statement)
    postings = (
        Posting.objects.filter(
            account_id__in=list(by_account),
            posting_date__gte=min(s.period_start for s in statements),
            posting_date__lte=max(s.statement_date for s in statements),
        )
        .select_related("card")
        .order_by("posting_date", "id")
    )
    for posting in postings:
        for statement in by_account[posting.account_id]:
            if statement.period_start <= posting.posting_date <= statement.statement_date:
                lines[statement.pk].append(posting)
                break
    return lines


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def transactions_visible_from(user, account: Account) -> dt.date | None:
    """The first posting date `user` may see on `account`: None for the company's PAs and API
    clients, three months back for the cardmember themself (terms §8b)."""
    if visible_companies(user).filter(pk=account.company_id).exists():
        return None
    today = business_date() or clock.today()
    return add_months(today, -CARDMEMBER_TRANSACTION_MONTHS)


def account_transactions(*, user, account: Account, date_from: dt.date | None = None,
                         date_to: dt.date | None = None, kind: str | None = None) -> QuerySet[Posting]:
    """An account's postings, newest first, filtered; `account` must come from visible_accounts."""
    postings = Posting.objects.filter(account=account).select_related("card")
    window_start = transactions_visible_from(user, account)
    if window_start is not None:
        postings = postings.filter(posting_date__gte=window_start)
    if date_from is not None:
        postings = postings.filter(posting_date__gte=date_from)
    if date_to is not None:
        postings = postings.filter(posting_date__lte=date_to)
    if kind:
        postings = postings.filter(kind=kind)
    return postings.order_by("-posting_date", "-id")
