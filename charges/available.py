"""Balance and available to spend as the API's account and card objects show them (SPEC sections 4,
10; issue 18 item 9): the same figures an authorization decides on, so an integrator can tell before
a charge whether it would pass the card's limits and the company's credit limit.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from accounts.controls import effective_controls
from accounts.models import Account, Card
from charges.authorizations import _card_refusal, available_spend, spend_of
from ledger.selectors import account_balance

ZERO = Decimal("0")


def card_available_to_spend(*, card: Card, on: dt.date, at: dt.datetime) -> Decimal:
    """What an authorization on the card could still approve now (SPEC section 10): the tightest
    headroom of its cumulative limits and the company's credit limit after open holds and what the
    company owes; zero for a card an authorization would refuse (not active, expired, lost, stolen, or
    its account or company not in good standing)."""
    if _card_refusal(card, on):
        return ZERO
    return available_spend(effective_controls(card=card, on=on), spend_of(card=card, on=on, at=at), ZERO)


def account_available_to_spend(*, account: Account, on: dt.date, at: dt.datetime) -> Decimal:
    """The most any of the account's cards could still spend (SPEC section 10; the cards share the
    account's spend, each with its own controls); zero without a card that can be used."""
    figures = [card_available_to_spend(card=card, on=on, at=at)
               for card in account.cards.select_related("account__company", "controls")]
    return max(figures, default=ZERO)


def account_balance_amount(*, account: Account) -> Decimal:
    """The account's balance (SPEC section 4): every posting so far; positive = owed by the holder."""
    return account_balance(account=account).amount
