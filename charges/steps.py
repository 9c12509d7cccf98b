"""The charges app's daily step (SPEC section 16, run_cycle): holds not matched within the programme's hold_days expire,
and the companies' cached exposure is brought up to date (charges/exposure.py)."""

from __future__ import annotations

import datetime as dt

from amexprog.common import clock
from amexprog.common.cycle import cycle_step
from charges.authorizations import holds_expire
from charges.exposure import exposures_refresh


@cycle_step(order=70, name="hold_expiry")
def hold_expiry(on: dt.date) -> int:
    return holds_expire(on=on) + exposures_refresh(at=clock.now())
