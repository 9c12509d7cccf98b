"""Credit-balance refunds on request (SPEC sections 9, 17; PA sheet: credit-balance refunds).

A PA (or the company's API client, or ops) asks for an account's credit balance to be paid out to
the company's bank account. The payout is a ledger posting against the bank (accounts.lifecycle.
credit_balance_refund, the same one closure uses) and the request is audited in the same
transaction.

Issue 15 item 5 (SPEC section 17): what is paid is the refundable balance, the credit balance less
the temporary credits of disputes not yet resolved (provisional money is never paid out); and
nothing is paid to bank details changed within the cooling-off period of the programme rules: the
request is refused, naming the first day it will be paid (accounts.change_requests.payout_refusal).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.audit import Actor, Role, audit_record, require_role
from accounts.change_requests import payout_refusal
from accounts.lifecycle import credit_balance_refund
from accounts.models import Account, AuditEntry
from amexprog.common import clock
from amexprog.common.cycle import business_date
from amexprog.common.errors import ApplicationError
from disputes.selectors import open_temporary_credit
from ledger.models import Posting
from ledger.selectors import account_balance

NO_BANK_ACCOUNT = "Company {company} has no bank account (IBAN) to pay the credit balance to."
NOTHING_REFUNDABLE = _("The credit balance of account %(account)s (%(balance)s %(currency)s) is made of temporary "
                       "dispute credits of %(provisional)s %(currency)s that are not final yet; nothing can be "
                       "refunded until the disputes are resolved.")
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
    """Pay the account's refundable credit balance (less open temporary dispute credits) to the company's
    IBAN, unless its bank details are still in their cooling-off period; return the refund posting."""
    require_role(by, (Role.COMPANY, Role.ISSUER), action="refund the credit balance of", what="account")
    # Locked before the balance and the open disputes are read, so a dispute opened meanwhile waits.
    account = Account.objects.select_for_update().select_related("company").get(pk=account.pk)
    if not account.company.iban:
        raise ApplicationError(NO_BANK_ACCOUNT.format(company=account.company.number), "no_bank_account")
    refusal = payout_refusal(company=account.company, on=on)
    if refusal is not None:
        raise refusal
    source_key = f"credit-refund/{account.pk}/{on.isoformat()}"
    if Posting.objects.filter(source_key=source_key).exists():
        raise ApplicationError(ALREADY_REFUNDED_TODAY.format(account=account.number, on=on), "already_refunded")
    credit = -account_balance(account=account).amount
    provisional = open_temporary_credit(account=account)
    if credit > 0 and credit - provisional <= 0:
        raise ApplicationError(str(NOTHING_REFUNDABLE) % {
            "account": account.number, "balance": -credit, "currency": account.currency,
            "provisional": provisional}, "no_refundable_balance")
    # Locks the account again (a no-op now) and refuses a non-credit balance.
    credit_balance_refund(account=account, on=on, by=by.label, amount=credit - provisional)
    posting = Posting.objects.get(source_key=source_key)
    audit_record(by=by, action=AuditEntry.Action.CREDIT_REFUNDED, on=on, company=account.company, account=account,
                 details={"amount": str(posting.amount.amount), "currency": account.currency,
                          "iban": account.company.iban, "posting": posting.pk,
                          "provisional_kept": str(provisional)})
    return posting
