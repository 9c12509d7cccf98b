"""Nothing posts into a period whose statement is already produced (SPEC section 9): the statement
would no longer add up. Registered with the ledger at start-up."""

from __future__ import annotations

import datetime as dt

from django.db.models import Max

from accounts.models import Account
from amexprog.common.errors import ApplicationError
from ledger.services import PostingRefusal, register_posting_guard
from statements.models import Statement

PERIOD_CLOSED = "Account {account}'s statement of {statement_date} is already produced; post on a later day."


@register_posting_guard
def refuse_closed_periods(pairs: list[tuple[Account, dt.date]]) -> list[PostingRefusal]:
    """Each pair on or before its account's last produced statement, in the order given."""
    accounts = {account.pk for account, _day in pairs}
    last = dict(
        Statement.objects.filter(account_id__in=accounts).values("account_id")
        .annotate(last=Max("statement_date")).values_list("account_id", "last")
    )
    return [
        PostingRefusal(account.pk, day, ApplicationError(
            PERIOD_CLOSED.format(account=account.number, statement_date=last[account.pk]), "period_closed"))
        for account, day in pairs if account.pk in last and day <= last[account.pk]
    ]
