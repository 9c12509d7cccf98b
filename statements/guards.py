"""Nothing posts into a period whose statement is already produced (SPEC section 9): the statement
would no longer add up. Registered with the ledger at start-up."""

from __future__ import annotations

import datetime as dt

from django.db.models import Max

from accounts.models import Account
from amexprog.common.errors import ApplicationError
from ledger.services import register_posting_guard
from statements.models import Statement

PERIOD_CLOSED = "Account {account}'s statement of {statement_date} is already produced; post on a later day."


@register_posting_guard
def refuse_closed_periods(pairs: list[tuple[Account, dt.date]]) -> None:
    earliest: dict[int, tuple[Account, dt.date]] = {}
    for account, day in pairs:
        if account.pk not in earliest or day < earliest[account.pk][1]:
            earliest[account.pk] = (account, day)
    last = dict(
        Statement.objects.filter(account_id__in=earliest).values("account_id")
        .annotate(last=Max("statement_date")).values_list("account_id", "last")
    )
    for account_id, (account, day) in earliest.items():
        if account_id in last and day <= last[account_id]:
            raise ApplicationError(
                PERIOD_CLOSED.format(account=account.number, statement_date=last[account_id]), "period_closed"
            )
