"""Marking a charge personal, or reimbursed by the company, under joint liability (terms §12a-ii,
SPEC section 3; issue 16 item 12)."""

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


NOT_JOINT_REIMBURSED = ("Account {account} is not under joint liability; a charge is marked as reimbursed by the "
                        "company only under joint liability (SPEC section 3, terms §12).")
ALREADY_MARKED = "This charge is already marked: {reason}."
NOT_REIMBURSED = "This charge is not marked as reimbursed by the company."


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
    existing = PersonalCharge.objects.filter(posting=posting).first()
    if existing is not None and existing.reason == PersonalCharge.Reason.PERSONAL:
        raise ApplicationError(ALREADY_PERSONAL, "already_personal")
    if existing is not None:
        raise ApplicationError(ALREADY_MARKED.format(reason=existing.get_reason_display()), "already_marked")
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
    deleted, _rows = PersonalCharge.objects.filter(posting=posting, reason=PersonalCharge.Reason.PERSONAL).delete()
    if not deleted:
        raise ApplicationError(NOT_PERSONAL, "not_personal")
    audit_record(by=by, action=AUDIT_UNMARKED, on=on, company=account.company, account=account, card=posting.card,
                 details={"posting": posting.pk})


def _check_reimbursed(posting: Posting, by: Actor) -> Account:
    require_role(by, (Role.COMPANY,), action="mark as reimbursed", what="charge")
    account = posting.account
    if account.liability != Liability.JOINT:
        raise ApplicationError(NOT_JOINT_REIMBURSED.format(account=account.number), "not_joint_liability")
    if posting.kind not in PERSONAL_KINDS:
        raise ApplicationError(NOT_A_CHARGE, "not_a_charge")
    return account


@transaction.atomic
def reimbursed_charge_mark(*, posting: Posting, by: Actor, on: dt.date, note: str = "") -> PersonalCharge:
    """The company (a PA or its token) marks a charge it already reimbursed to the cardmember: under
    joint liability the company is not liable for it (SPEC section 3, terms §12; issue 16 item 12)."""
    posting = Posting.objects.select_for_update(of=("self",)).select_related("account", "account__company").get(
        pk=posting.pk)
    account = _check_reimbursed(posting, by)
    existing = PersonalCharge.objects.filter(posting=posting).first()
    if existing is not None:
        raise ApplicationError(ALREADY_MARKED.format(reason=existing.get_reason_display()), "already_marked")
    mark = PersonalCharge.objects.create(posting=posting, account=account, reason=PersonalCharge.Reason.REIMBURSED,
                                         marked_on=on, marked_by_id=by.user_id, note=(note or "").strip()[:200])
    audit_record(by=by, action=AUDIT_MARKED, on=on, company=account.company, account=account, card=posting.card,
                 reason=mark.note, details={"posting": posting.pk, "marked_as": PersonalCharge.Reason.REIMBURSED,
                                            "amount": str(posting.amount.amount),
                                            "currency": str(posting.amount.currency)})
    return mark


@transaction.atomic
def reimbursed_charge_unmark(*, posting: Posting, by: Actor, on: dt.date) -> None:
    """The company takes the mark back: it is jointly liable for the charge again (SPEC section 3)."""
    posting = Posting.objects.select_for_update(of=("self",)).select_related("account", "account__company").get(
        pk=posting.pk)
    account = _check_reimbursed(posting, by)
    deleted, _rows = PersonalCharge.objects.filter(posting=posting,
                                                   reason=PersonalCharge.Reason.REIMBURSED).delete()
    if not deleted:
        raise ApplicationError(NOT_REIMBURSED, "not_reimbursed")
    audit_record(by=by, action=AUDIT_UNMARKED, on=on, company=account.company, account=account, card=posting.card,
                 details={"posting": posting.pk, "marked_as": PersonalCharge.Reason.REIMBURSED})
