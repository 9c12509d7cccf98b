"""Reads of the ledger worth naming."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Sum
from moneyed import Money

from accounts.models import Account
from ledger.models import Posting


def account_balance(*, account: Account, through: dt.date | None = None) -> Money:
    """The sum of the account's postings (through a date, inclusive): positive = owed by the holder."""
    postings = Posting.objects.filter(account=account)
    if through is not None:
        postings = postings.filter(posting_date__lte=through)
    total = postings.aggregate(total=Sum("amount"))["total"] or Decimal("0.00")
    return Money(total, account.currency)
