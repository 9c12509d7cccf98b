from __future__ import annotations

import datetime as dt

from amexprog.common.errors import ApplicationError
from fees.models import FeeSchedule

NO_FEE_SCHEDULE = "No fee schedule for market {market} is in force on {on}."


def fee_schedule_in_force(*, market: str, on: dt.date) -> FeeSchedule:
    """The latest version effective on or before `on` (SPEC section 7)."""
    schedule = (
        FeeSchedule.objects.filter(market=market, effective_from__lte=on).order_by("-effective_from").first()
    )
    if schedule is None:
        raise ApplicationError(NO_FEE_SCHEDULE.format(market=market, on=on), "no_fee_schedule")
    return schedule
