from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DEMO_PASSWORD, demo_seed
from amexprog.common import clock
from amexprog.common.cycle import business_date
from amexprog.common.management.commands.run_cycle import parse_date


class Command(BaseCommand):
    help = "Load demo companies, PAs, cardmembers and cards (idempotent) and print the logins."

    def add_arguments(self, parser):
        parser.add_argument("--date", type=parse_date, help="issue date for demo cards (default: business date)")
        parser.add_argument("--force", action="store_true", help="allow seeding when DEBUG is off")

    def handle(self, *args, date=None, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Refusing to load demo users with known passwords while DEBUG is off (use --force).")
        on = date or business_date() or clock.today()
        result = demo_seed(on=on)
        for line in result.created:
            self.stdout.write(f"created {line}")
        if not result.created:
            self.stdout.write("Demo data already present; nothing created.")
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password for all: {DEMO_PASSWORD}):"))
        for username, role in result.logins:
            self.stdout.write(f"  {username:<8} {role}")
