"""The charges app's daily step (SPEC section 16, run_cycle): holds not matched within HOLD_DAYS expire."""

from __future__ import annotations

import datetime as dt

from amexprog.common.cycle import cycle_step
from charges.authorizations import holds_expire


@cycle_step(order=70, name="hold_expiry")
def hold_expiry(on: dt.date) -> int:
    return holds_expire(on=on)
