from __future__ import annotations

import datetime as dt

from amexprog.common.errors import ApplicationError
from amexprog.common.prepared import fetch_instance
from fees.models import FeeSchedule

NO_FEE_SCHEDULE = "No fee schedule for market {market} is in force on {on}."


def fee_schedule_in_force(*, market: str, on: dt.date) -> FeeSchedule:
    """The latest version effective on or before `on` (SPEC section 7). Read on every foreign or cash
    authorization, so as a prepared statement (amexprog.common.prepared)."""
    schedule = fetch_instance("fee_schedule_in_force", FeeSchedule, "t.market = %s AND t.effective_from <= %s",
                              [market, on], ["varchar", "date"], order_by="t.effective_from DESC")
    if schedule is None:
        raise ApplicationError(NO_FEE_SCHEDULE.format(market=market, on=on), "no_fee_schedule")
    return schedule
