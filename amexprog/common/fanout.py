"""Fan a daily step out over accounts in chunks of ids (DESIGN "Jobs").

Embedded default (eager Celery): chunks run in-process, one after another. With workers: each
chunk not yet completed is sent as a task; the caller either waits for all of them (the
`run_cycle` command) or, inside the nightly beat task, returns at once with `ChunksPending`, and
the next run finds what completed and re-sends what did not. No chord callbacks.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import time
from collections.abc import Iterator

from celery import Task
from django.conf import settings
from django.utils import timezone

from amexprog.common.models import ChunkRun

_wait_seconds: contextvars.ContextVar[float] = contextvars.ContextVar("fanout_wait_seconds", default=6 * 3600.0)
POLL_SECONDS = 0.5


class ChunksPending(Exception):
    """Some chunks of a step are still running on workers; the day is not complete yet."""


@contextlib.contextmanager
def fanout_wait(seconds: float) -> Iterator[None]:
    """How long a fanned-out step waits for its chunks (0 = do not wait)."""
    token = _wait_seconds.set(seconds)
    try:
        yield
    finally:
        _wait_seconds.reset(token)


def chunked(ids: list[int], size: int) -> list[list[int]]:
    return [ids[start:start + size] for start in range(0, len(ids), size)]


def chunk_completed(*, chunk_run_id: int, count: int) -> None:
    ChunkRun.objects.filter(pk=chunk_run_id).update(completed_at=timezone.now(), count=count)


def fan_out(*, task: Task, step: str, on: dt.date, ids: list[int]) -> int:
    """Run `task(day, step, chunk_run_id, ids)` over every chunk; returns the items produced."""
    chunks = chunked(ids, settings.CYCLE_CHUNK_SIZE)
    runs = []
    for chunk in chunks:
        run, _created = ChunkRun.objects.get_or_create(
            day=on, step=step, first_id=chunk[0], last_id=chunk[-1], defaults={"size": len(chunk)}
        )
        runs.append((run, chunk))
    pending = [(run, chunk) for run, chunk in runs if run.completed_at is None]
    if settings.CELERY_TASK_ALWAYS_EAGER:
        for run, chunk in pending:
            task.apply(args=(on.isoformat(), step, run.pk, chunk), throw=True)
    else:
        for run, chunk in pending:
            ChunkRun.objects.filter(pk=run.pk).update(dispatched_at=timezone.now())
            task.delay(on.isoformat(), step, run.pk, chunk)
        _wait_for(on=on, step=step, run_ids=[run.pk for run, _chunk in runs])
    return sum(ChunkRun.objects.filter(pk__in=[run.pk for run, _chunk in runs]).values_list("count", flat=True))


def _wait_for(*, on: dt.date, step: str, run_ids: list[int]) -> None:
    deadline = time.monotonic() + _wait_seconds.get()
    while ChunkRun.objects.filter(pk__in=run_ids, completed_at__isnull=True).exists():
        if time.monotonic() >= deadline:
            missing = ChunkRun.objects.filter(pk__in=run_ids, completed_at__isnull=True).count()
            raise ChunksPending(f"{missing} chunk(s) of {step} for {on} still running; the next run completes them")
        time.sleep(POLL_SECONDS)
