"""`manage.py pseudonymise_personal_data [--date D] [--dry-run]` (SPEC section 15).

The daily cycle does this too (step 95); the command lets ops run it for a day, or see who is due.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from accounts.models import Cardmember
from amexprog.common import clock
from amexprog.common.cycle import business_date
from audit.pseudonymisation import cardmember_pseudonymise, cardmembers_due, retention_cutoff


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{value!r} is not a date in YYYY-MM-DD form") from exc


class Command(BaseCommand):
    help = ("Pseudonymise cardmembers whose accounts all closed more than PERSONAL_DATA_RETENTION_YEARS ago. "
            "Ledger amounts, postings and statements are never changed.")

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Business day to run for (YYYY-MM-DD); default the business date.")
        parser.add_argument("--dry-run", action="store_true", help="Only list who is due; change nothing.")

    def handle(self, *args, **options):
        on = _date(options["date"]) if options["date"] else (business_date() or clock.today())
        due = list(cardmembers_due(on=on).values_list("pk", flat=True))
        cutoff = retention_cutoff(on)
        if options["dry_run"]:
            self.stdout.write(f"{len(due)} cardmember(s) due on {on} (every account closed on or before {cutoff}, "
                              f"retention {settings.PERSONAL_DATA_RETENTION_YEARS} years): "
                              + (", ".join(str(pk) for pk in due) or "none"))
            return
        for pk in tqdm(due, desc="pseudonymising", unit="cardmember", disable=len(due) < 100,
                       file=self.stderr._out):
            cardmember_pseudonymise(cardmember=Cardmember(pk=pk), on=on)
        self.stdout.write(f"Pseudonymised {len(due)} cardmember(s) on {on} (accounts closed on or before {cutoff}).")
