"""`manage.py import_companies FILE` — onboard companies in bulk (SPEC sections 11, 16)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from accounts.imports import COMPANY_COLUMNS, companies_import
from amexprog.common.csvfiles import FileRejected, write_error_report
from amexprog.common.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "Onboard the companies of a CSV file with the columns "
        f"{','.join(COMPANY_COLUMNS)}. The whole file is checked first: any bad row creates nothing and "
        "prints a row-by-row report (row, column, reason)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the CSV file (UTF-8, header row, '.' as decimal separator)")
        parser.add_argument("--errors", type=Path, metavar="OUT",
                            help="also write the error report of a rejected file to OUT (.json or .csv)")

    def handle(self, *args, file: Path, errors: Path | None, **options) -> None:
        quiet = options.get("verbosity", 1) < 1
        try:
            with file.open("rb") as stream:
                summary = companies_import(
                    stream=stream,
                    progress=progress_bar(self, unit="company", quiet=quiet),
                )
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc
        except FileRejected as exc:
            report_rejection(self, exc, errors)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(str(summary)))


def progress_bar(command: BaseCommand, *, unit: str, quiet: bool):
    # tqdm gets the raw stream: Django's OutputWrapper would append a newline to every redraw.
    return lambda rows: tqdm(rows, unit=unit, disable=quiet, file=command.stderr._out)


def report_rejection(command: BaseCommand, exc: FileRejected, errors_out: Path | None) -> None:
    """Print the row-by-row report on stderr (and to a file if asked), then fail the command."""
    for error in exc.errors:
        command.stderr.write(str(error))
    if exc.total > len(exc.errors):
        command.stderr.write(f"… and {exc.total - len(exc.errors)} more error(s).")
    if errors_out is not None:
        write_error_report(exc.errors, exc.total, errors_out)
    raise CommandError(exc.message)
