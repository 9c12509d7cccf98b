from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.demo import DEMO_TOTP_KEY
from accounts.security import totp_code


class Command(BaseCommand):
    help = ("Print the current TOTP code of the demo key that seed_demo gives the demo PAs and admin "
            "(a published demo key; real users' secrets are never read here).")

    def add_arguments(self, parser):
        parser.add_argument("--next", action="store_true", help="the code of the next 30-second step")
        parser.add_argument("--force", action="store_true", help="allow it when DEBUG is off")

    def handle(self, *args, next: bool = False, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Refusing to print demo codes while DEBUG is off (use --force).")
        self.stdout.write(totp_code(TOTPDevice(key=DEMO_TOTP_KEY), steps_ahead=1 if next else 0))
