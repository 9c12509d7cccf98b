"""Marking a charge personal under joint liability (terms §12a-ii)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from accounts.audit import Actor, Role, audit_record, require_role
from accounts.models import Account, AuditEntry, Liability
from amexprog.common.errors import ApplicationError
from ledger.models import Posting, PostingKind
from liability.models import PersonalCharge

NOT_JOINT = ("Account {account} is not under joint liability; only a joint-liability cardmember can mark a charge "
             "as personal (terms §12a-ii).")
NOT_A_CHARGE = "Only a purchase or a cash withdrawal can be marked as personal."
ALREADY_PERSONAL = "This charge is already marked as personal."
NOT_PERSONAL = "This charge is not marked as personal."

# What a cardmember can declare personal: the charges they made with the card.
PERSONAL_KINDS = (PostingKind.PURCHASE, PostingKind.CASH)
AUDIT_MARKED = AuditEntry.Action.CHARGE_MARKED_PERSONAL
AUDIT_UNMARKED = AuditEntry.Action.CHARGE_UNMARKED_PERSONAL


def _check(posting: Posting, by: Actor) -> Account:
    require_role(by, (Role.HOLDER,), action="mark as personal", what="charge")
    account = posting.account
    if account.liability != Liability.JOINT:
        raise ApplicationError(NOT_JOINT.format(account=account.number), "not_joint_liability")
    if posting.kind not in PERSONAL_KINDS:
        raise ApplicationError(NOT_A_CHARGE, "not_a_charge")
    return account


@transaction.atomic
def personal_charge_mark(*, posting: Posting, by: Actor, on: dt.date, note: str = "") -> PersonalCharge:
    """The cardmember declares a charge personal: the company is not liable for it (terms §12a-ii)."""
    posting = Posting.objects.select_related("account", "account__company").get(pk=posting.pk)
    account = _check(posting, by)
    if PersonalCharge.objects.filter(posting=posting).exists():
        raise ApplicationError(ALREADY_PERSONAL, "already_personal")
    mark = PersonalCharge.objects.create(posting=posting, account=account, marked_on=on, marked_by_id=by.user_id,
                                         note=(note or "").strip()[:200])
    audit_record(by=by, action=AUDIT_MARKED, on=on, company=account.company, account=account, card=posting.card,
                 reason=mark.note, details={"posting": posting.pk, "amount": str(posting.amount.amount),
                                            "currency": str(posting.amount.currency)})
    return mark


@transaction.atomic
def personal_charge_unmark(*, posting: Posting, by: Actor, on: dt.date) -> None:
    """The cardmember takes the declaration back: the company is liable for the charge again."""
    posting = Posting.objects.select_related("account", "account__company").get(pk=posting.pk)
    account = _check(posting, by)
    deleted, _rows = PersonalCharge.objects.filter(posting=posting).delete()
    if not deleted:
        raise ApplicationError(NOT_PERSONAL, "not_personal")
    audit_record(by=by, action=AUDIT_UNMARKED, on=on, company=account.company, account=account, card=posting.card,
                 details={"posting": posting.pk})
