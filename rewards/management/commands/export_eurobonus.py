"""`manage.py export_eurobonus --month YYYY-MM --out PATH` (SPEC sections 13, 16)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from amexprog.common import clock
from amexprog.common.errors import ApplicationError
from rewards.exports import eurobonus_batch_export, write_file_atomically

BAD_MONTH = "--month must be a month as YYYY-MM (e.g. 2026-03), not {value!r}."
NO_DIRECTORY = "The folder {folder} does not exist; create it first."
IS_A_DIRECTORY = "{path} is a folder; give a file name to write."
CANNOT_WRITE = "Cannot write {path}: {reason}."
EXPORTED = "Exported batch {reference}: {lines} line(s), control total {total} points, to {path}."
EXPORTED_AGAIN = ("Batch {reference} was first exported on {exported_on} ({status}); wrote the same file again to "
                  "{path}. Nothing was counted twice.")


def parse_month(value: str) -> dt.date:
    match = re.fullmatch(r"(\d{4})-(\d{2})", value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise CommandError(BAD_MONTH.format(value=value))
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


class Command(BaseCommand):
    help = (
        "Write the month's EuroBonus points file for SAS: one line per statement dated in the month that earned "
        "or reversed points (member number, points, the statement period), with a header and a trailer carrying "
        "the control total. The first export moves the month's batch from accrued to exported; exporting the "
        "month again writes the same file and counts nothing twice. The month must be complete (run_cycle "
        "through its last day)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", required=True, metavar="YYYY-MM", help="the month of the statement dates")
        parser.add_argument("--out", required=True, type=Path, metavar="PATH", help="the file to write")

    def handle(self, *args, month: str, out: Path, **options) -> None:
        first = parse_month(month)
        if out.is_dir():
            raise CommandError(IS_A_DIRECTORY.format(path=out))
        if not out.parent.is_dir():
            raise CommandError(NO_DIRECTORY.format(folder=out.parent))
        try:
            exported = eurobonus_batch_export(month=first, on=clock.today())
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        try:
            write_file_atomically(out, exported.content)
        except OSError as exc:
            raise CommandError(CANNOT_WRITE.format(path=out, reason=exc.strerror or exc)) from exc
        batch = exported.batch
        if exported.first_export:
            self.stdout.write(self.style.SUCCESS(EXPORTED.format(reference=batch.reference, lines=batch.line_count,
                                                                 total=batch.control_total, path=out)))
        else:
            self.stdout.write(EXPORTED_AGAIN.format(reference=batch.reference, exported_on=batch.exported_on,
                                                    status=batch.get_status_display().lower(), path=out))

