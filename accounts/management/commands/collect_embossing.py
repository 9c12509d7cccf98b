"""`manage.py collect_embossing --out DIR` — hand the embossing spool to the embosser and delete it
(SPEC section 16, issue 15 item 6)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.embosser_key import CLEAR_TEXT_WARNING, writes_in_clear
from accounts.embossing import embossing_spool_collect


class Command(BaseCommand):
    help = (
        "Move every embossing spool file (one per issue date, JSON lines, each record age-encrypted to the "
        "embosser's key under production settings) to DIR — e.g. the embosser's SFTP outbox — and delete it "
        "from the spool. Cards ordered meanwhile go to a new spool file, collected next time."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                            help="folder the files are handed over in (created if missing; files never overwritten)")

    def handle(self, *args, out: Path, **options) -> None:
        try:
            collected = embossing_spool_collect(out_dir=out)
        except OSError as exc:
            raise CommandError(f"Cannot collect the embossing spool {settings.EMBOSSING_DIR} into {out}: "
                               f"{exc.strerror}. Files not yet copied stay in the spool.") from exc
        if writes_in_clear():
            self.stderr.write(self.style.WARNING(CLEAR_TEXT_WARNING))
        for file in collected:
            self.stdout.write(f"{out / file.name}: {file.records} card(s)")
        self.stdout.write(self.style.SUCCESS(
            f"Collected {len(collected)} spool file(s); they were deleted from {settings.EMBOSSING_DIR}."))
