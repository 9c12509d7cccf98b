"""Changes that wait for a second person, and payouts that wait for new bank details to settle
(SPEC section 17; issue 15 item 5).

A company's bank details (IBAN, BIC), a new programme administrator and a higher spending limit of
the company or of a card do not take effect when asked for: the asking service
(accounts.data_changes, accounts.controls) opens a ChangeRequest here, and the change is made only
when a second person approves it — another PA of the company, or an ops user holding
`accounts.approve_change`. Whoever asked can never approve (they may withdraw by rejecting). A lower
limit is never held back: it only takes spending power away.

Every request is announced when it is opened and when it is decided, as a company notice (SPEC
section 15) to every PA of the company. The company has no contact of its own but its PAs, so the
"previous contact" of SPEC section 17 is the PAs in office when the request is made: a new PA is not
among them until approved, and bank details are announced before they apply, with the old value.

A credit balance is paid to bank details changed less than the market's cooling-off period ago
(ProgrammeRules.bank_details_cooling_off_days, 14 days by default) by nobody: the refund is refused
with the first day it will be paid (charges.credit_refunds), never held silently.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.audit import Actor, Role, require_role
from accounts.models import Card, ChangeRequest, Company, Notice, SpendingControls, company_language
from accounts.notices import notice_date
from accounts.rules import programme_rules
from amexprog.common import clock
from amexprog.common.errors import ApplicationError

APPROVE_PERMISSION = "accounts.approve_change"

ALREADY_PENDING = _("A change of this kind is already waiting for approval (request #%(number)s): approve or "
                    "reject it first.")
NOT_PENDING = _("Change request #%(number)s was already %(status)s.")
SELF_APPROVAL = _("You asked for this change, so someone else must approve it: another programme "
                  "administrator of the company or the card issuer.")
APPROVER_NOT_A_PERSON = _("A change is approved by a person: a programme administrator or an ops user, "
                          "not an API token.")
APPROVER_NOT_ALLOWED = _("You may not approve or reject changes of this company.")
PAYOUT_COOLING_OFF = _("The company's bank details were changed on %(changed_on)s. A credit balance is paid to "
                       "new bank details only after %(days)s days, from %(first_day)s.")

WHAT = {
    ChangeRequest.Kind.BANK_DETAILS: _("the bank details"),
    ChangeRequest.Kind.PA_ADD: _("a new programme administrator"),
    ChangeRequest.Kind.COMPANY_LIMITS: _("higher spending limits for every card"),
    ChangeRequest.Kind.CARD_LIMITS: _("higher spending limits for card %(card)s"),
}
OPENED_SUBJECT = _("%(company)s: %(what)s waiting for a second approval")
OPENED_BODY = _("%(who)s asked on %(date)s for %(what)s of %(company)s: %(changes)s. Nothing changes until "
                "another programme administrator or the card issuer approves it. If you did not expect "
                "this, reject it in the portal under Changes waiting for approval and call the card issuer.")
APPROVED_SUBJECT = _("%(company)s: %(what)s approved")
APPROVED_BODY = _("%(approver)s approved on %(date)s %(what)s of %(company)s asked for by %(who)s: "
                  "%(changes)s. It applies now.")
APPROVED_BANK_NOTE = _("Credit balances are paid to the new bank details from %(first_day)s.")
REJECTED_SUBJECT = _("%(company)s: %(what)s rejected")
REJECTED_BODY = _("%(approver)s rejected on %(date)s %(what)s of %(company)s asked for by %(who)s: "
                  "%(changes)s. Nothing was changed.")
NO_LIMIT = _("no limit")


def _fail(message: Any, code: str, http_status: int = 400, **params: Any) -> ApplicationError:
    text = str(message)
    return ApplicationError(text % params if params else text, code, status=http_status)


def _masked_iban(value: Any) -> str:
    text = str(value or "")
    return f"…{text[-4:]}" if len(text) > 4 else text


def _shown(field: str, value: Any) -> str:
    if value is None:
        return str(NO_LIMIT)
    if field == "iban":
        return _masked_iban(value) or "–"
    return str(value) or "–"


def changes_text(change_request: ChangeRequest) -> str:
    """"IBAN …4321 → …9876, BIC A → B" in the active language (an IBAN shows its last four characters)."""
    parts = []
    for field, values in change_request.changes.items():
        model = SpendingControls if "limit" in field else Company
        try:
            label = str(model._meta.get_field(field).verbose_name)
        except FieldDoesNotExist:  # the email of a new PA
            label = str(_("email"))
        before, after = values.get("before"), values.get("after")
        if change_request.kind == ChangeRequest.Kind.PA_ADD:
            parts.append(f"{label} {after}")
        else:
            parts.append(f"{label} {_shown(field, before)} → {_shown(field, after)}")
    return ", ".join(parts)


def what_text(change_request: ChangeRequest) -> str:
    text = str(WHAT[ChangeRequest.Kind(change_request.kind)])
    return text % {"card": change_request.card.masked_number} if change_request.card_id else text


def _language(company: Company) -> str:
    """A company notice is written in its first PA's language, or its market's while it has none."""
    administrator = company.administrators.order_by("pk").first()
    return administrator.language if administrator is not None else company_language(company.market)


def _notify(change_request: ChangeRequest, event: str, *, on: dt.date) -> Notice:
    """A company notice (to every PA of the company, SPEC section 15) that the request was opened,
    approved or rejected; once per request and event."""
    company = change_request.company
    with translation.override(_language(company)):
        params = {"company": company.legal_name, "what": what_text(change_request),
                  "changes": changes_text(change_request), "who": change_request.requested_by,
                  "approver": change_request.decided_by, "date": notice_date(on)}
        if event == "opened":
            subject, body = str(OPENED_SUBJECT) % params, str(OPENED_BODY) % params
        elif event == "approved":
            subject, body = str(APPROVED_SUBJECT) % params, str(APPROVED_BODY) % params
            if change_request.kind == ChangeRequest.Kind.BANK_DETAILS:
                first_day = payout_allowed_from(company=company, changed_on=on)
                body += " " + str(APPROVED_BANK_NOTE) % {"first_day": notice_date(first_day)}
        else:
            subject, body = str(REJECTED_SUBJECT) % params, str(REJECTED_BODY) % params
    notice, created = Notice.objects.get_or_create(
        source_key=f"change-request/{change_request.pk}/{event}",
        defaults={"kind": Notice.Kind.OTHER, "subject": subject[:200], "body": body, "created_on": on,
                  "company": company},
    )
    if created:
        from communications.services import notice_send_after_commit  # the inbox app builds on accounts

        notice_send_after_commit(notice)
    return notice


@transaction.atomic
def change_request_open(*, company: Company, kind: str, changes: dict[str, dict[str, Any]], by: Actor,
                        on: dt.date, card: Card | None = None) -> ChangeRequest:
    """Record a change that waits for a second person and tell every PA (SPEC section 17). `changes`
    maps each field to its value before and the value asked for; the asking service has validated it."""
    require_role(by, (Role.COMPANY, Role.ISSUER), action="ask for a change of", what="company")
    # Locked so two requests of the same kind asked for at once cannot both be opened.
    company = Company.objects.select_for_update().get(pk=company.pk)
    pending = ChangeRequest.objects.filter(company=company, kind=kind, card=card,
                                           status=ChangeRequest.Status.PENDING)
    if kind == ChangeRequest.Kind.PA_ADD:
        pending = pending.filter(changes__email__after=changes["email"]["after"])
    first = pending.order_by("pk").first()
    if first is not None:
        raise _fail(ALREADY_PENDING, "change_already_pending", number=first.pk)
    change_request = ChangeRequest.objects.create(
        company=company, card=card, kind=kind, changes=changes, requested_on=on, requested_at=clock.now(),
        requested_by=by.label[:150], requested_by_user_id=by.user_id,
    )
    _audit(change_request, by=by, on=on, event="opened")
    _notify(change_request, "opened", on=on)
    return change_request


def _audit(change_request: ChangeRequest, *, by: Actor, on: dt.date, event: str) -> None:
    from accounts.audit import audit_record
    from accounts.models import AuditEntry

    audit_record(by=by, action=AuditEntry.Action.CHANGE_REQUESTED if event == "opened"
                 else AuditEntry.Action.CHANGE_DECIDED, on=on, company=change_request.company,
                 card=change_request.card, reason=change_request.decision_reason,
                 details={"change_request": change_request.pk, "kind": change_request.kind, "event": event,
                          "changes": change_request.changes})


def _require_second_person(change_request: ChangeRequest, by: Actor, *, deciding_own: bool = False) -> None:
    """SPEC section 17: another PA of the company, or an ops user with the permission; never the requester."""
    if by.role not in (Role.COMPANY, Role.ISSUER):
        raise _fail(APPROVER_NOT_ALLOWED, "not_allowed", http_status=403)
    if deciding_own:
        return
    if by.user_id is None:
        raise _fail(APPROVER_NOT_A_PERSON, "approver_not_a_person", http_status=403)
    if by.user_id == change_request.requested_by_user_id or by.label == change_request.requested_by:
        raise _fail(SELF_APPROVAL, "self_approval", http_status=403)
    if by.role == Role.ISSUER:
        user = get_user_model().objects.filter(pk=by.user_id, is_active=True).first()
        if user is None or not user.has_perm(APPROVE_PERMISSION):
            raise _fail(APPROVER_NOT_ALLOWED, "not_allowed", http_status=403)
    elif not change_request.company.administrators.filter(user_id=by.user_id).exists():
        raise _fail(APPROVER_NOT_ALLOWED, "not_allowed", http_status=403)


def _locked_pending(change_request: ChangeRequest) -> ChangeRequest:
    change_request = (ChangeRequest.objects.select_for_update(of=("self",)).select_related("company", "card")
                      .get(pk=change_request.pk))
    if not change_request.is_pending:
        raise _fail(NOT_PENDING, "change_not_pending", number=change_request.pk,
                    status=change_request.get_status_display().lower())
    return change_request


def _decide(change_request: ChangeRequest, *, status: str, by: Actor, on: dt.date, reason: str) -> None:
    change_request.status = status
    change_request.decided_on = on
    change_request.decided_at = clock.now()
    change_request.decided_by = by.label[:150]
    change_request.decided_by_user_id = by.user_id
    change_request.decision_reason = reason.strip()[:200]
    change_request.save(update_fields=["status", "decided_on", "decided_at", "decided_by", "decided_by_user",
                                       "decision_reason"])


def _apply(change_request: ChangeRequest, *, by: Actor, on: dt.date) -> None:
    from accounts import controls, data_changes

    after = {field: values["after"] for field, values in change_request.changes.items()}
    kind = change_request.kind
    if kind == ChangeRequest.Kind.BANK_DETAILS:
        data_changes.company_bank_details_apply(company=change_request.company, by=by, on=on, **after)
    elif kind == ChangeRequest.Kind.PA_ADD:
        data_changes.company_pa_add_apply(company=change_request.company, email=after["email"], by=by, on=on)
    else:  # limits, stored as strings in JSON: Decimal again, as the controls service takes them
        limits = {field: None if value is None else Decimal(value) for field, value in after.items()}
        if kind == ChangeRequest.Kind.COMPANY_LIMITS:
            controls.company_controls_set(company=change_request.company, by=by, on=on, approved=True, **limits)
        else:
            controls.card_controls_set(card=change_request.card, by=by, on=on, approved=True, **limits)


@transaction.atomic
def change_request_approve(*, change_request: ChangeRequest, by: Actor, on: dt.date) -> ChangeRequest:
    """Approve and apply the change (SPEC section 17). Refused to the requester, to an API token, to a
    cardmember and to ops without `accounts.approve_change`; a change that no longer applies (e.g. the
    new PA's address now belongs to someone else) is refused with the service's own message."""
    change_request = _locked_pending(change_request)
    _require_second_person(change_request, by)
    _apply(change_request, by=by, on=on)
    _decide(change_request, status=ChangeRequest.Status.APPROVED, by=by, on=on, reason="")
    _audit(change_request, by=by, on=on, event="approved")
    _notify(change_request, "approved", on=on)
    return change_request


@transaction.atomic
def change_request_reject(*, change_request: ChangeRequest, by: Actor, on: dt.date, reason: str = "") -> ChangeRequest:
    """Reject the change: nothing changes (SPEC section 17). Whoever may approve may reject, and the
    requester (a PA, a token, ops) may withdraw their own request this way."""
    change_request = _locked_pending(change_request)
    _require_second_person(change_request, by, deciding_own=by.label == change_request.requested_by)
    _decide(change_request, status=ChangeRequest.Status.REJECTED, by=by, on=on, reason=reason)
    _audit(change_request, by=by, on=on, event="rejected")
    _notify(change_request, "rejected", on=on)
    return change_request


# ── Payouts to new bank details wait (SPEC section 17) ──────────────────────────────────────────────


def payout_allowed_from(*, company: Company, changed_on: dt.date) -> dt.date:
    """The first day a credit balance may be paid to bank details changed on `changed_on`: the
    cooling-off days of the market's programme rules in force on the day of the change."""
    rules = programme_rules(market=company.market, on=changed_on)
    return changed_on + dt.timedelta(days=rules.bank_details_cooling_off_days)


def payout_refusal(*, company: Company, on: dt.date) -> ApplicationError | None:
    """Why a payout to the company's bank details cannot be made on `on`, or None: the last approved
    change of the bank details is less than the cooling-off period old (SPEC section 17)."""
    changed_on = (ChangeRequest.objects.filter(company=company, kind=ChangeRequest.Kind.BANK_DETAILS,
                                               status=ChangeRequest.Status.APPROVED)
                  .order_by("-decided_on").values_list("decided_on", flat=True).first())
    if changed_on is None:
        return None
    first_day = payout_allowed_from(company=company, changed_on=changed_on)
    if on >= first_day:
        return None
    days = (first_day - changed_on).days
    return ApplicationError(str(PAYOUT_COOLING_OFF) % {"changed_on": changed_on.isoformat(), "days": days,
                                                        "first_day": first_day.isoformat()},
                            "bank_details_cooling_off", {"first_day": first_day.isoformat()})


def pending_change_requests(company: Company):
    return (ChangeRequest.objects.filter(company=company, status=ChangeRequest.Status.PENDING)
            .select_related("card").order_by("requested_at", "pk"))
