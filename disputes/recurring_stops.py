"""Stopping a merchant's recurring charges on a card (terms §16, SPEC sections 10–12; issue 16 item 9).

The holder or a PA (or the company's API client; ops for a holder on the phone) registers a stop for
a merchant on a card. From the next bank day of the company's market:
- a recurring authorization (`"recurring": true`) from that merchant declines `recurring_stopped`
  (charges.authorizations asks `recurring_stop_applies`, only for recurring requests);
- a purchase from it presented later in a charge file (transaction date on or after the stop's
  effective date) is disputed on its own as `cancelled_recurring` by the system, which posts the
  temporary `dispute_credit` of SPEC section 12 (`recurring_stops_dispute`, run by the charge import
  in its own transaction, on both import paths).
Merchants are matched by name, case-folded with whitespace collapsed, and by MCC when the stop names one.
A stop follows the card's replacements (SPEC section 11: recurring charges follow the replacement), which
are issued on the same account: stops are matched on the card's account.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.audit import Actor, Role, audit_record, require_role
from accounts.models import AuditEntry, Card
from amexprog.common.errors import ApplicationError
from disputes.models import Dispute, DisputeReason, RecurringStop
from disputes.rules import add_bank_days
from ledger.models import Posting, PostingKind

MERCHANT_REQUIRED = _("Name the merchant whose recurring charges should stop.")
BAD_MCC = _("An MCC is four digits.")
ALREADY_STOPPED = _("Recurring charges from {merchant} are already stopped on this card.")
ALREADY_REVOKED = _("This stop was already lifted on {day}.")
CARD_CLOSED = _("The card is cancelled or expired: there is nothing to stop.")

# Who may register or lift a stop: the holder, the company (PA or company token), ops for a holder.
MAY_STOP = (Role.HOLDER, Role.COMPANY, Role.ISSUER)
# What ops need to register or lift one (SPEC section 17; the service agent has both).
ADD_STOP = "disputes.add_recurringstop"
LIFT_STOP = "disputes.change_recurringstop"
MAX_MERCHANT = 100


def merchant_key(name: str) -> str:
    """The merchant name as matched: case-folded, runs of whitespace one space, trimmed."""
    return " ".join((name or "").split()).casefold()[:MAX_MERCHANT]


def _active(on: dt.date) -> Q:
    return Q(revoked_on__isnull=True) | Q(revoked_on__gt=on)


@transaction.atomic
def recurring_stop_register(*, card: Card, merchant_name: str, by: Actor, on: dt.date,
                            mcc: str = "") -> RecurringStop:
    """Register a stop (terms §16): effective from the next bank day of the card's market after `on`.
    The holder of the card, its company (PA or company token) or ops may; audited."""
    require_role(by, MAY_STOP, action="stop recurring charges on", what="card")
    key = merchant_key(merchant_name)
    if not key:
        raise ApplicationError(str(MERCHANT_REQUIRED), "invalid", {"field": "merchant_name"})
    mcc = (mcc or "").strip()
    if mcc and not (len(mcc) == 4 and mcc.isdigit()):
        raise ApplicationError(str(BAD_MCC), "invalid", {"field": "mcc"})
    card = Card.objects.select_for_update(of=("self",)).select_related("account__company").get(pk=card.pk)
    if card.status in (Card.Status.CANCELLED, Card.Status.EXPIRED):
        raise ApplicationError(str(CARD_CLOSED), "card_closed", {"field": "card"})
    if RecurringStop.objects.filter(_active(on), card__account_id=card.account_id, merchant_key=key,
                                    mcc=mcc).exists():
        raise ApplicationError(str(ALREADY_STOPPED).format(merchant=merchant_name.strip()), "already_stopped",
                               {"field": "merchant_name"}, status=409)
    account = card.account
    stop = RecurringStop.objects.create(
        card=card, merchant_name=" ".join(merchant_name.split())[:MAX_MERCHANT], merchant_key=key, mcc=mcc,
        registered_on=on, effective_from=add_bank_days(on, 1, account.company.market), registered_by=by.label[:150],
    )
    audit_record(by=by, action=AuditEntry.Action.RECURRING_STOPPED, on=on, company=account.company,
                 account=account, card=card, reason=stop.merchant_name,
                 details={"stop": stop.pk, "mcc": mcc, "effective_from": stop.effective_from.isoformat()})
    return stop


@transaction.atomic
def recurring_stop_revoke(*, stop: RecurringStop, by: Actor, on: dt.date) -> RecurringStop:
    """Lift a stop from `on` (the holder, the company or ops; audited). Disputes already opened stay."""
    require_role(by, MAY_STOP, action="lift a stop of recurring charges on", what="card")
    stop = RecurringStop.objects.select_for_update().select_related("card__account__company").get(pk=stop.pk)
    if stop.revoked_on is not None:
        raise ApplicationError(str(ALREADY_REVOKED).format(day=stop.revoked_on.isoformat()), "already_revoked",
                               status=409)
    stop.revoked_on, stop.revoked_by = on, by.label[:150]
    stop.save(update_fields=["revoked_on", "revoked_by"])
    account = stop.card.account
    audit_record(by=by, action=AuditEntry.Action.RECURRING_STOP_REVOKED, on=on, company=account.company,
                 account=account, card=stop.card, reason=stop.merchant_name, details={"stop": stop.pk})
    return stop


def _matches(stop: RecurringStop, key: str, mcc: str) -> bool:
    return stop.merchant_key == key and (not stop.mcc or stop.mcc == mcc)


def recurring_stop_applies(*, account_id: int, merchant_name: str, mcc: str, on: dt.date) -> bool:
    """Is a recurring authorization from this merchant stopped on `on` (SPEC section 10) for a card of this
    account (the card the stop names, or its replacement)?"""
    key = merchant_key(merchant_name)
    if not key:
        return False
    return (RecurringStop.objects.filter(_active(on), card__account_id=account_id, merchant_key=key,
                                         effective_from__lte=on)
            .filter(Q(mcc="") | Q(mcc=mcc)).exists())


def recurring_stops_dispute(*, charge_file_id: int) -> list[Dispute]:
    """Dispute, as `cancelled_recurring` by the system, every purchase of this charge file from a stopped
    merchant (transaction date on or after the effective date of a stop not lifted): each on its
    own, with the temporary credit of SPEC section 12, posted on the charge's processing date. Runs in
    the import's transaction, after the postings; nothing to read when no stop is active."""
    from disputes.audit import Actor as CaseActor
    from disputes.services import dispute_open

    stops: dict[int, list[RecurringStop]] = {}
    # A lifted stop disputes nothing more; stops follow the card's replacements (the same account).
    for stop in RecurringStop.objects.filter(revoked_on__isnull=True).select_related("card"):
        stops.setdefault(stop.card.account_id, []).append(stop)
    if not stops:
        return []
    charges = (Posting.objects.filter(account_id__in=list(stops), kind=PostingKind.PURCHASE,
                                      explanation__charge_file=charge_file_id)
               .exclude(disputes__isnull=False).order_by("id"))
    opened = []
    for charge in charges:
        key, day = merchant_key(charge.merchant_name), charge.transaction_date or charge.posting_date
        if not any(_matches(stop, key, charge.mcc) and stop.effective_from <= day for stop in stops[charge.account_id]):
            continue
        opened.append(dispute_open(charge=charge, reason=DisputeReason.CANCELLED_RECURRING, by=CaseActor(),
                                   on=charge.posting_date))
    return opened
