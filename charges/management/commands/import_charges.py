"""`manage.py import_charges FILE [--report OUT]` — a network charge file (SPEC sections 5, 16)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from amexprog.common.csvfiles import FileRejected, write_error_report
from amexprog.common.dbfaults import connection_loss_as_command_error
from amexprog.common.errors import ApplicationError
from charges.management.commands._progress import PhaseBars, count_data_lines
from charges.services import charge_file_import

MISSING_FILE = "No such file: {path}"
REPORT_WRITTEN = "Error report written to {path}"
SHOWN_ON_STDERR = 50
LOADED = ("Loaded {filename}: {rows} charge(s), {postings} posting(s), {flagged} flagged for review.")


class Command(BaseCommand):
    help = (
        "Import a charge file (CSV). The whole file is validated first: any bad row loads nothing and "
        "writes a row-by-row report (--report, default FILE.errors.json). A file already loaded is refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the charge file (CSV, header row, UTF-8)")
        parser.add_argument("--report", metavar="OUT", help="where to write the error report (.json or .csv)")
        parser.add_argument("--orm", action="store_true",
                            help="use the portable row-by-row path even on PostgreSQL (slow; for comparison)")

    def handle(self, *args, file: str, report: str | None, orm: bool, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(MISSING_FILE.format(path=file))
        quiet = options.get("verbosity", 1) < 1
        with PhaseBars(file=self.stderr, total=count_data_lines(path), disable=quiet) as bars:
            try:
                with connection_loss_as_command_error():
                    charge_file = charge_file_import(source=path, on_progress=bars, bulk=False if orm else None)
            except FileRejected as exc:
                bars.close()
                report_path = Path(report) if report else path.with_name(path.name + ".errors.json")
                write_error_report(exc.errors, exc.total, report_path)
                for error in exc.errors[:SHOWN_ON_STDERR]:
                    self.stderr.write(str(error))
                if exc.total > SHOWN_ON_STDERR:
                    self.stderr.write(f"… and {exc.total - SHOWN_ON_STDERR} more")
                self.stderr.write(REPORT_WRITTEN.format(path=report_path))
                raise CommandError(exc.message) from exc
            except ApplicationError as exc:
                raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(LOADED.format(
            filename=charge_file.filename, rows=charge_file.row_count, postings=charge_file.posting_count,
            flagged=charge_file.flagged_count)))
        for kind, figures in charge_file.totals.items():
            amounts = ", ".join(f"{currency} {amount}" for currency, amount in figures["amounts"].items())
            self.stdout.write(f"  {kind}: {figures['count']} ({amounts})")
