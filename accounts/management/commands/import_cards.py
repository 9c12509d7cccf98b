"""`manage.py import_cards FILE [--date D] [--report OUT.json]` — the Central Order Card (SPEC sections 11, 16)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.embosser_key import CLEAR_TEXT_WARNING, writes_in_clear
from accounts.imports import CARD_COLUMNS, cards_import
from accounts.management.commands.import_companies import progress_bar, report_rejection
from amexprog.common import clock
from amexprog.common.csvfiles import FileRejected
from amexprog.common.cycle import business_date
from amexprog.common.errors import ApplicationError
from amexprog.common.management.commands.run_cycle import parse_date


class Command(BaseCommand):
    help = (
        "Issue the cards of a Central Order Card CSV file with the columns "
        f"{','.join(CARD_COLUMNS)}. The whole file is checked first: any bad row issues nothing and prints "
        "a row-by-row report (row, column, reason). Full card numbers are written only to the --report file "
        "(or, without it, the embossing spool), encrypted to the embosser's age key (EMBOSSER_AGE_RECIPIENT); "
        "under production settings no key means nothing is issued."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the CSV file (UTF-8, header row, '.' as decimal separator)")
        parser.add_argument("--date", type=parse_date, metavar="D",
                            help="issue date (YYYY-MM-DD); default the business date, or today on a fresh database")
        parser.add_argument("--report", type=Path, metavar="OUT.json",
                            help="write the embossing report (JSON with full card numbers, age-encrypted to the "
                                 "embosser) to this new file")
        parser.add_argument("--errors", type=Path, metavar="OUT",
                            help="also write the error report of a rejected file to OUT (.json or .csv)")

    def handle(self, *args, file: Path, date: dt.date | None, report: Path | None, errors: Path | None,
               **options) -> None:
        issued_on = date or business_date() or clock.today()
        quiet = options.get("verbosity", 1) < 1
        if report is not None and report.exists():
            raise CommandError(f"{report} already exists; an embossing report is never overwritten.")
        try:
            with file.open("rb") as stream:
                summary = cards_import(
                    stream=stream, issued_on=issued_on, embossing_report=report,
                    progress=progress_bar(self, unit="card", quiet=quiet),
                )
        except FileRejected as exc:
            report_rejection(self, exc, errors)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        except OSError as exc:
            raise CommandError(f"Cannot read {file} or write the report: {exc.strerror}. Nothing was issued.") from exc
        self.stdout.write(self.style.SUCCESS(str(summary)))
        if summary.count and writes_in_clear():
            self.stderr.write(self.style.WARNING(CLEAR_TEXT_WARNING))
        if summary.embossing_report is not None:
            how = " (age-encrypted to the embosser's key)" if summary.report_encrypted else " (in clear)"
            self.stdout.write(f"Embossing report: {summary.embossing_report}{how}")
        elif summary.count:
            self.stdout.write(f"No --report was given: the card numbers went to the embossing spool in "
                              f"{settings.EMBOSSING_DIR}.")
