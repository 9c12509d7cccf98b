"""Ageing of what a company's accounts owe (SPEC section 9): one computation for the PA dashboard
and the ageing-analysis report.

Every statement's unpaid amount (statements.selectors.dues_for_accounts, oldest billed paid first)
falls into one bucket by how many days past its due date it is on the given day: `current` (not
yet due, or due that day), 1–30, 31–60, 61–90 and over 90 days past due. An account's own bucket
is that of its oldest unpaid due (its days past due, SPEC section 9), so an account is counted once
in `account_counts` but may owe amounts in several buckets.

The query count is fixed whatever the number of accounts: one for the accounts, then the three of
dues_for_accounts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Company
from statements.models import Statement
from statements.selectors import ZERO, Due, days_past_due, dues_for_accounts

# (key, label, lowest days past due, highest days past due or None for no upper bound)
BUCKETS: tuple[tuple[str, object, int, int | None], ...] = (
    ("current", _("Current"), 0, 0),
    ("1_30", _("1–30 days"), 1, 30),
    ("31_60", _("31–60 days"), 31, 60),
    ("61_90", _("61–90 days"), 61, 90),
    ("90_plus", _("Over 90 days"), 91, None),
)
BUCKET_KEYS = tuple(key for key, *_rest in BUCKETS)


def bucket_for(days: int) -> str:
    """The bucket of an amount (or an account) `days` past due; 0 or less is current."""
    if days <= 0:
        return "current"
    for key, _label, low, high in BUCKETS[1:]:
        if low <= days and (high is None or days <= high):
            return key
    raise AssertionError(days)  # pragma: no cover - the last bucket has no upper bound


def _empty() -> dict[str, Decimal]:
    return {key: ZERO for key in BUCKET_KEYS}


@dataclass
class AccountAgeing:
    account_id: int
    currency: str
    days_past_due: int
    bucket: str  # the account's own bucket: that of its oldest unpaid due
    amounts: dict[str, Decimal] = field(default_factory=_empty)

    @property
    def total(self) -> Decimal:
        return sum(self.amounts.values(), ZERO)

    @property
    def past_due(self) -> Decimal:
        return self.total - self.amounts["current"]


@dataclass
class Ageing:
    on: dt.date
    accounts: dict[int, AccountAgeing]  # only accounts that owe something
    totals: dict[str, Decimal]  # unpaid amounts per bucket over all accounts
    account_counts: dict[str, int]  # accounts per bucket (each account once, by its oldest due)

    @property
    def total(self) -> Decimal:
        return sum(self.totals.values(), ZERO)

    @property
    def past_due_accounts(self) -> int:
        return sum(count for key, count in self.account_counts.items() if key != "current")

    def rows(self) -> list[dict]:
        """The buckets in order, each with its label, amount and account count (for templates)."""
        return [
            {"key": key, "label": label, "amount": self.totals[key], "accounts": self.account_counts[key]}
            for key, label, *_rest in BUCKETS
        ]


def account_ageing(*, account_id: int, currency: str, dues: list[Due], on: dt.date) -> AccountAgeing | None:
    """One account's unpaid amounts by bucket on `on`, or None when it owes nothing."""
    amounts = _empty()
    for due in dues:
        if due.unpaid > 0:
            amounts[bucket_for((on - due.due_date).days)] += due.unpaid
    if not any(amounts.values()):
        return None
    dpd = days_past_due(dues, on=on)
    return AccountAgeing(account_id=account_id, currency=currency, days_past_due=dpd, bucket=bucket_for(dpd),
                         amounts=amounts)


def ageing_buckets(company: Company, on: dt.date, *, accounts=None) -> Ageing:
    """A company's unpaid amounts and accounts by ageing bucket at the end of `on`.

    `accounts` may narrow the accounts (a queryset of the company's accounts); by default every
    account of the company, closed ones included, as long as they owe something.
    """
    queryset = accounts if accounts is not None else Account.objects.filter(company=company)
    # Only a billed amount can be unpaid, so an account without a statement owes nothing here.
    billed = Statement.objects.filter(account_id=OuterRef("pk"))
    currencies = dict(queryset.filter(Exists(billed)).values_list("pk", "currency"))
    per_account: dict[int, AccountAgeing] = {}
    totals = _empty()
    counts = dict.fromkeys(BUCKET_KEYS, 0)
    for account_id, dues in dues_for_accounts(account_ids=currencies, as_of=on, end_of_day=True).items():
        ageing = account_ageing(account_id=account_id, currency=currencies[account_id], dues=dues, on=on)
        if ageing is None:
            continue
        per_account[account_id] = ageing
        counts[ageing.bucket] += 1
        for key, amount in ageing.amounts.items():
            totals[key] += amount
    return Ageing(on=on, accounts=per_account, totals=totals, account_counts=counts)
