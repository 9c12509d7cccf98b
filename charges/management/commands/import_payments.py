from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from amexprog.common.csvfiles import FileRejected, write_error_report
from amexprog.common.dbfaults import connection_loss_as_command_error
from amexprog.common.errors import ApplicationError
from charges.payments import payments_import


class Command(BaseCommand):
    help = (
        "Load a payment file (SPEC section 9): CSV payment_id,account_number,company_number,received_date,type,"
        "amount,currency,method,original_payment_id,cost. The whole file is checked first; any bad row loads "
        "nothing and prints a row-by-row report."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="path to the CSV file")
        parser.add_argument("--report", help="where to write the error report (default FILE.errors.json)")

    def handle(self, *args, file: str, report: str | None, **options):
        path = Path(file)
        try:
            with path.open("rb") as stream, connection_loss_as_command_error():
                summary = payments_import(stream=stream, filename=path.name)
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
        amounts = ", ".join(f"{currency} {amount}" for currency, amount in sorted(summary.by_currency.items()))
        self.stdout.write(self.style.SUCCESS(
            f"Loaded {summary.filename}: {summary.payments} payment(s), {summary.returns} return(s), "
            f"{summary.postings} posting(s); {amounts}."
        ))
