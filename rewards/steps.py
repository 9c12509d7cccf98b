"""The EuroBonus steps of the daily cycle (SPEC section 16, run_cycle).

The fee runs after the annual fees (30) and before statements (40), so a fee due on a statement
date is on that statement; points run right after statements (40), on the statements of the day,
and before company statements (45).
"""

from __future__ import annotations

import datetime as dt

from amexprog.common.cycle import cycle_step
from rewards.points import points_award
from rewards.services import eurobonus_fees_post


@cycle_step(order=32, name="eurobonus_fee")
def eurobonus_fee(on: dt.date) -> int:
    return eurobonus_fees_post(on=on)


@cycle_step(order=42, name="eurobonus_points")
def eurobonus_points(on: dt.date) -> int:
    return points_award(on=on)
