"""Disputes of posted charges (SPEC section 12, terms §7, §21a, §22g).

Opening a dispute about an error or misuse credits the disputed part at once (`dispute_credit`, with
the charge's own fees pro rata; terms §22g); a complaint about the goods (not received, defective)
credits nothing: the holder still owes the charge (terms §21a), and ops credit it only when they
resolve it in the holder's favour (issue 16 item 7). Ops move it open → investigating → won (the
credit stands) or lost (a `dispute_reversal` re-debits a posted credit, billed on the next
statement); the holder may withdraw it (re-debited too). While the credit stands the disputed amount
is neither overdue nor bears interest (statements.selectors).
"""

from __future__ import annotations

import datetime as dt
from typing import IO

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from moneyed import Money

from accounts.models import Account, Card
from accounts.roles import DECIDE_DISPUTE
from amexprog.common import clock
from amexprog.common.errors import ApplicationError
from disputes import notices
from disputes.audit import Actor, event_record
from disputes.models import CaseEvent, Dispute, DisputeReason, UnauthorizedUseIncident
from disputes.rules import late_from, refused_from, rules_in_force
from disputes.selectors import DISPUTABLE_KINDS, charge_disputable_amount, charge_fees, charge_statement
from disputes.services.common import (
    checked_amount,
    error_money,
    evidence_add,
    fee_share,
    require_ops,
    require_permission_if_ops,
)
from events.models import EventType
from events.payloads import dispute_data
from events.services import event_record as outbox_record
from ledger.models import Posting, PostingKind
from ledger.services import posting_create

# Notes the product writes on a case's history: stored in English, shown in the reader's language
# (portal_format.case_note; issue 19 item 8).
GOODS_NO_CREDIT_NOTE = gettext_noop("No temporary credit: a complaint about the goods (terms §21a).")
SYSTEM_NOTES = (GOODS_NO_CREDIT_NOTE,)
NOT_A_CHARGE = _("Only purchases and cash withdrawals can be disputed.")
UNKNOWN_REASON = _("{reason!r} is not a dispute reason.")
NOTHING_LEFT = _("Nothing is left to dispute on this charge: it is already disputed or refunded in full.")
AMOUNT_TOO_LARGE = _("At most {available} of this charge can be disputed.")
DISPUTE_TOO_LATE = _(
    "This charge was billed on the statement of {statement_date}. Disputes are accepted for 13 months after the "
    "statement date, until {last_day}; it can no longer be disputed."
)
DISPUTE_LATE = _(
    "Opened more than 1 month after the statement of {statement_date} (on time until {last_day}): flagged late."
)
NOT_ACTIVE = _("Dispute #{number} is {status}: it can no longer change.")
BAD_TRANSITION = _("Dispute #{number} cannot go from {from_status} to {to_status}.")
RESOLVED_WITH_INCIDENT = _(
    "Dispute #{number} is part of unauthorized-use incident #{incident}: it is resolved with the incident."
)

# Complaints about the goods or service: no temporary credit (terms §21a; SPEC section 12; issue 16 item 7).
GOODS_COMPLAINTS = (DisputeReason.NOT_RECEIVED, DisputeReason.DEFECTIVE)

# Ops' moves; the holder's only move is withdrawing (dispute_withdraw).
TRANSITIONS = {
    Dispute.Status.OPEN: {Dispute.Status.INVESTIGATING},
    Dispute.Status.INVESTIGATING: {Dispute.Status.WON, Dispute.Status.LOST},
}

OPENED_SUBJECT = _("Dispute #{number} opened: {amount} credited")
OPENED_BODY = _(
    "We have opened dispute #{number} on {charge} ({reason}). {amount} is credited to your account while we "
    "investigate; you do not have to pay the disputed amount meanwhile. {late}"
)
OPENED_NO_CREDIT_SUBJECT = _("Dispute #{number} opened: complaint about the goods recorded")
OPENED_NO_CREDIT_BODY = _(
    "We have recorded your complaint #{number} about {charge} ({reason}). A complaint about the goods or service "
    "does not stop you owing the charge: please settle it with the merchant and pay the charge as billed (terms "
    "§21a). No temporary credit is posted; if we resolve the complaint in your favour, {amount} is credited then. "
    "{late}"
)
STATUS_SUBJECT = _("Dispute #{number}: {status}")
# A goods complaint has no temporary credit to keep or re-debit (terms §21a; issue 16 item 7).
NO_CREDIT_STATUS_BODY = {
    Dispute.Status.INVESTIGATING: _("We are investigating complaint #{number} on {charge}. The charge stays due "
                                    "meanwhile."),
    Dispute.Status.WON: _("Complaint #{number} on {charge} is resolved in your favour: {amount} is credited to your "
                          "account."),
    Dispute.Status.LOST: _("Complaint #{number} on {charge} is resolved against you: the charge stays due. {note}"),
    Dispute.Status.WITHDRAWN: _("Complaint #{number} on {charge} is withdrawn: the charge stays due."),
}
STATUS_BODY = {
    Dispute.Status.INVESTIGATING: _("We are investigating dispute #{number} on {charge}. The credit of {amount} "
                                    "stays on your account meanwhile."),
    Dispute.Status.WON: _("Dispute #{number} on {charge} is resolved in your favour: the credit of {amount} "
                          "stands."),
    Dispute.Status.LOST: _("Dispute #{number} on {charge} is resolved against you: the temporary credit of {amount} "
                           "is re-debited and billed on your next statement. {note}"),
    Dispute.Status.WITHDRAWN: _("Dispute #{number} on {charge} is withdrawn: the temporary credit of {amount} is "
                                "re-debited and billed on your next statement."),
}


def _charge_label(charge: Posting) -> str:
    day = charge.transaction_date or charge.posting_date
    return f"{charge.description or PostingKind(charge.kind).label} ({day.isoformat()})"


@transaction.atomic
def dispute_open(
    *,
    charge: Posting,
    reason: str,
    by: Actor,
    on: dt.date,
    amount: Money | None = None,
    note: str = "",
    upload: IO[bytes] | None = None,
    filename: str = "",
) -> Dispute:
    """Open a dispute on a posted charge and credit the disputed part at once (SPEC section 12).

    Refused more than 13 months after the statement that billed the charge, flagged late after
    1 month (the rules in force, per market). `amount` defaults to all that is left to dispute.
    """
    require_permission_if_ops(by, "disputes.add_dispute")
    # Serialise disputes on one account, so two at once cannot dispute the same amount twice.
    account = (Account.objects.select_for_update(of=("self",)).select_related("company", "cardmember")
               .get(pk=charge.account_id))
    if charge.kind not in DISPUTABLE_KINDS:
        raise ApplicationError(str(NOT_A_CHARGE), "not_disputable", {"field": "charge"})
    if reason not in DisputeReason.values:
        raise ApplicationError(str(UNKNOWN_REASON).format(reason=reason), "invalid_reason", {"field": "reason"})
    rules = rules_in_force(market=account.company.market, on=on)
    statement = charge_statement(charge)
    late = False
    late_note = ""
    if statement is not None:
        if on >= refused_from(statement.statement_date, rules):
            last_day = refused_from(statement.statement_date, rules) - dt.timedelta(days=1)
            raise ApplicationError(
                str(DISPUTE_TOO_LATE).format(statement_date=statement.statement_date.isoformat(),
                                             last_day=last_day.isoformat()),
                "dispute_too_late", {"statement_date": statement.statement_date.isoformat(),
                                     "last_day": last_day.isoformat()})
        first_late_day = late_from(statement.statement_date, rules)
        late = on >= first_late_day
        if late:
            late_note = str(DISPUTE_LATE).format(statement_date=statement.statement_date.isoformat(),
                                                 last_day=(first_late_day - dt.timedelta(days=1)).isoformat())
    available = charge_disputable_amount(charge)
    if available <= 0:
        raise ApplicationError(str(NOTHING_LEFT), "nothing_to_dispute", {"field": "amount"})
    value = available if amount is None else checked_amount(amount, account)
    if value > available:
        raise ApplicationError(str(AMOUNT_TOO_LARGE).format(available=error_money(available, account)),
                               "amount_too_large", {"field": "amount", "available": str(available)})
    fees = fee_share(fees=charge_fees(charge), charge=charge, amount=value)
    now = clock.now()
    dispute = Dispute.objects.create(
        account=account, charge=charge, statement=statement, reason=reason, amount=Money(value, account.currency),
        fee_amount=Money(fees, account.currency), late=late, opened_on=on, opened_at=now, opened_by=by.label,
        status_changed_at=now,
    )
    credited = value + fees
    if reason in GOODS_COMPLAINTS:
        # Terms §21a: the holder still owes the charge; the case is recorded, nothing credited.
        event_record(by=by, on=on, action=CaseEvent.Action.OPENED, to_status=Dispute.Status.OPEN, dispute=dispute,
                     note=" ".join(filter(None, [GOODS_NO_CREDIT_NOTE,
                                                 late_note])))
    else:
        _credit_post(dispute=dispute, by=by, on=on, description="Temporary credit", late_note=late_note, opened=True)
    if note.strip() or upload is not None:
        evidence_add(case=dispute, by=by, on=on, note=note, upload=upload, filename=filename)
    if reason == DisputeReason.UNAUTHORIZED and charge.card is not None:
        _join_incident(dispute=dispute, card=charge.card, by=by, on=on)
    goods = reason in GOODS_COMPLAINTS
    notices.holder_notify(
        account=account, on=on, source_key=f"dispute/{dispute.pk}/opened",
        subject=OPENED_NO_CREDIT_SUBJECT if goods else OPENED_SUBJECT,
        body=OPENED_NO_CREDIT_BODY if goods else OPENED_BODY,
        number=dispute.pk, amount=notices.money_text(credited, account), charge=_charge_label(charge),
        reason=DisputeReason(reason).label, late=late_note,
    )
    # SPEC section 16: dispute.opened, in the opening's transaction.
    outbox_record(company_id=account.company_id, type=EventType.DISPUTE_OPENED, data=dispute_data(dispute))
    return dispute


def _credit_post(*, dispute: Dispute, by: Actor, on: dt.date, description: str, late_note: str = "",
                 opened: bool = False) -> Posting:
    """Post the dispute's credit: at opening for an error or misuse (terms §22g), or when ops resolve a
    goods complaint in the holder's favour (terms §21a; issue 16 item 7)."""
    account, charge = dispute.account, dispute.charge
    statement = dispute.statement
    credit, _created = posting_create(
        account=account, kind=PostingKind.DISPUTE_CREDIT, amount=Money(-dispute.credited.amount, account.currency),
        posting_date=on, source_key=f"dispute/{dispute.pk}/credit", related=charge, card=charge.card,
        description=f"{description}, dispute #{dispute.pk}: {charge.description}"[:255],
        explanation={"rule": "dispute_credit", "dispute": dispute.pk, "charge": charge.source_key,
                     "disputed": str(dispute.amount.amount), "fees": str(dispute.fee_amount.amount),
                     "reason": dispute.reason, "late": dispute.late,
                     "statement_date": statement.statement_date.isoformat() if statement else None},
    )
    dispute.credit_posting = credit
    dispute.save(update_fields=["credit_posting"])
    if opened:
        event_record(by=by, on=on, action=CaseEvent.Action.OPENED, to_status=Dispute.Status.OPEN, dispute=dispute,
                     note=late_note)
    event_record(by=by, on=on, action=CaseEvent.Action.CREDITED, dispute=dispute,
                 note=f"{credit.source_key}: {credit.amount}")
    return credit


def _join_incident(*, dispute: Dispute, card: Card, by: Actor, on: dt.date) -> None:
    """An unauthorized dispute joins the card's open incident, opening one when there is none yet: from
    the card's report for a lost or stolen card, else as misuse of a card the holder still has, so the
    cap covers every unauthorized charge on the card (terms §22c–d; issue 16 item 7)."""
    from disputes.services.incidents import incident_open

    incident = UnauthorizedUseIncident.objects.filter(card=card, status=UnauthorizedUseIncident.Status.OPEN).first()
    if incident is None:
        reported = card.status in (Card.Status.LOST, Card.Status.STOLEN) and card.status_changed_on
        incident_open(card=card, kind=card.status if reported else UnauthorizedUseIncident.Kind.MISUSE, by=by, on=on)
        dispute.refresh_from_db(fields=["incident"])  # incident_open links the card's unlinked disputes
        return
    if incident is not None and dispute.incident_id is None:
        dispute.incident = incident
        dispute.save(update_fields=["incident"])
        event_record(by=by, on=on, action=CaseEvent.Action.INCIDENT_LINKED, dispute=dispute,
                     note=f"#{incident.pk}")


def _locked(dispute: Dispute) -> Dispute:
    return Dispute.objects.select_for_update(of=("self",)).select_related("account__company", "account__cardmember",
                                                               "charge").get(pk=dispute.pk)


@transaction.atomic
def dispute_resolve(*, dispute: Dispute, to_status: str, by: Actor, on: dt.date, note: str = "") -> Dispute:
    """Move a locked, active dispute to `to_status`, re-debiting the credit when it is lost or
    withdrawn. The caller checks who may make the move."""
    if not dispute.is_active:
        raise ApplicationError(
            str(NOT_ACTIVE).format(number=dispute.pk, status=dispute.get_status_display()), "dispute_closed")
    from_status = dispute.status
    account = dispute.account
    if to_status in (Dispute.Status.LOST, Dispute.Status.WITHDRAWN) and dispute.credit_posting_id:
        credited = dispute.credited.amount
        reversal, _created = posting_create(
            account=account, kind=PostingKind.DISPUTE_REVERSAL, amount=Money(credited, account.currency),
            posting_date=on, source_key=f"dispute/{dispute.pk}/reversal", related=dispute.credit_posting,
            card=dispute.charge.card,
            description=f"Dispute #{dispute.pk} {to_status}: credit re-debited, {dispute.charge.description}"[:255],
            explanation={"rule": "dispute_reversal", "dispute": dispute.pk, "outcome": to_status,
                         "reverses": dispute.credit_posting.source_key},
        )
        dispute.reversal_posting = reversal
        event_record(by=by, on=on, action=CaseEvent.Action.REDEBITED, dispute=dispute,
                     note=f"{reversal.source_key}: {reversal.amount}")
    had_credit = dispute.credit_posting_id is not None
    if to_status == Dispute.Status.WON and not had_credit:
        # A goods complaint resolved in the holder's favour is credited now (terms §21a; issue 16 item 7).
        _credit_post(dispute=dispute, by=by, on=on, description="Credit")
    dispute.status = to_status
    dispute.status_changed_at = clock.now()
    if to_status not in Dispute.ACTIVE:
        dispute.resolved_on = on
    dispute.save(update_fields=["status", "status_changed_at", "resolved_on", "reversal_posting"])
    event_record(by=by, on=on, action=CaseEvent.Action.STATUS_CHANGED, from_status=from_status, to_status=to_status,
                 note=note, dispute=dispute)
    if to_status not in Dispute.ACTIVE:  # SPEC section 16: dispute.resolved (won, lost or withdrawn)
        outbox_record(company_id=account.company_id, type=EventType.DISPUTE_RESOLVED, data=dispute_data(dispute))
    else:  # still active, another status (investigating): dispute.updated (SPEC section 16; issue 18 item 7)
        outbox_record(company_id=account.company_id, type=EventType.DISPUTE_UPDATED, data=dispute_data(dispute))
    notices.holder_notify(
        account=account, on=on, source_key=f"dispute/{dispute.pk}/{to_status}", subject=STATUS_SUBJECT,
        body=(STATUS_BODY if had_credit else NO_CREDIT_STATUS_BODY)[Dispute.Status(to_status)], number=dispute.pk,
        status=Dispute.Status(to_status).label,
        charge=_charge_label(dispute.charge), amount=notices.money_text(dispute.credited.amount, account), note=note,
    )
    return dispute


@transaction.atomic
def dispute_transition(*, dispute: Dispute, to_status: str, by: Actor, on: dt.date, note: str = "") -> Dispute:
    """Ops move a dispute open → investigating → won or lost (SPEC section 12). Investigating is case work
    (change); won and lost are decisions (decide_dispute, SPEC section 17)."""
    require_ops(by, DECIDE_DISPUTE if to_status in (Dispute.Status.WON, Dispute.Status.LOST)
                else "disputes.change_dispute")
    dispute = _locked(dispute)
    if not dispute.is_active:
        raise ApplicationError(
            str(NOT_ACTIVE).format(number=dispute.pk, status=dispute.get_status_display()), "dispute_closed")
    if to_status not in TRANSITIONS.get(Dispute.Status(dispute.status), set()):
        raise ApplicationError(
            str(BAD_TRANSITION).format(number=dispute.pk, from_status=dispute.status, to_status=to_status),
            "invalid_transition", {"field": "status"})
    if dispute.incident_id and to_status in (Dispute.Status.WON, Dispute.Status.LOST):
        raise ApplicationError(str(RESOLVED_WITH_INCIDENT).format(number=dispute.pk, incident=dispute.incident_id),
                               "resolved_with_incident")
    return dispute_resolve(dispute=dispute, to_status=to_status, by=by, on=on, note=note)


@transaction.atomic
def dispute_withdraw(*, dispute: Dispute, by: Actor, on: dt.date, note: str = "") -> Dispute:
    """The holder (or ops for them) withdraws an open dispute; its credit is re-debited."""
    require_permission_if_ops(by, "disputes.change_dispute")
    return dispute_resolve(dispute=_locked(dispute), to_status=Dispute.Status.WITHDRAWN, by=by, on=on, note=note)


@transaction.atomic
def dispute_evidence_add(*, dispute: Dispute, by: Actor, on: dt.date, note: str = "",
                         upload: IO[bytes] | None = None, filename: str = ""):
    """Add a note or a PDF/PNG/JPEG file to an open dispute."""
    require_permission_if_ops(by, "disputes.change_dispute")
    dispute = _locked(dispute)
    if not dispute.is_active:
        raise ApplicationError(
            str(NOT_ACTIVE).format(number=dispute.pk, status=dispute.get_status_display()), "dispute_closed")
    return evidence_add(case=dispute, by=by, on=on, note=note, upload=upload, filename=filename)
