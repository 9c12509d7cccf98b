"""`manage.py export_cardmember_data ID --out PATH`: a cardmember's data as JSON (SPEC section 15)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from accounts.models import Cardmember
from audit.data_export import cardmember_data_export


class Command(BaseCommand):
    help = "Write everything held about one cardmember (access and portability request) to a JSON file."

    def add_arguments(self, parser):
        parser.add_argument("cardmember_id", type=int, help="The cardmember's id (as in the admin and the API).")
        parser.add_argument("--out", required=True, help="The JSON file to write (readable by the owner only).")

    def handle(self, *args, **options):
        cardmember = Cardmember.objects.filter(pk=options["cardmember_id"]).first()
        if cardmember is None:
            raise CommandError(f"No cardmember with id {options['cardmember_id']}.")
        path = Path(options["out"])
        if not path.parent.is_dir():
            raise CommandError(f"The folder {path.parent} does not exist.")
        data = cardmember_data_export(cardmember=cardmember)
        # Personal data: the file is created readable by its owner only.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(data, handle, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        os.chmod(path, 0o600)
        self.stdout.write(f"Wrote the data of cardmember {cardmember.pk} to {path}.")
