"""Account closure (SPEC section 11, terms §30): cards cancelled at once, the annual fee refunded
pro rata, the account `closing` until its balance is zero, then `closed` by the daily cycle."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from accounts.models import Account, Card
from amexprog.common.errors import ApplicationError
from ledger.selectors import account_balance

ALREADY_CLOSED = "Account {account} is already {status}."


@transaction.atomic
def account_close(*, account: Account, on: dt.date, reason: str) -> Account:
    """Close an account at the holder's or company's request."""
    from fees.services import annual_fee_refund  # fees builds on accounts; import late to keep layers one-way

    account = Account.objects.select_for_update().get(pk=account.pk)
    if account.status in (Account.Status.CLOSING, Account.Status.CLOSED):
        raise ApplicationError(ALREADY_CLOSED.format(account=account.number, status=account.status),
                               "account_already_closed")
    account.cards.exclude(status__in=[Card.Status.CANCELLED, Card.Status.EXPIRED]).update(
        status=Card.Status.CANCELLED, status_changed_on=on
    )
    annual_fee_refund(account=account, closed_on=on)
    account.status = Account.Status.CLOSING
    account.save(update_fields=["status"])
    return account


@transaction.atomic
def accounts_finish_closing(*, on: dt.date) -> int:
    """Move every closing account whose balance is zero to closed (daily)."""
    closed = 0
    for account in Account.objects.select_for_update().filter(status=Account.Status.CLOSING):
        if account_balance(account=account).amount == 0:
            account.status = Account.Status.CLOSED
            account.closed_on = on
            account.save(update_fields=["status", "closed_on"])
            closed += 1
    return closed


NO_CREDIT_BALANCE = "Account {account} has no credit balance to refund."


@transaction.atomic
def credit_balance_refund(*, account: Account, on: dt.date, by: str = "") -> None:
    """Pay a credit balance back to the company's bank account (PA sheet: credit-balance refunds)."""
    from moneyed import Money

    from ledger.models import Chart, PostingKind
    from ledger.services import posting_create

    account = Account.objects.select_for_update().get(pk=account.pk)
    balance = account_balance(account=account)
    if balance.amount >= 0:
        raise ApplicationError(NO_CREDIT_BALANCE.format(account=account.number), "no_credit_balance")
    posting_create(
        account=account, kind=PostingKind.ADJUSTMENT, amount=Money(-balance.amount, account.currency),
        posting_date=on, source_key=f"credit-refund/{account.pk}/{on.isoformat()}", counter_account=Chart.BANK,
        description="Credit balance refunded to the company's bank account",
        explanation={"rule": "credit_balance_refund", "iban": account.company.iban, "requested_by": by},
    )
