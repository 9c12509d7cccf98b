"""The disputes app's daily step (SPEC section 16, run_cycle)."""

from __future__ import annotations

import datetime as dt

from amexprog.common.cycle import cycle_step
from disputes.services import refund_requests_flag_overdue


@cycle_step(order=75, name="refund_requests_overdue")
def refund_requests_overdue(on: dt.date) -> int:
    """Refund requests whose decision is past due surface to ops (terms §23)."""
    return refund_requests_flag_overdue(on=on)
