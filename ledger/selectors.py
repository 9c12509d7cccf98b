"""Reads of the ledger worth naming."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from moneyed import Money

from accounts.models import Account
from amexprog.common.db import from_minor, minor_sum
from ledger.models import Chart, JournalEntry, Posting, PostingKind


@dataclass(frozen=True)
class Leg:
    """One side of a movement: positive amounts are debits, negative amounts credits."""

    ledger_account: str
    amount: Money
    account: Account | None = None


def account_balance(*, account: Account, through: dt.date | None = None) -> Money:
    """The sum of the account's postings (through a date, inclusive): positive = owed by the holder."""
    postings = Posting.objects.filter(account=account)
    if through is not None:
        postings = postings.filter(posting_date__lte=through)
    return Money(from_minor(postings.aggregate(total=minor_sum("amount"))["total"]), account.currency)


def account_balances(*, account_ids: list[int]) -> dict[int, Decimal]:
    """Each account's balance (positive = owed by the holder) in one query: the ops customer page (issue 19
    item 12) shows a company's accounts side by side."""
    rows = (Posting.objects.filter(account_id__in=account_ids).values("account_id")
            .annotate(total=minor_sum("amount")).values_list("account_id", "total"))
    return {account_id: from_minor(total) for account_id, total in rows}


def payments_of(*, account_ids: list[int], limit: int) -> list[Posting]:
    """The latest payments and returned payments of the accounts (SPEC section 9), newest first."""
    return list(Posting.objects.filter(account_id__in=account_ids,
                                       kind__in=(PostingKind.PAYMENT, PostingKind.PAYMENT_RETURN))
                .select_related("account__cardmember").order_by("-posting_date", "-pk")[:limit])


def posting_legs(*, posting: Posting) -> list[Leg]:
    """The two sides of a posting (SPEC section 4): its account's receivable, and its counter account."""
    amount = posting.amount
    return [Leg(Chart.RECEIVABLE, amount, posting.account),
            Leg(posting.counter_account, Money(-amount.amount, amount.currency))]


def entry_legs(*, entry: JournalEntry) -> list[Leg]:
    """The two sides of an entry between two ledger accounts."""
    amount = entry.amount
    return [Leg(entry.debit_account, amount), Leg(entry.credit_account, Money(-amount.amount, amount.currency))]


def trial_balance_rows() -> list[tuple[str, str, Decimal]]:
    """(ledger account, currency, debits less credits) for every pair with a movement, sorted.

    Set-based: one GROUP BY per side over postings and entries; the receivable is the sum of every
    posting, each counter account minus the sum of the postings naming it (SPEC section 4).
    """
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for row in Posting.objects.order_by().values("amount_currency").annotate(total=minor_sum("amount")):
        totals[(Chart.RECEIVABLE, row["amount_currency"])] += row["total"]
    for row in (Posting.objects.order_by().values("counter_account", "amount_currency")
                .annotate(total=minor_sum("amount"))):
        totals[(row["counter_account"], row["amount_currency"])] -= row["total"]
    for side, sign in (("debit_account", 1), ("credit_account", -1)):
        for row in (JournalEntry.objects.order_by().values(side, "amount_currency")
                    .annotate(total=minor_sum("amount"))):
            totals[(row[side], row["amount_currency"])] += sign * row["total"]
    return [(code, currency, from_minor(total)) for (code, currency), total in sorted(totals.items())]


def company_owed_totals(*, company_ids: list[int]) -> dict[int, Decimal]:
    """What each company's accounts owe (SPEC 10, the company credit limit; SPEC 18, the PA's home):
    the sum of their balances, each at least zero, so one holder's credit balance does not lend spend
    to another (charges/exposure.py counts it the same way). One grouped query for all the companies.

    Set-based (issue 19, the home at 10,000 cardmembers): the postings are summed per account in one
    pass and those sums per company, not a balance subquery per account. In minor units (exact on SQLite).
    """
    ids = list(company_ids)
    if not ids:
        return {}
    marks = ", ".join(["%s"] * len(ids))
    posting, account = Posting._meta.db_table, Account._meta.db_table
    sql = f"""
        SELECT b.company_id, SUM(CASE WHEN b.balance > 0 THEN b.balance ELSE 0 END)
          FROM (SELECT a.company_id AS company_id, SUM(CAST(ROUND(p.amount * 100) AS BIGINT)) AS balance
                  FROM {posting} p JOIN {account} a ON a.id = p.account_id
                 WHERE a.company_id IN ({marks})
                 GROUP BY a.company_id, p.account_id) b
         GROUP BY b.company_id"""
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        rows = cursor.fetchall()
    return {company_id: from_minor(owed) for company_id, owed in rows}


def postings_by_id(*, ids: list[int]) -> dict[int, Posting]:
    """Postings by id with their accounts (the events of the bulk paths name their postings, SPEC section 16)."""
    return Posting.objects.select_related("account").in_bulk(ids) if ids else {}
