"""The accounts app's daily step (SPEC section 11, terms §31): card renewals before expiry, expiry,
and closure of accounts left without a card after the request window and a notice."""

from __future__ import annotations

import datetime as dt

from accounts.lifecycle import cards_lifecycle_run
from amexprog.common.cycle import cycle_step


@cycle_step(order=75, name="card_lifecycle")
def card_lifecycle(on: dt.date) -> int:
    return cards_lifecycle_run(on=on)
