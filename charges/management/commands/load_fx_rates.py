"""`manage.py load_fx_rates FILE` — ECB euro reference rates, either ECB CSV layout (SPEC section 6)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from amexprog.common.csvfiles import FileRejected
from charges.management.commands._progress import PhaseBars, count_data_lines
from charges.services import fx_rates_load

MISSING_FILE = "No such file: {path}"
LOADED = "Loaded {days} day(s) {first} → {last}: {created} new rate(s), {unchanged} already loaded."


class Command(BaseCommand):
    help = (
        "Load ECB euro reference rates from eurofxref.csv (one day) or eurofxref-hist.csv (history). "
        "Re-loading is harmless: rates already stored are left as they are. A malformed file loads nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the ECB CSV file")

    def handle(self, *args, file: str, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(MISSING_FILE.format(path=file))
        quiet = options.get("verbosity", 1) < 1
        with PhaseBars(file=self.stderr, total=count_data_lines(path), disable=quiet, unit="day") as bars:
            try:
                result = fx_rates_load(source=path, on_progress=bars)
            except FileRejected as exc:
                bars.close()
                for error in exc.errors:
                    self.stderr.write(str(error))
                raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(LOADED.format(
            days=result.days, first=result.first_date, last=result.last_date, created=result.created,
            unchanged=result.unchanged)))
