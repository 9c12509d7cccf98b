from django.core.management.base import BaseCommand, CommandError

from amexprog.common.csvfiles import FileRejected
from fees.reference_rates import reference_rates_load


class Command(BaseCommand):
    help = "Load Danmarks Nationalbank reference rates from CSV `effective_date,rate_percent` (SPEC section 8)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="path to the CSV file")

    def handle(self, *args, file: str, **options):
        try:
            with open(file, "rb") as stream:
                created, updated = reference_rates_load(stream=stream)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        except FileRejected as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"Reference rates: {created} created, {updated} updated."))
