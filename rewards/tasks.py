"""Celery: the monthly SAS export as a beat job (DESIGN "Jobs": a task calls a service and is safe to
run twice). Each complete month whose batch is still accrued is exported into
EUROBONUS_EXPORT_DIR as eurobonus-YYYY-MM.csv, where the transfer to SAS picks it up."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from celery import shared_task
from django.conf import settings

from amexprog.common import clock
from amexprog.common.cycle import business_date
from amexprog.common.models import CycleStepRun
from rewards.exports import eurobonus_batch_export, write_file_atomically
from rewards.models import ExportBatch


def export_dir() -> Path:
    return Path(getattr(settings, "EUROBONUS_EXPORT_DIR", settings.BASE_DIR / "var" / "eurobonus"))


def last_complete_month(through: dt.date) -> dt.date:
    """The first day of the latest month the cycle has run to its end."""
    if (through + dt.timedelta(days=1)).day == 1:
        return through.replace(day=1)
    return (through.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def eurobonus_export_due() -> list[str]:
    """Export every complete month not exported yet; returns the files written."""
    through = business_date()
    if through is None:
        return []
    latest = last_complete_month(through)
    months = set(ExportBatch.objects.filter(status=ExportBatch.Status.ACCRUED, month__lte=latest)
                 .values_list("month", flat=True))
    next_month = (latest + dt.timedelta(days=31)).replace(day=1)
    ran_in_latest = CycleStepRun.objects.filter(day__gte=latest, day__lt=next_month).exists()
    if ran_in_latest and not ExportBatch.objects.filter(month=latest).exists():
        months.add(latest)  # a month the cycle ran in, without points, still gets its (empty) file
    folder = export_dir()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for month in sorted(months):
        exported = eurobonus_batch_export(month=month, on=clock.today())
        path = folder / f"eurobonus-{month:%Y-%m}.csv"
        write_file_atomically(path, exported.content)
        written.append(str(path))
    return written
