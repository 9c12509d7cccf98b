"""`export_report`: a company's report or data file (SPEC section 14) to a file, as the portal and the
API serve it (statements.reports)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Company
from amexprog.common import clock
from amexprog.common.cycle import business_date
from amexprog.common.errors import ApplicationError
from statements.reports import REPORT_NAMES, build_report, render_chunks

UNKNOWN_COMPANY = "No company {number}."
CANNOT_WRITE = "Cannot write {path}: {reason}."
WRITTEN = "Wrote {name} of company {number} to {path}"


class Command(BaseCommand):
    help = (
        "Write a company's report or data file as CSV or JSON: transactions (--date, the daily transaction file), "
        "billed (--month, the monthly billed file), cardmembers (the cardmember listing), ageing (--date, default "
        "the business date) or spend (--from/--to months, default the last 12). Card numbers are masked; CSV cells "
        "that a spreadsheet would run as formulas start with an apostrophe."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("report", choices=REPORT_NAMES)
        parser.add_argument("--company", required=True, metavar="N", help="company number")
        parser.add_argument("--format", choices=["csv", "json"], default="csv", dest="file_format")
        parser.add_argument("--date", metavar="YYYY-MM-DD")
        parser.add_argument("--month", metavar="YYYY-MM")
        parser.add_argument("--from", dest="first", metavar="YYYY-MM")
        parser.add_argument("--to", dest="last", metavar="YYYY-MM")
        parser.add_argument("--out", required=True, type=Path, metavar="FILE")

    def handle(self, *args, report: str, company: str, file_format: str, date: str | None, month: str | None,
               first: str | None, last: str | None, out: Path, **options) -> None:
        found = Company.objects.filter(number=company).first()
        if found is None:
            raise CommandError(UNKNOWN_COMPANY.format(number=company))
        params = {"date": date, "month": month, "from": first, "to": last}
        try:
            built = build_report(company=found, name=report, params=params, today=business_date() or clock.today())
            chunks = render_chunks(built, file_format)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        if out.is_dir():
            raise CommandError(CANNOT_WRITE.format(path=out, reason="it is a folder"))
        # Written next to the target and renamed into place: a failed run leaves no half file.
        try:
            handle, temporary = tempfile.mkstemp(dir=out.parent or Path("."), prefix=f".{out.name}.")
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
                for chunk in chunks:
                    stream.write(chunk)
            os.replace(temporary, out)
        except OSError as exc:
            raise CommandError(CANNOT_WRITE.format(path=out, reason=exc.strerror or exc)) from None
        self.stdout.write(WRITTEN.format(name=built.name, number=found.number, path=out))
