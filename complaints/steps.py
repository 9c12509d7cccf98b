"""The complaints app's daily step (SPEC section 16, run_cycle)."""

from __future__ import annotations

import datetime as dt

from amexprog.common.cycle import cycle_step
from complaints.services import complaints_flag_overdue


@cycle_step(order=76, name="complaints_overdue")
def complaints_overdue(on: dt.date) -> int:
    """Complaints whose written answer is past due surface to ops (terms §21b)."""
    return complaints_flag_overdue(on=on)
