"""Celery entry point for the nightly cycle (DESIGN "Jobs": tasks are another interface to services)."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from amexprog.common import clock
from amexprog.common.cycle import business_date, cycle_run_day, days_to_run
from amexprog.common.fanout import ChunksPending, fanout_wait


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_cycle_task(through: str | None = None) -> str | None:
    """Run the cycle through `through` (default: yesterday). Safe to run any number of times."""
    last_day = dt.date.fromisoformat(through) if through else clock.today() - dt.timedelta(days=1)
    if business_date() is None:
        return None  # a fresh database is started by an operator with run_cycle --from
    # Inside a worker, never block on other tasks: a step whose chunks are still running ends this
    # run, and the next beat run (hourly) finds them completed and carries on.
    with fanout_wait(0):
        try:
            for day in days_to_run(through=last_day, start=None):
                cycle_run_day(on=day)
        except ChunksPending:
            pass
    done = business_date()
    return done.isoformat() if done else None
