"""Credit-balance refunds on request (SPEC section 9; PA sheet: credit-balance refunds).

A PA (or the company's API client, or ops) asks for an account's credit balance to be paid out to
the company's bank account. The payout is a ledger posting against the bank (accounts.lifecycle.
credit_balance_refund, the same one closure uses) and the request is audited in the same
transaction.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from accounts.audit import Actor, Role, audit_record, require_role
from accounts.lifecycle import credit_balance_refund
from accounts.models import Account, AuditEntry
from amexprog.common import clock
from amexprog.common.cycle import business_date
from amexprog.common.errors import ApplicationError
from ledger.models import Posting

NO_BANK_ACCOUNT = "Company {company} has no bank account (IBAN) to pay the credit balance to."
# The ledger's source key allows one refund per account and day; a second would silently do nothing.
ALREADY_REFUNDED_TODAY = "A credit balance of account {account} was already refunded on {on}; ask again tomorrow."


def booking_day() -> dt.date:
    """The day a refund asked for now is booked on, and what a page shown now counts up to: today, or
    the day after the last business day the cycle completed when that is later (a statement already
    produced closes its period)."""
    today, last = clock.today(), business_date()
    return max(today, last + dt.timedelta(days=1)) if last else today


@transaction.atomic
def credit_refund_request(*, account: Account, by: Actor, on: dt.date) -> Posting:
    """Pay the account's whole credit balance to the company's IBAN; return the refund posting."""
    require_role(by, (Role.COMPANY, Role.ISSUER), action="refund the credit balance of", what="account")
    account = Account.objects.select_related("company").get(pk=account.pk)
    if not account.company.iban:
        raise ApplicationError(NO_BANK_ACCOUNT.format(company=account.company.number), "no_bank_account")
    source_key = f"credit-refund/{account.pk}/{on.isoformat()}"
    if Posting.objects.filter(source_key=source_key).exists():
        raise ApplicationError(ALREADY_REFUNDED_TODAY.format(account=account.number, on=on), "already_refunded")
    credit_balance_refund(account=account, on=on, by=by.label)  # locks the account, refuses a non-credit balance
    posting = Posting.objects.get(source_key=source_key)
    audit_record(by=by, action=AuditEntry.Action.CREDIT_REFUNDED, on=on, company=account.company, account=account,
                 details={"amount": str(posting.amount.amount), "currency": account.currency,
                          "iban": account.company.iban, "posting": posting.pk})
    return posting
