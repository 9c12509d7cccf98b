"""The statement cycle's daily steps, in the order issue 4 fixes (SPEC section 16, run_cycle)."""

from __future__ import annotations

import datetime as dt

from accounts.lifecycle import accounts_finish_closing
from amexprog.common.cycle import cycle_step
from amexprog.common.fanout import fan_out
from fees.services import annual_fees_anniversaries, interest_accrue, reminders_send
from statements.delinquency import delinquency_update
from statements.services import company_statements_generate, statement_account_ids
from statements.tasks import statements_chunk


@cycle_step(order=10, name="late_interest")
def late_interest(on: dt.date) -> int:
    return interest_accrue(on=on)


@cycle_step(order=30, name="fees_due")
def fees_due(on: dt.date) -> int:
    return annual_fees_anniversaries(on=on)


@cycle_step(order=40, name="statements")
def statements(on: dt.date) -> int:
    return fan_out(task=statements_chunk, step="statements", on=on,
                   ids=statement_account_ids(on=on))


@cycle_step(order=45, name="company_statements")
def company_statements(on: dt.date) -> int:
    return company_statements_generate(on=on)


@cycle_step(order=50, name="reminders")
def reminders(on: dt.date) -> int:
    return reminders_send(on=on)


@cycle_step(order=60, name="delinquency")
def delinquency(on: dt.date) -> int:
    return delinquency_update(on=on)


@cycle_step(order=65, name="closures")
def closures(on: dt.date) -> int:
    return accounts_finish_closing(on=on)
