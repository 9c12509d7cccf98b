import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DEMO_PASSWORD, DEMO_START, DEMO_TOTP_SECRET, DEMO_TOTP_USERS, demo_seed
from accounts.demo_history import demo_history_run
from accounts.security import confirmed_totp_device, totp_enrolment_link
from amexprog.common import clock
from amexprog.common.cycle import business_date
from amexprog.common.management.commands.run_cycle import parse_date


class Command(BaseCommand):
    help = "Load demo companies, PAs, cardmembers and cards (idempotent) and print the logins."

    def add_arguments(self, parser):
        parser.add_argument("--date", type=parse_date, help=f"issue date for demo cards (default {DEMO_START})")
        parser.add_argument("--history", action="store_true",
                            help=f"also load charges and payments from {DEMO_START} and run the daily cycle "
                                 "through yesterday, so today is a live day (on a database whose cycle has "
                                 "not started)")
        parser.add_argument("--force", action="store_true", help="allow seeding when DEBUG is off")

    def handle(self, *args, date=None, force: bool = False, history: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Refusing to load demo users with known passwords while DEBUG is off (use --force).")
        result = demo_seed(on=date or DEMO_START)
        for line in result.created:
            self.stdout.write(f"created {line}")
        if not result.created:
            self.stdout.write("Demo data already present; nothing created.")
        if history:
            through = clock.today() - dt.timedelta(days=1)
            if business_date() is not None:
                self.stdout.write(f"The daily cycle already ran through {business_date()}; no history added.")
            else:
                self.stdout.write(f"Loading demo charges and payments, running the cycle {DEMO_START} → {through} …")
                counts = demo_history_run(through=through, pans=result.pans)
                self.stdout.write(", ".join(f"{name}: {count}" for name, count in counts.items()))
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password for all: {DEMO_PASSWORD}):"))
        for username, role in result.logins:
            self.stdout.write(f"  {username:<8} {role}")
        self.stdout.write(self.style.SUCCESS(
            f"{', '.join(DEMO_TOTP_USERS)} then enter a TOTP code: add this key to an authenticator app, or run "
            "`manage.py demo_otp_code` for the current code:"))
        self.stdout.write(f"  key {DEMO_TOTP_SECRET}")
        emma = get_user_model().objects.filter(username="emma").first()
        if emma is not None and confirmed_totp_device(emma) is None:
            # Enrolment needs a one-time link from the mailbox (SPEC section 17); in development the
            # mail is printed on the server's console when emma logs in, and here is one to start with.
            self.stdout.write(self.style.SUCCESS(
                "emma sets up her own app: log in as emma, then open her one-time set-up link (emailed; in "
                "development printed on the server console), e.g. this one:"))
            self.stdout.write(f"  {totp_enrolment_link(emma)}")
