"""Closure by the issuer (terms §31a; SPEC section 11; issue 16 item 10): the services.

Ops (`accounts.close_account`) end an account, or cancel one of its cards, on one of three grounds:
- with notice: a dated notice to whoever pays the account (SPEC section 15) names the date, at least
  2 months ahead; the closure waits as `scheduled` and the daily run (`issuer_closures_due`, before the
  statement day) carries it out on that date;
- at once for a breach of the terms, or at once because the employment ended.
The reason is required and told. Carrying out an account closure goes through
accounts.lifecycle.account_close, so the final statement of terms §32 comes with it; a card goes
through card_cancel. A closure whose account or card was closed otherwise meanwhile is `superseded`.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from accounts.audit import Actor, Role, audit_record, require_role
from accounts.issuer_closure_models import IssuerClosure
from accounts.lifecycle import LIVE_STATUSES, OPEN_ACCOUNT_STATUSES, ClosureReason, account_close, card_cancel
from accounts.models import Account, AuditEntry, Card, Notice
from accounts.notices import holder_notice, notice_date
from accounts.services import add_months
from amexprog.common.errors import ApplicationError

# Terms §31a: the issuer may end the agreement with 2 months' written notice.
ISSUER_NOTICE_MONTHS = 2

REASON_REQUIRED = "Give the reason: it is told to the holder (terms §31a)."
BAD_GROUNDS = "The grounds must be one of {grounds}."
ACCOUNT_NOT_OPEN = "Account {account} is {status}: it is already closing or closed."
CARD_NOT_ON_ACCOUNT = "The card ending {last4} is not a card of account {account}."
CARD_NOT_LIVE = "The card ending {last4} is {status}: there is nothing to cancel."
NOTICE_TOO_SHORT = ("A closure with notice takes effect at least 2 months after the notice (terms §31a): on "
                    "{earliest} or later.")
AT_ONCE_HAS_NO_DATE = "A closure for a breach or the end of employment takes effect at once: give no later date."
ALREADY_GIVEN = "A closure of {what} is already given for {on}."
NOT_SCHEDULED = "This closure is {status}: only a closure still waiting for its date can be withdrawn."

NOTICE_SUBJECT_ACCOUNT = N_("Your card account %(account)s will be closed on %(closes_on)s")
NOTICE_SUBJECT_CARD = N_("Your card ending %(last4)s will be cancelled on %(closes_on)s")
NOTICE_BODY_ACCOUNT = N_(
    "We are ending the card account %(account)s of %(name)s (cards ending %(cards)s) with %(months)s months' notice "
    "(terms §31a). On %(closes_on)s the account will be closed and its cards cancelled. Reason: %(reason)s. "
    "Everything still owed then becomes payable at once, on a final statement (terms §32); the annual fee is "
    "refunded pro rata. Until then the cards can be used as before. Questions: call the card service.")
NOTICE_BODY_CARD = N_(
    "We are cancelling the card ending %(last4)s of %(name)s on account %(account)s with %(months)s months' notice "
    "(terms §31a). It can be used until %(closes_on)s. Reason: %(reason)s. Questions: call the card service.")
WITHDRAWN_SUBJECT = N_("The closure announced for %(closes_on)s is withdrawn")
WITHDRAWN_BODY = N_(
    "The closure of the card account %(account)s of %(name)s (cards ending %(cards)s) announced for %(closes_on)s "
    "is withdrawn: nothing changes. Reason: %(reason)s.")


def _text(value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ApplicationError(message, "reason_required", {"field": "reason"})
    return value


def _cards(account: Account) -> str:
    return ", ".join(account.cards.order_by("pk").values_list("last4", flat=True)) or "-"


def _dates(grounds: str, on: dt.date, effective_on: dt.date | None) -> dt.date:
    if grounds not in IssuerClosure.Grounds.values:
        raise ApplicationError(BAD_GROUNDS.format(grounds=", ".join(IssuerClosure.Grounds.values)), "bad_grounds",
                               {"field": "grounds"})
    if grounds != IssuerClosure.Grounds.NOTICE:
        if effective_on not in (None, on):
            raise ApplicationError(AT_ONCE_HAS_NO_DATE, "at_once_has_no_date", {"field": "effective_on"})
        return on
    earliest = add_months(on, ISSUER_NOTICE_MONTHS)
    if effective_on is not None and effective_on < earliest:
        raise ApplicationError(NOTICE_TOO_SHORT.format(earliest=earliest.isoformat()), "notice_too_short",
                               {"field": "effective_on"})
    return effective_on or earliest


@transaction.atomic
def issuer_closure_give(*, account: Account, by: Actor, on: dt.date, grounds: str, reason: str,
                        card: Card | None = None, effective_on: dt.date | None = None) -> IssuerClosure:
    """Ops end the account (or cancel `card` only): with notice, the dated notice goes out now and the
    daily run carries it out on `effective_on` (at least 2 months ahead, default exactly 2); for a breach
    or employment end, at once. Audited; the reason is told (terms §31a; SPEC section 11)."""
    require_role(by, (Role.ISSUER,), action="close", what="account")
    reason = _text(reason, REASON_REQUIRED)
    closes_on = _dates(grounds, on, effective_on)
    # The account row is what every closure locks: a closure by the holder and by ops never interleave.
    account = Account.objects.select_for_update().select_related("company", "cardmember").get(pk=account.pk)
    if account.status not in OPEN_ACCOUNT_STATUSES:
        raise ApplicationError(ACCOUNT_NOT_OPEN.format(account=account.number, status=account.status),
                               "account_not_open", status=409)
    if card is not None:
        if card.account_id != account.pk:
            raise ApplicationError(CARD_NOT_ON_ACCOUNT.format(last4=card.last4, account=account.number),
                                   "card_not_on_account", status=409)
        card = Card.objects.get(pk=card.pk)
        if card.status not in LIVE_STATUSES:
            raise ApplicationError(CARD_NOT_LIVE.format(last4=card.last4, status=card.status), "card_not_live",
                                   status=409)
    pending = IssuerClosure.objects.filter(account=account, status=IssuerClosure.Status.SCHEDULED, card=card).first()
    if pending is not None:
        what = f"the card ending {card.last4}" if card else f"account {account.number}"
        raise ApplicationError(ALREADY_GIVEN.format(what=what, on=pending.effective_on.isoformat()),
                               "closure_already_given", status=409)
    closure = IssuerClosure.objects.create(account=account, card=card, grounds=grounds, reason=reason[:200],
                                           decided_on=on, effective_on=closes_on, decided_by=by.label[:150])
    audit_record(by=by, action=AuditEntry.Action.ISSUER_CLOSURE_GIVEN, on=on, company=account.company,
                 account=account, card=card, reason=reason,
                 details={"closure_id": closure.pk, "grounds": grounds, "effective_on": closes_on.isoformat()})
    if grounds == IssuerClosure.Grounds.NOTICE:
        closure.notice = _notice_of_closure(closure)
        closure.save(update_fields=["notice"])
        return closure
    return _carry_out(closure, on=on, by=by)


def _notice_of_closure(closure: IssuerClosure) -> Notice:
    """The dated notice (terms §31a; SPEC section 15): to whoever pays, naming holder, cards, date and reason."""
    account, card = closure.account, closure.card
    values = {"account": account.number, "name": account.cardmember.full_name, "cards": _cards(account),
              "last4": card.last4 if card else "", "reason": closure.reason, "months": ISSUER_NOTICE_MONTHS}
    subject, body = ((NOTICE_SUBJECT_CARD, NOTICE_BODY_CARD) if card else (NOTICE_SUBJECT_ACCOUNT, NOTICE_BODY_ACCOUNT))

    def text() -> tuple[str, str]:
        # The date in the reader's language, never ISO (issue 19 item 8).
        dated = {**values, "closes_on": notice_date(closure.effective_on)}
        return _(subject) % dated, _(body) % dated

    return holder_notice(account=account, kind=Notice.Kind.CLOSURE, on=closure.decided_on,
                         source_key=f"issuer-closure/{closure.pk}", text=text)


def _carry_out(closure: IssuerClosure, *, on: dt.date, by: Actor) -> IssuerClosure:
    """Close the account (with its final statement) or cancel the card, or mark the closure superseded."""
    account = Account.objects.get(pk=closure.account_id)
    if closure.card_id is not None:
        card = Card.objects.select_related("account").get(pk=closure.card_id)
        done = card.status in LIVE_STATUSES and account.status in OPEN_ACCOUNT_STATUSES
        if done:
            card_cancel(card=card, by=by, on=on, reason=closure.reason)
    else:
        done = account.status in OPEN_ACCOUNT_STATUSES
        if done:
            reason = {IssuerClosure.Grounds.NOTICE: ClosureReason.ISSUER_NOTICE,
                      IssuerClosure.Grounds.BREACH: ClosureReason.BREACH,
                      IssuerClosure.Grounds.EMPLOYMENT_END: ClosureReason.EMPLOYMENT_END}[closure.grounds]
            account_close(account=account, on=on, reason=reason, by=by, note=closure.reason)
    closure.status = IssuerClosure.Status.DONE if done else IssuerClosure.Status.SUPERSEDED
    closure.done_on = on
    closure.save(update_fields=["status", "done_on"])
    return closure


def issuer_closures_due(*, on: dt.date) -> int:
    """The daily step: carry out every closure with notice whose date has come (terms §31a). One
    transaction per closure; a re-run finds them done."""
    carried = 0
    for pk in IssuerClosure.objects.filter(status=IssuerClosure.Status.SCHEDULED, effective_on__lte=on) \
            .order_by("effective_on", "pk").values_list("pk", flat=True):
        with transaction.atomic():
            closure = IssuerClosure.objects.select_for_update().filter(
                pk=pk, status=IssuerClosure.Status.SCHEDULED).first()
            if closure is None:
                continue
            by = Actor(role=Role.ISSUER, label=f"run_cycle for {closure.decided_by}"[:150])
            carried += _carry_out(closure, on=on, by=by).status == IssuerClosure.Status.DONE
    return carried


@transaction.atomic
def issuer_closure_withdraw(*, closure: IssuerClosure, by: Actor, on: dt.date, reason: str) -> IssuerClosure:
    """Ops withdraw a closure with notice before its date: nothing changes, and the reader is told."""
    require_role(by, (Role.ISSUER,), action="withdraw", what="closure")
    reason = _text(reason, REASON_REQUIRED)
    closure = IssuerClosure.objects.select_for_update(of=("self",)).select_related(
        "account", "account__cardmember", "account__company", "card").get(pk=closure.pk)
    if closure.status != IssuerClosure.Status.SCHEDULED:
        raise ApplicationError(NOT_SCHEDULED.format(status=closure.get_status_display()), "closure_not_scheduled",
                               status=409)
    closure.status = IssuerClosure.Status.WITHDRAWN
    closure.done_on = on
    closure.save(update_fields=["status", "done_on"])
    account = closure.account
    audit_record(by=by, action=AuditEntry.Action.ISSUER_CLOSURE_WITHDRAWN, on=on, company=account.company,
                 account=account, card=closure.card, reason=reason, details={"closure_id": closure.pk})
    values = {"account": account.number, "name": account.cardmember.full_name, "cards": _cards(account),
              "reason": reason}

    def text() -> tuple[str, str]:
        dated = {**values, "closes_on": notice_date(closure.effective_on)}
        return _(WITHDRAWN_SUBJECT) % dated, _(WITHDRAWN_BODY) % dated

    holder_notice(account=account, kind=Notice.Kind.CLOSURE, on=on, source_key=f"issuer-closure/{closure.pk}/withdrawn",
                  text=text)
    return closure
