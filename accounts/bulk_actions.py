"""Bulk actions on a company's selected cards (SPEC 18; PA sheet; issue 19 item 5): block, unblock, set
limits, set controls, change the cost centre, cancel.

Each card goes through the very service its single action uses (accounts.lifecycle, accounts.controls,
accounts.data_changes), so the rules, the audit entry per card and the notice to the holder are theirs.
`cards_bulk_check` is the preview: every card is tried inside a transaction that is rolled back, which
names each card that would fail and why without a second copy of the rules (notices are sent after
commit, so a rolled-back try sends none). `cards_bulk_apply` is all or nothing: one transaction, and
if any card fails nothing changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from accounts import lifecycle
from accounts.audit import Actor, Role, require_role
from accounts.controls import card_controls_set
from accounts.data_changes import cardmember_update
from accounts.models import Card, Company
from amexprog.common.errors import ApplicationError

BLOCK, UNBLOCK, CANCEL = "block", "unblock", "cancel"
LIMITS, CONTROLS, COST_CENTRE = "limits", "controls", "cost_centre"
BULK_ACTIONS = (BLOCK, UNBLOCK, LIMITS, CONTROLS, COST_CENTRE, CANCEL)
MAX_CARDS = 500

UNKNOWN_ACTION = "Unknown bulk action {action!r}."
NO_CARDS = "Choose at least one card."
TOO_MANY_CARDS = "Choose at most {max} cards at a time."
NOT_THE_COMPANYS = "The card ending {last4} is not a card of company {company}."
BULK_FAILED = "Nothing was changed: {failed} of the {total} cards cannot take this action."


@dataclass
class CardOutcome:
    card: Card
    error: str = ""  # the service's message when the card cannot take the action
    code: str = ""  # the service's error code
    pending: bool = False  # raised limits wait for a second person (SPEC section 17)


@dataclass
class BulkResult:
    outcomes: list[CardOutcome] = field(default_factory=list)

    @property
    def failed(self) -> list[CardOutcome]:
        return [outcome for outcome in self.outcomes if outcome.error]


def _apply_one(action: str, card: Card, *, by: Actor, on: dt.date, params: dict[str, Any]) -> CardOutcome:
    if action == BLOCK:
        lifecycle.card_block(card=card, by=by, on=on, reason=params.get("reason", ""))
    elif action == UNBLOCK:
        lifecycle.card_unblock(card=card, by=by, on=on, reason=params.get("reason", ""))
    elif action == CANCEL:
        lifecycle.card_cancel(card=card, by=by, on=on, reason=params.get("reason", ""))
    elif action in (LIMITS, CONTROLS):
        saved = card_controls_set(card=card, by=by, on=on, **params.get("changes", {}))
        return CardOutcome(card, pending=getattr(saved, "pending_change", None) is not None)
    elif action == COST_CENTRE:
        cardmember_update(cardmember=card.account.cardmember, by=by, on=on, cost_centre=params.get("cost_centre", ""))
    return CardOutcome(card)


def _run(*, company: Company, cards: Sequence[Card], action: str, params: dict[str, Any], by: Actor,
         on: dt.date) -> BulkResult:
    require_role(by, (Role.COMPANY, Role.ISSUER), action="change the cards of", what="company")
    if action not in BULK_ACTIONS:
        raise ApplicationError(UNKNOWN_ACTION.format(action=action), "unknown_action", {"field": "action"})
    if not cards:
        raise ApplicationError(NO_CARDS, "no_cards", {"field": "cards"})
    if len(cards) > MAX_CARDS:
        raise ApplicationError(TOO_MANY_CARDS.format(max=MAX_CARDS), "too_many_cards", {"field": "cards"})
    result = BulkResult()
    for card in cards:
        if card.account.company_id != company.pk:
            raise ApplicationError(NOT_THE_COMPANYS.format(last4=card.last4, company=company.number),
                                   "card_not_found", status=404)
        try:
            with transaction.atomic():  # a savepoint: one card's failure leaves the others' tries usable
                result.outcomes.append(_apply_one(action, card, by=by, on=on, params=params))
        except ApplicationError as exc:
            result.outcomes.append(CardOutcome(card, error=exc.message, code=exc.code))
    return result


def cards_bulk_check(*, company: Company, cards: Sequence[Card], action: str, params: dict[str, Any], by: Actor,
                     on: dt.date) -> BulkResult:
    """The preview of a bulk action (SPEC 18): each card tried through its single service, then every
    change rolled back; the result names each card that would fail and the service's reason."""
    with transaction.atomic():
        result = _run(company=company, cards=cards, action=action, params=params, by=by, on=on)
        transaction.set_rollback(True)
    return result


@transaction.atomic
def cards_bulk_apply(*, company: Company, cards: Sequence[Card], action: str, params: dict[str, Any], by: Actor,
                     on: dt.date) -> BulkResult:
    """Apply a bulk action to every card, all or nothing (SPEC 18): one transaction, each card through its
    single service (its audit entry and notice); if any card fails, ApplicationError `bulk_failed`
    (409) names them and nothing changes."""
    result = _run(company=company, cards=cards, action=action, params=params, by=by, on=on)
    if result.failed:
        raise ApplicationError(BULK_FAILED.format(failed=len(result.failed), total=len(result.outcomes)),
                               "bulk_failed", {"failed": [{"card": o.card.pk, "last4": o.card.last4,
                                                           "code": o.code, "message": o.error}
                                                          for o in result.failed]}, status=409)
    return result
