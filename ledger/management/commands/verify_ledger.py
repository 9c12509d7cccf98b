from django.core.management.base import BaseCommand, CommandError

from ledger.verification import verify_ledger


class Command(BaseCommand):
    help = "Check every ledger invariant (SPEC section 4); exits non-zero on any violation."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=20, help="violations to list per check (default 20)")

    def handle(self, *args, limit: int, **options):
        results = verify_ledger(limit=limit)
        failed = 0
        for name, problems in results.items():
            if problems:
                failed += 1
                self.stdout.write(self.style.ERROR(f"FAIL  {name}"))
                for problem in problems:
                    self.stdout.write(f"      {problem}")
            else:
                self.stdout.write(self.style.SUCCESS(f"ok    {name}"))
        if failed:
            raise CommandError(f"{failed} of {len(results)} ledger checks failed")
        self.stdout.write(self.style.SUCCESS(f"Ledger verified: all {len(results)} checks pass."))
