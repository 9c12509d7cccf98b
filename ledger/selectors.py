"""Reads of the ledger worth naming."""

from __future__ import annotations

import datetime as dt

from moneyed import Money

from accounts.models import Account
from amexprog.common.db import from_minor, minor_sum
from ledger.models import Posting


def account_balance(*, account: Account, through: dt.date | None = None) -> Money:
    """The sum of the account's postings (through a date, inclusive): positive = owed by the holder."""
    postings = Posting.objects.filter(account=account)
    if through is not None:
        postings = postings.filter(posting_date__lte=through)
    return Money(from_minor(postings.aggregate(total=minor_sum("amount"))["total"]), account.currency)
