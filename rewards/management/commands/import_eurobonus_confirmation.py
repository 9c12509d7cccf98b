"""`manage.py import_eurobonus_confirmation FILE`: SAS's answer to an exported points batch (SPEC section 13)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from amexprog.common import clock
from amexprog.common.csvfiles import FileRejected, write_error_report
from amexprog.common.errors import ApplicationError
from rewards.exports import CONFIRMATION_COLUMNS, eurobonus_confirmation_import


class Command(BaseCommand):
    help = (
        "Load SAS's confirmation of a EuroBonus points batch: CSV " + ",".join(CONFIRMATION_COLUMNS) + ", one row "
        "per line of the batch, result accepted or rejected. The whole file is checked against the exported batch "
        "first; any bad row records nothing and prints a row-by-row report. Then the batch is confirmed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="path to SAS's confirmation file")
        parser.add_argument("--report", help="where to write the error report (default FILE.errors.json)")

    def handle(self, *args, file: str, report: str | None, **options) -> None:
        path = Path(file)
        try:
            with path.open("rb") as stream:
                result = eurobonus_confirmation_import(stream=stream, on=clock.today())
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        except FileRejected as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            target = Path(report or f"{file}.errors.json")
            write_error_report(exc.errors, exc.total, target)
            raise CommandError(f"{exc.message} Report: {target}") from exc
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        batch = result.batch
        self.stdout.write(self.style.SUCCESS(
            f"Batch {batch.reference} confirmed: {result.accepted} line(s) accepted ({batch.accepted_points} points), "
            f"{result.rejected} rejected ({batch.rejected_points} points)."
        ))
        if result.rejected:
            self.stdout.write(self.style.WARNING("Rejected lines are listed for ops under EuroBonus exports."))
