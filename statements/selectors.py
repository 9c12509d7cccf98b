"""What is billed, due and unpaid (SPEC section 9).

A statement's unpaid amount is what is left of its billed amount after payments (net of returns),
the credits of statements whose billed amount is negative, and dispute credits have paid the oldest
billed amounts first. Nothing here is stored: it is derived from statements and postings whenever asked, so a
returned payment or a late credit changes it without any bookkeeping.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.db.models import Max, Q, QuerySet

from accounts.models import Account
from amexprog.common.db import from_minor, minor_sum
from ledger.models import Posting, PostingKind
from statements.models import Statement

# Postings that are not billed: they pay (or un-pay) billed amounts instead (SPEC section 9).
PAYMENT_KINDS = (PostingKind.PAYMENT, PostingKind.PAYMENT_RETURN)
# A dispute's temporary credit pays like a payment from the day it is posted, whichever statement
# bills it, so a disputed amount is neither overdue nor bears interest (SPEC section 12). Its
# re-debit (`dispute_reversal`) stays a billed amount with the due date of the statement that bills it.
CREDIT_KINDS = (*PAYMENT_KINDS, PostingKind.DISPUTE_CREDIT)
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Due:
    statement_id: int
    statement_date: dt.date
    due_date: dt.date
    billed: Decimal
    unpaid: Decimal


class _Billed(NamedTuple):
    """What the allocation needs of a statement."""

    id: int
    account_id: int
    period_start: dt.date
    statement_date: dt.date
    due_date: dt.date
    billed_amount: Decimal


def statements_by_id(*, ids: list[int]) -> dict[int, Statement]:
    """Statements by id with their accounts (the statement day's statement.ready events name them, SPEC
    section 16)."""
    return Statement.objects.select_related("account").in_bulk(ids) if ids else {}


def allocate_oldest_first(billed: list[Decimal], credit: Decimal) -> list[Decimal]:
    """Unpaid amounts after `credit` pays the positive billed amounts in order (oldest first)."""
    unpaid = []
    for amount in billed:
        paid = min(max(credit, ZERO), amount) if amount > 0 else ZERO
        credit -= paid
        unpaid.append(amount - paid if amount > 0 else ZERO)
    return unpaid


def dues_for_accounts(*, account_ids: Iterable[int], as_of: dt.date, end_of_day: bool,
                      scope: QuerySet | None = None) -> dict[int, list[Due]]:
    """Each account's statements with what is unpaid of them, at the start or end of `as_of`.

    At the start of a day, that day's payments and statement are not yet counted (SPEC section 8:
    a payment received on d stops interest from d + 1). `scope`, a query of the same account ids,
    lets the reads select them by a subquery rather than by thousands of parameters (the PA's home).
    """
    ids = list(account_ids)
    if not ids:
        return {}
    within = scope if scope is not None else ids
    date_filter = {"statement_date__lte" if end_of_day else "statement_date__lt": as_of}
    statements: dict[int, list[_Billed]] = defaultdict(list)
    # Plain rows, not Statement instances: at a company's thousands of accounts (the dashboard's ageing,
    # the daily interest and reminder runs) building model instances cost more than the query.
    for row in (
        Statement.objects.filter(account_id__in=within, **date_filter)
        .order_by("account_id", "statement_date")
        .values_list("id", "account_id", "period_start", "statement_date", "due_date", "billed_amount")
    ):
        statements[row[1]].append(_Billed(*row))
    paid = dict(
        Posting.objects.filter(credited_by(as_of, end_of_day=end_of_day), account_id__in=within,
                               kind__in=CREDIT_KINDS)
        .values("account_id")
        .annotate(total=minor_sum("amount"))
        .values_list("account_id", "total")
    )
    dispute_credits = _dispute_credits_billed(within, statements)
    result: dict[int, list[Due]] = {}
    for account_id in ids:
        rows = statements.get(account_id, [])
        # The dispute credits are in the pool above, so they leave the billed amounts they are part of.
        billed = [row.billed_amount - dispute_credits.get(row.id, ZERO) for row in rows]
        credit = -from_minor(paid.get(account_id)) + sum((-amount for amount in billed if amount < 0), ZERO)
        unpaid = allocate_oldest_first(billed, credit)
        result[account_id] = [
            Due(row.id, row.statement_date, row.due_date, amount, left)
            for row, amount, left in zip(rows, billed, unpaid, strict=True)
        ]
    return result


def credited_by(as_of: dt.date, *, end_of_day: bool) -> Q:
    """Credits that count at the start or end of `as_of`: by value date where a payment has one (a payment
    received on a stated day and booked later, SPEC section 9), by posting date otherwise."""
    before = "lte" if end_of_day else "lt"
    return (Q(value_date__isnull=True, **{f"posting_date__{before}": as_of})
            | Q(**{f"value_date__{before}": as_of}))


def first_open_day(*, account_ids: Iterable[int], on: dt.date) -> dict[int, dt.date]:
    """Each account's first day on or after `on` whose period has no statement yet (SPEC section 9: a payment
    received on a stated day is booked there, its received date kept as value date)."""
    account_ids = list(account_ids)
    last = dict(Statement.objects.filter(account_id__in=account_ids, statement_date__gte=on)
                .values("account_id").annotate(last=Max("statement_date")).values_list("account_id", "last"))
    return {account_id: max(on, last[account_id] + dt.timedelta(days=1)) if account_id in last else on
            for account_id in account_ids}


def _dispute_credits_billed(ids: list[int] | QuerySet, statements: dict[int, list[_Billed]]) -> dict[int, Decimal]:
    """Each statement's dispute credits (negative), by statement id; disputes are rare, so one small query."""
    last = max((rows[-1].statement_date for rows in statements.values() if rows), default=None)
    if last is None:
        return {}
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for account_id, day, amount in Posting.objects.filter(
        account_id__in=ids, kind=PostingKind.DISPUTE_CREDIT, posting_date__lte=last
    ).values_list("account_id", "posting_date", "amount"):
        for row in statements.get(account_id, []):
            if row.period_start <= day <= row.statement_date:
                totals[row.id] += amount
                break
    return totals


def account_dues(*, account: Account, as_of: dt.date, end_of_day: bool = True) -> list[Due]:
    return dues_for_accounts(account_ids=[account.pk], as_of=as_of, end_of_day=end_of_day)[account.pk]


def overdue(dues: list[Due], *, on: dt.date) -> list[Due]:
    """Dues whose due date has passed on `on` and that are not fully paid (paying on the due date is on time)."""
    return [due for due in dues if due.unpaid > 0 and due.due_date < on]


def days_past_due(dues: list[Due], *, on: dt.date) -> int:
    """SPEC section 9: d minus the oldest due date not fully paid; 0 when nothing is overdue."""
    late = overdue(dues, on=on)
    return (on - late[0].due_date).days if late else 0


@dataclass(frozen=True)
class CompanyDues:
    """What a company's accounts have due at the end of a day (SPEC 9, SPEC 18's home)."""

    next_due_date: dt.date | None = None
    next_due_amount: Decimal = ZERO  # unpaid of the statements due on next_due_date
    overdue_amount: Decimal = ZERO  # unpaid of the statements whose due date has passed
    past_due_accounts: int = 0  # accounts with an overdue amount (days past due > 0)


def _date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)  # SQLite returns text


def company_dues(*, company_ids: Iterable[int], on: dt.date) -> dict[int, CompanyDues]:
    """Per company, at the end of `on`: the next due date on or after `on` with what is unpaid of it,
    what is overdue and how many accounts are past due (SPEC 9; the PA's home, SPEC 18).

    The same allocation as `dues_for_accounts` (credits pay the oldest billed amounts first; a dispute
    credit leaves the billed amount of the statement whose period it falls in and pays like a payment),
    computed set-based in one query whatever the number of accounts (issue 19: the home at 10,000
    cardmembers): each statement's unpaid amount is its billed amount less what the account's credit
    pool has left after the older billed amounts, i.e. min(billed, max(billed so far - credit, 0)).
    In minor units, so exact on SQLite too.
    """
    ids = list(company_ids)
    if not ids:
        return {}
    marks = ", ".join(["%s"] * len(ids))
    credit_kinds = ", ".join(["%s"] * len(CREDIT_KINDS))
    statement, posting, account = Statement._meta.db_table, Posting._meta.db_table, Account._meta.db_table
    sql = f"""
    WITH billed AS (
        SELECT a.company_id, s.account_id, s.statement_date, s.due_date,
               CAST(ROUND(s.billed_amount * 100) AS BIGINT)
               - COALESCE(SUM(CAST(ROUND(d.amount * 100) AS BIGINT)), 0) AS amount
          FROM {statement} s JOIN {account} a ON a.id = s.account_id
          LEFT JOIN {posting} d ON d.account_id = s.account_id AND d.kind = %s
                               AND d.posting_date >= s.period_start AND d.posting_date <= s.statement_date
         WHERE a.company_id IN ({marks}) AND s.statement_date <= %s
         GROUP BY a.company_id, s.id, s.account_id, s.statement_date, s.due_date, s.billed_amount
    ), paid AS (
        SELECT p.account_id, SUM(CAST(ROUND(p.amount * 100) AS BIGINT)) AS total
          FROM {posting} p JOIN {account} a ON a.id = p.account_id
         WHERE a.company_id IN ({marks}) AND p.kind IN ({credit_kinds})
           AND ((p.value_date IS NULL AND p.posting_date <= %s) OR p.value_date <= %s)
         GROUP BY p.account_id
    ), pooled AS (
        SELECT b.company_id, b.account_id, b.due_date, b.amount,
               COALESCE(-paid.total, 0)
               + SUM(CASE WHEN b.amount < 0 THEN -b.amount ELSE 0 END) OVER (PARTITION BY b.account_id) AS credit,
               SUM(CASE WHEN b.amount > 0 THEN b.amount ELSE 0 END) OVER (
                   PARTITION BY b.account_id ORDER BY b.statement_date
                   ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS so_far
          FROM billed b LEFT JOIN paid ON paid.account_id = b.account_id
    ), unpaid AS (
        SELECT company_id, account_id, due_date,
               CASE WHEN amount <= 0 OR so_far <= credit THEN 0
                    WHEN so_far - credit >= amount THEN amount
                    ELSE so_far - credit END AS amount
          FROM pooled
    )
    SELECT company_id, CASE WHEN due_date < %s THEN NULL ELSE due_date END AS next_date,
           SUM(amount), COUNT(DISTINCT account_id)
      FROM unpaid
     WHERE amount > 0
     GROUP BY company_id, CASE WHEN due_date < %s THEN NULL ELSE due_date END"""
    params = [PostingKind.DISPUTE_CREDIT.value, *ids, on, *ids, *(str(kind) for kind in CREDIT_KINDS), on, on, on, on]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    figures: dict[int, dict] = defaultdict(dict)
    for company_id, next_date, total, accounts in rows:
        if next_date is None:  # overdue: due before `on`, unpaid
            figures[company_id].update(overdue_amount=from_minor(total), past_due_accounts=accounts)
            continue
        next_date = _date(next_date)
        current = figures[company_id].get("next_due_date")
        if current is None or next_date < current:
            figures[company_id].update(next_due_date=next_date, next_due_amount=from_minor(total))
    return {company_id: CompanyDues(**values) for company_id, values in figures.items()}
