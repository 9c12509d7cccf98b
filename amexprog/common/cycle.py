"""The daily job registry behind `run_cycle` (SPEC section 16, DESIGN "Time").

Apps register steps with `@cycle_step(order, name)`; each step takes the business day `on` and
returns how many items it processed. Steps must be idempotent on their own (unique source keys):
`run_cycle` may run a day again after a crash, and a re-run must post nothing new.

Fixed order (issue 4): 10 late interest, 20 payments of the day, 30 fees due, 35 closures by the issuer
with notice (terms §31a), 40 statements, 50 reminders, 60 delinquency, 70 card renewals and hold expiry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from amexprog.common.errors import ApplicationError
from amexprog.common.logging import mask_pans
from amexprog.common.models import BusinessDate, CycleStepRun

StepFunction = Callable[[dt.date], int]

FRESH_DATABASE_NEEDS_FROM = "This database has no completed business day yet: pass --from D0 to say where to start."
FROM_CONFLICTS_WITH_HISTORY = "--from is only for a fresh database; the cycle continues from the day after {last}."
THROUGH_BEFORE_FROM = "--through {through} is before --from {start}."


@dataclass(frozen=True)
class Step:
    order: int
    name: str
    function: StepFunction


_REGISTRY: dict[str, Step] = {}


def cycle_step(order: int, name: str) -> Callable[[StepFunction], StepFunction]:
    def decorator(function: StepFunction) -> StepFunction:
        existing = _REGISTRY.get(name)
        if existing is not None and existing.function is not function:
            raise RuntimeError(f"cycle step {name!r} registered twice")
        _REGISTRY[name] = Step(order=order, name=name, function=function)
        return function

    return decorator


def registered_steps() -> list[Step]:
    return sorted(_REGISTRY.values(), key=lambda step: (step.order, step.name))


def business_date() -> dt.date | None:
    """The last completed business day, or None on a fresh database."""
    row = BusinessDate.objects.filter(pk=1).first()
    return row.last_completed if row else None


def days_to_run(*, through: dt.date, start: dt.date | None) -> list[dt.date]:
    """The days `run_cycle --through D [--from D0]` will run, in order; empty when up to date."""
    last = business_date()
    if last is None:
        if start is None:
            raise ApplicationError(FRESH_DATABASE_NEEDS_FROM, "cycle_needs_start")
        first = start
    else:
        if start is not None and start != last + dt.timedelta(days=1):
            raise ApplicationError(FROM_CONFLICTS_WITH_HISTORY.format(last=last), "cycle_from_conflict")
        first = last + dt.timedelta(days=1)
    if start is not None and through < start:
        raise ApplicationError(THROUGH_BEFORE_FROM.format(through=through, start=start), "cycle_bad_range")
    return list(_daterange(first, through))


def _daterange(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def cycle_run_day(*, on: dt.date) -> dict[str, int]:
    """Run every registered step for one day, in order, then mark the day completed."""
    counts: dict[str, int] = {}
    for step in registered_steps():
        started = timezone.now()
        try:
            count = step.function(on)
        except Exception as error:
            # The monitor shows the failure (issue 19 item 12); card numbers never reach it (SPEC 17).
            CycleStepRun.objects.update_or_create(day=on, step=step.name, defaults={
                "count": 0, "started_at": started, "error": mask_pans(f"{type(error).__name__}: {error}")[:2000]})
            raise
        counts[step.name] = count
        CycleStepRun.objects.update_or_create(day=on, step=step.name,
                                              defaults={"count": count, "started_at": started, "error": ""})
    with transaction.atomic():
        # Lock the single row so two concurrent run_cycle calls cannot both advance the date.
        row, _created = BusinessDate.objects.select_for_update().get_or_create(pk=1)
        if row.last_completed is None or row.last_completed < on:
            row.last_completed = on
            row.save(update_fields=["last_completed", "updated_at"])
    return counts
