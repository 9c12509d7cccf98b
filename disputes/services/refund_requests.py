"""Refund requests for authorized charges (SPEC section 12, terms §23).

Only for merchants in the EEA, within 8 weeks of the statement date that billed the charge, and
only for an amount above what the holder could reasonably expect. Ops decide within 10 bank days of
complete information; asking the holder for more information stops that clock, and it starts again
when the information is complete. A request still undecided after its due date surfaces to ops
(the daily `refund_requests_overdue` step marks it). Granting refunds the charge (and its fees)
with a `dispute_credit`.
"""

from __future__ import annotations

import datetime as dt
from typing import IO

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from moneyed import Money

from accounts.models import Account
from accounts.roles import DECIDE_REFUND
from amexprog.common import clock
from amexprog.common.errors import ApplicationError
from disputes import notices
from disputes.audit import SYSTEM, Actor, event_record
from disputes.models import CaseEvent, RefundRequest
from disputes.rules import add_bank_days, is_eea, refund_request_last_day, rules_in_force
from disputes.selectors import charge_disputable_amount, charge_fees, charge_statement
from disputes.services.common import (
    checked_amount,
    error_money,
    evidence_add,
    fee_share,
    require_ops,
    require_permission_if_ops,
)
from ledger.models import PostingKind
from ledger.services import posting_create

NOT_A_PURCHASE = _("A refund can only be requested for a purchase.")
NOT_EEA = _("Refunds of authorized charges are only for merchants in the EEA; this merchant is in {country}.")
REFUND_TOO_LATE = _(
    "This charge was billed on the statement of {statement_date}. Refunds can be requested for 8 weeks after "
    "the statement date, until {last_day}."
)
NOT_ABOVE_EXPECTED = _(
    "A refund can be requested when the charge is above what you could reasonably expect; the charge is "
    "{charged} and you expected {expected}."
)
EXPLANATION_REQUIRED = _("Explain why the amount is more than you could reasonably expect.")
ALREADY_REQUESTED = _("A refund of this charge was already requested (#{number}).")
NOT_OPEN = _("Refund request #{number} is {status}: it can no longer change.")
REASON_REQUIRED = _("Give the reason for the decision: a refusal must say why.")
NOTHING_TO_REFUND = _("Nothing of this charge is left to refund: it is refunded or disputed in full.")

SUBMITTED_SUBJECT = _("Refund request #{number} received")
SUBMITTED_BODY = _("We have received your request for a refund of {charge}. We will decide by {due}.")
INFORMATION_SUBJECT = _("Refund request #{number}: we need more information")
INFORMATION_BODY = _("To decide on your refund request for {charge} we need more information: {note}")
COMPLETE_BODY = _("We have the information we need on your refund request for {charge}. We will decide by {due}.")
GRANTED_SUBJECT = _("Refund request #{number} granted: {amount} refunded")
GRANTED_BODY = _("Your refund request for {charge} is granted: {amount} is credited to your account. {note}")
REFUSED_SUBJECT = _("Refund request #{number} refused")
REFUSED_BODY = _(
    "Your refund request for {charge} is refused: {note} If you disagree, you can complain to us under "
    "Complaints in the portal; our final answer names the authorities you can then turn to (terms §21b–d)."
)


def _label(request: RefundRequest) -> str:
    charge = request.charge
    # The amount as the notice's reader writes money ("1.200,00 kr." in Danish), not the raw "1200.00 DKK".
    amount = notices.money_text(charge.amount.amount, charge.account)
    return f"{charge.description or PostingKind(charge.kind).label} ({amount})"


def _decision_due(account: Account, on: dt.date) -> dt.date:
    rules = rules_in_force(market=account.company.market, on=on)
    return add_bank_days(on, rules.refund_decision_bank_days, account.company.market)


@transaction.atomic
def refund_request_submit(*, charge, expected_amount: Money, explanation: str, by: Actor, on: dt.date,
                          note: str = "", upload: IO[bytes] | None = None, filename: str = "") -> RefundRequest:
    """Ask for a refund of an authorized charge (terms §23); the information is complete as given,
    so the decision is due 10 bank days from `on`."""
    require_permission_if_ops(by, "disputes.add_refundrequest")
    account = (Account.objects.select_for_update(of=("self",)).select_related("company", "cardmember")
               .get(pk=charge.account_id))
    if charge.kind != PostingKind.PURCHASE:
        raise ApplicationError(str(NOT_A_PURCHASE), "not_refundable", {"field": "charge"})
    if not is_eea(charge.merchant_country or ""):
        raise ApplicationError(str(NOT_EEA).format(country=charge.merchant_country or "?"), "merchant_not_eea",
                               {"field": "charge"})
    rules = rules_in_force(market=account.company.market, on=on)
    statement = charge_statement(charge)
    if statement is not None:
        last_day = refund_request_last_day(statement.statement_date, rules)
        if on > last_day:
            raise ApplicationError(
                str(REFUND_TOO_LATE).format(statement_date=statement.statement_date.isoformat(),
                                            last_day=last_day.isoformat()),
                "refund_request_too_late", {"statement_date": statement.statement_date.isoformat(),
                                            "last_day": last_day.isoformat()})
    expected = checked_amount(expected_amount, account, allow_zero=True)
    if expected >= charge.amount.amount:
        raise ApplicationError(
            str(NOT_ABOVE_EXPECTED).format(charged=error_money(charge.amount.amount, account),
                                           expected=error_money(expected, account)),
            "not_above_expected", {"field": "expected_amount"})
    if not explanation.strip():
        raise ApplicationError(str(EXPLANATION_REQUIRED), "explanation_required", {"field": "explanation"})
    previous = RefundRequest.objects.filter(charge=charge, status__in=[*RefundRequest.OPEN,
                                                                        RefundRequest.Status.GRANTED]).first()
    if previous is not None:
        raise ApplicationError(str(ALREADY_REQUESTED).format(number=previous.pk), "already_requested")
    now = clock.now()
    request = RefundRequest.objects.create(
        account=account, charge=charge, statement=statement, expected_amount=Money(expected, account.currency),
        explanation=explanation.strip(), submitted_on=on, submitted_at=now, submitted_by=by.label,
        information_complete_on=on, decision_due_on=_decision_due(account, on), status_changed_at=now,
    )
    # The due date is the request's own field, shown in the reader's words; a note in English would not be
    # (issue 19 item 8).
    event_record(by=by, on=on, action=CaseEvent.Action.OPENED, to_status=request.status, refund_request=request)
    if note.strip() or upload is not None:
        evidence_add(case=request, by=by, on=on, note=note, upload=upload, filename=filename)
    notices.holder_notify(account=account, on=on, source_key=f"refund-request/{request.pk}/submitted",
                          subject=SUBMITTED_SUBJECT, body=SUBMITTED_BODY, number=request.pk, charge=_label(request),
                          due=request.decision_due_on.isoformat())
    return request


def _locked_open(request: RefundRequest) -> RefundRequest:
    request = RefundRequest.objects.select_for_update(of=("self",)).select_related(
        "account__company", "account__cardmember", "charge__account").get(pk=request.pk)
    if not request.is_open:
        raise ApplicationError(str(NOT_OPEN).format(number=request.pk, status=request.get_status_display()),
                               "refund_request_closed")
    return request


def _set_status(request: RefundRequest, status: str, by: Actor, on: dt.date, action: str, note: str) -> None:
    from_status = request.status
    request.status = status
    request.status_changed_at = clock.now()
    request.save()
    event_record(by=by, on=on, action=action, from_status=from_status, to_status=status, note=note,
                 refund_request=request)


@transaction.atomic
def refund_request_ask_information(*, request: RefundRequest, note: str, by: Actor, on: dt.date) -> RefundRequest:
    """Ops need more from the holder: the decision clock stops until the information is complete."""
    require_ops(by, "disputes.change_refundrequest")
    request = _locked_open(request)
    request.information_complete_on = None
    request.decision_due_on = None
    request.overdue_since = None
    _set_status(request, RefundRequest.Status.AWAITING_INFORMATION, by, on,
                CaseEvent.Action.INFORMATION_REQUESTED, note)
    notices.holder_notify(account=request.account, on=on,
                          source_key=f"refund-request/{request.pk}/information/{request.events.count()}",
                          subject=INFORMATION_SUBJECT, body=INFORMATION_BODY, number=request.pk,
                          charge=_label(request), note=note)
    return request


@transaction.atomic
def refund_request_information_complete(*, request: RefundRequest, by: Actor, on: dt.date,
                                        note: str = "") -> RefundRequest:
    """Ops have what they need: the decision is due 10 bank days from `on`."""
    require_ops(by, "disputes.change_refundrequest")
    request = _locked_open(request)
    request.information_complete_on = on
    request.decision_due_on = _decision_due(request.account, on)
    request.overdue_since = None
    _set_status(request, RefundRequest.Status.SUBMITTED, by, on, CaseEvent.Action.INFORMATION_COMPLETE,
                f"decision due {request.decision_due_on.isoformat()}. {note}".strip())
    notices.holder_notify(account=request.account, on=on,
                          source_key=f"refund-request/{request.pk}/complete/{request.events.count()}",
                          subject=SUBMITTED_SUBJECT, body=COMPLETE_BODY, number=request.pk, charge=_label(request),
                          due=request.decision_due_on.isoformat())
    return request


@transaction.atomic
def refund_request_decide(*, request: RefundRequest, granted: bool, reason: str, by: Actor,
                          on: dt.date) -> RefundRequest:
    """Grant (refund the charge and its fees) or refuse (with the reason) a refund request; ops with
    decide_refund only (SPEC section 17)."""
    require_ops(by, DECIDE_REFUND)
    request = _locked_open(request)
    if not reason.strip() and not granted:
        raise ApplicationError(str(REASON_REQUIRED), "reason_required", {"field": "reason"})
    account, charge = request.account, request.charge
    request.decided_on = on
    request.decision_reason = reason.strip()
    if granted:
        amount = charge_disputable_amount(charge)
        if amount <= 0:
            raise ApplicationError(str(NOTHING_TO_REFUND), "nothing_to_refund")
        total = amount + fee_share(fees=charge_fees(charge), charge=charge, amount=amount)
        credit, _created = posting_create(
            account=account, kind=PostingKind.DISPUTE_CREDIT, amount=Money(-total, account.currency),
            posting_date=on, source_key=f"refund-request/{request.pk}/refund", related=charge, card=charge.card,
            description=f"Refund, request #{request.pk} (terms §23): {charge.description}"[:255],
            explanation={"rule": "refund_request", "refund_request": request.pk, "charge": charge.source_key,
                         "refunded": str(amount), "fees": str(total - amount)},
        )
        request.credit_posting = credit
        _set_status(request, RefundRequest.Status.GRANTED, by, on, CaseEvent.Action.STATUS_CHANGED, reason)
        notices.holder_notify(account=account, on=on, source_key=f"refund-request/{request.pk}/granted",
                              subject=GRANTED_SUBJECT, body=GRANTED_BODY, number=request.pk, charge=_label(request),
                              amount=notices.money_text(total, account), note=reason)
    else:
        _set_status(request, RefundRequest.Status.REFUSED, by, on, CaseEvent.Action.STATUS_CHANGED, reason)
        notices.holder_notify(account=account, on=on, source_key=f"refund-request/{request.pk}/refused",
                              subject=REFUSED_SUBJECT, body=REFUSED_BODY, number=request.pk, charge=_label(request),
                              note=reason)
    return request


@transaction.atomic
def refund_request_withdraw(*, request: RefundRequest, by: Actor, on: dt.date, note: str = "") -> RefundRequest:
    require_permission_if_ops(by, "disputes.change_refundrequest")
    request = _locked_open(request)
    _set_status(request, RefundRequest.Status.WITHDRAWN, by, on, CaseEvent.Action.STATUS_CHANGED, note)
    return request


@transaction.atomic
def refund_request_evidence_add(*, request: RefundRequest, by: Actor, on: dt.date, note: str = "",
                                upload: IO[bytes] | None = None, filename: str = ""):
    require_permission_if_ops(by, "disputes.change_refundrequest")
    request = _locked_open(request)
    return evidence_add(case=request, by=by, on=on, note=note, upload=upload, filename=filename)


@transaction.atomic
def refund_requests_flag_overdue(*, on: dt.date) -> int:
    """Mark requests whose decision is past due on `on` (daily), so they surface to ops; once each."""
    overdue = list(RefundRequest.objects.select_for_update().filter(
        status=RefundRequest.Status.SUBMITTED, decision_due_on__lt=on, overdue_since__isnull=True))
    system = Actor(label=SYSTEM)
    for request in overdue:
        request.overdue_since = on
        request.save(update_fields=["overdue_since"])
        event_record(by=system, on=on, action=CaseEvent.Action.DECISION_OVERDUE, refund_request=request,
                     note=f"decision was due {request.decision_due_on.isoformat()}")
    return len(overdue)
