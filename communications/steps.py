"""The daily step that emails the day's notices (SPEC section 15). Last in the cycle, so the
notices the day's other steps created (reminders, closures, card renewals) go out the same day."""

from __future__ import annotations

import datetime as dt

from amexprog.common.cycle import cycle_step
from communications.services import notices_send


@cycle_step(order=90, name="notices_send")
def send_notices(on: dt.date) -> int:
    return notices_send(on=on)
