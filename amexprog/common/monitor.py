"""What the cycle monitor shows (issue 19 item 12; DESIGN "Jobs"): per business day, the steps run, the
chunks of the fanned-out steps, how long it took and what failed. Reads the cycle's own records only."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Max, Min, Q, Sum

from amexprog.common.cycle import business_date, registered_steps
from amexprog.common.models import ChunkRun, CycleStepRun

DAYS_SHOWN = 31


class _Timed:
    """How long a step or a day took, from its `started_at` and `completed_at`."""

    @property
    def duration(self) -> dt.timedelta | None:
        if self.started_at is None or self.completed_at is None:
            return None
        return self.completed_at - self.started_at

    @property
    def seconds(self) -> float | None:
        return self.duration.total_seconds() if self.duration is not None else None


@dataclass
class StepLine(_Timed):
    name: str
    order: int | None
    count: int | None = None
    started_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None
    error: str = ""
    chunks: int = 0
    chunks_done: int = 0
    chunks_pending: int = 0

    @property
    def ran(self) -> bool:
        return self.completed_at is not None and not self.error


@dataclass
class DayLine(_Timed):
    day: dt.date
    steps_run: int = 0
    steps_failed: int = 0
    items: int = 0
    chunks: int = 0
    chunks_pending: int = 0
    started_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None
    completed: bool = False
    steps: list[StepLine] = field(default_factory=list)

    @property
    def failures(self) -> int:
        return self.steps_failed + self.chunks_pending


def cycle_days(*, limit: int = DAYS_SHOWN) -> list[DayLine]:
    """The latest `limit` business days that have records, newest first, in two grouped queries."""
    last = business_date()
    days = list(CycleStepRun.objects.values_list("day", flat=True).distinct().order_by("-day")[:limit])
    if not days:
        return []
    lines = {day: DayLine(day=day, completed=last is not None and day <= last) for day in days}
    for row in (CycleStepRun.objects.filter(day__in=days).values("day")
                .annotate(run=Count("pk", filter=Q(error="")), failed=Count("pk", filter=~Q(error="")),
                          items=Sum("count"), first=Min("started_at"), first_done=Min("completed_at"),
                          done=Max("completed_at"))):
        line = lines[row["day"]]
        line.steps_run, line.steps_failed, line.items = row["run"], row["failed"], row["items"] or 0
        line.started_at, line.completed_at = row["first"] or row["first_done"], row["done"]
    for row in (ChunkRun.objects.filter(day__in=days).values("day")
                .annotate(total=Count("pk"), pending=Count("pk", filter=Q(completed_at__isnull=True)),
                          first=Min("dispatched_at"))):
        line = lines[row["day"]]
        line.chunks, line.chunks_pending = row["total"], row["pending"]
        if row["first"] is not None and (line.started_at is None or row["first"] < line.started_at):
            line.started_at = row["first"]
    return [lines[day] for day in days]


def cycle_day(*, day: dt.date) -> DayLine:
    """One business day's steps in the cycle's order, with their chunks; a registered step without a
    record on a day the cycle reached is shown as not run."""
    last = business_date()
    line = DayLine(day=day, completed=last is not None and day <= last)
    orders = {step.name: step.order for step in registered_steps()}
    chunks: dict[str, dict[str, int]] = defaultdict(lambda: {"total": 0, "pending": 0})
    for row in (ChunkRun.objects.filter(day=day).values("step")
                .annotate(total=Count("pk"), pending=Count("pk", filter=Q(completed_at__isnull=True)))):
        chunks[row["step"]] = {"total": row["total"], "pending": row["pending"]}
    records = {run.step: run for run in CycleStepRun.objects.filter(day=day)}
    for name in sorted(set(orders) | set(records), key=lambda name: (orders.get(name, 10_000), name)):
        run = records.get(name)
        step = StepLine(name=name, order=orders.get(name))
        if run is not None:
            step.count, step.started_at, step.completed_at, step.error = (
                run.count, run.started_at, run.completed_at, run.error)
        step.chunks = chunks[name]["total"]
        step.chunks_pending = chunks[name]["pending"]
        step.chunks_done = step.chunks - step.chunks_pending
        line.steps.append(step)
    line.steps_run = sum(1 for step in line.steps if step.ran)
    line.steps_failed = sum(1 for step in line.steps if step.error)
    line.items = sum(step.count or 0 for step in line.steps)
    line.chunks = sum(step.chunks for step in line.steps)
    line.chunks_pending = sum(step.chunks_pending for step in line.steps)
    started = [step.started_at for step in line.steps if step.started_at]
    done = [step.completed_at for step in line.steps if step.completed_at]
    line.started_at, line.completed_at = (min(started) if started else None), (max(done) if done else None)
    return line
