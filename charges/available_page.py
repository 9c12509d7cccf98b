"""Balance and available to spend for a whole page of accounts or cards, set-based (SPEC sections 4, 10;
issue 18 item 9): the same figures as the detail (charges.available, which decides like an
authorization, charges.authorizations.spend_of), in a fixed number of queries however many rows the page
holds — a list of 100 cards must not run 100 spend look-ups.

Per page: the accounts' balances (one grouped sum), their last statement dates (one), their open holds
(one), their spend postings since they were last billed or since the month began (one, grouped by day),
the companies' open holds (one), what the companies owe (the cached CompanyExposure and its pending
changes, two, and one grouped recomputation for the companies whose cache is stale — read only, the
next authorization refreshes the cache), the programme rules of each market on the page (at most one per
market), and for accounts their cards with their controls (one).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Max, Q, Sum

from accounts.controls import effective_controls
from accounts.models import Account, Card
from accounts.rules import programme_rules
from amexprog.common.db import from_minor
from charges.authorization_models import CompanyExposure, ExposureChange, Hold
from charges.authorization_rules import Spend, available_spend
from charges.authorizations import SPEND_KINDS, _card_refusal
from charges.exposure import REFRESH_AFTER, _minor_sql
from ledger.models import Posting

ZERO = Decimal("0")


@dataclass(frozen=True)
class SpendFigures:
    balance: Decimal
    available_to_spend: Decimal


def _balances(account_ids: list[int]) -> dict[int, Decimal]:
    rows = Posting.objects.filter(account_id__in=account_ids).values("account_id").annotate(total=Sum("amount"))
    return {row["account_id"]: Decimal(row["total"] or 0) for row in rows}


def _billed_through(accounts: list[Account]) -> dict[int, dt.date]:
    """The last statement date of each account, or the day before it opened (spend_of's `billed`)."""
    from statements.models import Statement  # a read of the statements app, as spend_of does

    last = dict(Statement.objects.filter(account_id__in=[a.pk for a in accounts]).values("account_id")
                .annotate(through=Max("statement_date")).values_list("account_id", "through"))
    return {a.pk: last.get(a.pk) or a.opened_on - dt.timedelta(days=1) for a in accounts}


def _account_spend(accounts: list[Account], on: dt.date) -> dict[int, list[Decimal]]:
    """[day, month, period] of each account: its open holds plus its posted spend (spend_of)."""
    month = on.replace(day=1)
    ids = [account.pk for account in accounts]
    spend: dict[int, list[Decimal]] = {pk: [ZERO, ZERO, ZERO] for pk in ids}
    for account_id, created_on, amount in (Hold.objects.filter(account_id__in=ids, status=Hold.Status.OPEN,
                                                               expires_on__gt=on)
                                           .values_list("account_id", "created_on", "amount")):
        figures = spend[account_id]
        figures[0] += amount if created_on == on else ZERO
        figures[1] += amount if created_on >= month else ZERO
        figures[2] += amount
    through = _billed_through(accounts)
    earliest = min(through.values(), default=on)
    rows = (Posting.objects.filter(account_id__in=ids, kind__in=SPEND_KINDS)
            .filter(Q(posting_date__gt=earliest) | Q(transaction_date__gte=month))
            .values("account_id", "transaction_date", "posting_date").annotate(total=Sum("amount")))
    for row in rows:
        account_id, tdate, pdate = row["account_id"], row["transaction_date"], row["posting_date"]
        unbilled = pdate > through[account_id]
        if not (unbilled or (tdate is not None and tdate >= month)):
            continue  # outside this account's window (the query read from the page's earliest)
        amount = Decimal(row["total"] or 0)
        figures = spend[account_id]
        figures[0] += amount if tdate == on else ZERO
        figures[1] += amount if tdate is not None and month <= tdate <= on else ZERO
        figures[2] += amount if unbilled else ZERO
    return spend


def _owed_sql(vendor: str, count: int) -> str:
    """charges.exposure's sum of what each company's accounts owe, for several companies at once."""
    from statements.models import Statement

    statements, postings = Statement._meta.db_table, Posting._meta.db_table
    fence = "OFFSET 0" if vendor == "postgresql" else "LIMIT -1 OFFSET 0"
    companies = ", ".join(["%s"] * count)
    return f"""
SELECT b.company_id, SUM(CASE WHEN b.balance > 0 THEN b.balance ELSE 0 END)
  FROM (SELECT a.company_id,
               COALESCE((SELECT {_minor_sql("s.closing_balance")} FROM {statements} s
                          WHERE s.account_id = a.id ORDER BY s.statement_date DESC LIMIT 1), 0)
             + COALESCE((SELECT SUM({_minor_sql("l.amount")}) FROM {postings} l
                          WHERE l.account_id = a.id
                            AND l.posting_date > COALESCE((SELECT MAX(s.statement_date) FROM {statements} s
                                                            WHERE s.account_id = a.id), %s)), 0) AS balance
          FROM {Account._meta.db_table} a
         WHERE a.company_id IN ({companies})
        {fence}) b
 GROUP BY b.company_id
"""


def _company_exposure(company_ids: list[int], on: dt.date, at: dt.datetime) -> dict[int, Decimal]:
    """Open holds plus what the accounts owe, per company (spend_of's `company_exposure`)."""
    holds = dict(Hold.objects.filter(company_id__in=company_ids, status=Hold.Status.OPEN, expires_on__gt=on)
                 .values("company_id").annotate(total=Sum("amount")).values_list("company_id", "total"))
    cached = {row.company_id: row for row in CompanyExposure.objects.filter(company_id__in=company_ids)}
    changed = set(ExposureChange.objects.filter(company_id__in=company_ids).values("company_id")
                  .annotate(n=Count("id")).values_list("company_id", flat=True))
    owed: dict[int, Decimal] = {}
    stale = []
    for company_id in company_ids:
        row = cached.get(company_id)
        if row is None or company_id in changed or row.computed_at is None or at - row.computed_at > REFRESH_AFTER:
            stale.append(company_id)
        else:
            owed[company_id] = Decimal(getattr(row.owed, "amount", row.owed))
    if stale:
        with connection.cursor() as cursor:
            cursor.execute(_owed_sql(connection.vendor, len(stale)), [dt.date(1, 1, 1), *stale])
            for company_id, minor in cursor.fetchall():
                owed[company_id] = from_minor(minor)
    return {company_id: Decimal(holds.get(company_id) or 0) + owed.get(company_id, ZERO)
            for company_id in company_ids}


def _figures(cards: list[Card], accounts: list[Account], on: dt.date, at: dt.datetime):
    """(balances by account, available by card) for the cards, whose accounts are `accounts`."""
    balances = _balances([account.pk for account in accounts])
    spend = _account_spend(accounts, on)
    exposure = _company_exposure(sorted({account.company_id for account in accounts}), on, at)
    rules = {market: programme_rules(market=market, on=on)
             for market in sorted({card.account.company.market for card in cards})}
    available: dict[int, Decimal] = {}
    for card in cards:
        if _card_refusal(card, on):
            available[card.pk] = ZERO
            continue
        day, month, period = spend[card.account_id]
        figures = Spend(day=day, month=month, period=period, cash_day=ZERO, cash_period=ZERO,
                        company_exposure=exposure[card.account.company_id])
        controls = effective_controls(card=card, on=on, rules=rules[card.account.company.market])
        available[card.pk] = available_spend(controls, figures, ZERO)
    return balances, available


def cards_spend_figures(*, cards: list[Card], on: dt.date, at: dt.datetime) -> dict[int, SpendFigures]:
    """Each card's account balance and what the card can still spend (charges.available, set-based)."""
    cards = list(Card.objects.filter(pk__in=[card.pk for card in cards])
                 .select_related("account__company__controls", "controls"))
    accounts = list({card.account_id: card.account for card in cards}.values())
    balances, available = _figures(cards, accounts, on, at)
    return {card.pk: SpendFigures(balances.get(card.account_id, ZERO), available[card.pk]) for card in cards}


def accounts_spend_figures(*, accounts: list[Account], on: dt.date, at: dt.datetime) -> dict[int, SpendFigures]:
    """Each account's balance and the most any of its cards could still spend (charges.available)."""
    accounts = list(Account.objects.filter(pk__in=[account.pk for account in accounts])
                    .select_related("company__controls"))
    by_id = {account.pk: account for account in accounts}
    cards = list(Card.objects.filter(account_id__in=list(by_id)).select_related("controls"))
    for card in cards:
        card.account = by_id[card.account_id]
    balances, available = _figures(cards, accounts, on, at)
    best: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for card in cards:
        best[card.account_id] = max(best[card.account_id], available[card.pk])
    return {pk: SpendFigures(balances.get(pk, ZERO), best[pk]) for pk in by_id}

