"""The audit app's daily step (SPEC section 15): pseudonymise cardmembers whose retention period has
run out. Late in the day (95), after statements, closures and the card lifecycle have run."""

from __future__ import annotations

import datetime as dt

from amexprog.common.cycle import cycle_step
from audit.pseudonymisation import cardmembers_pseudonymise_due


@cycle_step(order=95, name="personal_data_pseudonymisation")
def personal_data_pseudonymisation(on: dt.date) -> int:
    return cardmembers_pseudonymise_due(on=on)
