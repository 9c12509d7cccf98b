"""`manage.py run_cycle --through D [--from D0]` — the single entry point for daily jobs."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from amexprog.common import csvfiles
from amexprog.common.cycle import cycle_run_day, days_to_run, registered_steps
from amexprog.common.errors import ApplicationError


def parse_date(value: str) -> dt.date:
    """A command's date argument: strictly YYYY-MM-DD, as in the files (csvfiles.parse_date)."""
    try:
        return csvfiles.parse_date(value)
    except ValueError as exc:
        raise CommandError(f"{value!r} is not a date in YYYY-MM-DD form") from exc


class Command(BaseCommand):
    help = (
        "Run every daily job for each day after the last completed one (or from --from on a fresh "
        "database) through --through, in order. Re-running a completed day changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--through", required=True, type=parse_date, help="last day to run (YYYY-MM-DD)")
        parser.add_argument("--from", dest="start", type=parse_date, help="first day, on a fresh database")

    def handle(self, *args, through: dt.date, start: dt.date | None, **options):
        try:
            days = days_to_run(through=through, start=start)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        if not days:
            self.stdout.write(f"Nothing to do: every day through {through} is already completed.")
            return
        steps = [step.name for step in registered_steps()]
        self.stdout.write(f"Running {len(days)} day(s), {days[0]} → {days[-1]}; steps: {', '.join(steps) or 'none'}")
        totals: dict[str, int] = {}
        progress = tqdm(days, unit="day", disable=options.get("verbosity", 1) < 1, file=self.stderr)
        for day in progress:
            progress.set_postfix_str(str(day))
            for name, count in cycle_run_day(on=day).items():
                totals[name] = totals.get(name, 0) + count
        summary = ", ".join(f"{name}: {count}" for name, count in totals.items()) or "no steps registered"
        self.stdout.write(self.style.SUCCESS(f"Completed through {days[-1]} ({summary})."))
