from django.core.management.base import BaseCommand, CommandError

from accounts.services import api_token_find, api_token_revoke
from amexprog.common import clock
from amexprog.common.errors import ApplicationError


class Command(BaseCommand):
    help = ("Revoke an API token for good (SPEC section 17): every later call with its key answers 401. "
            "Name it by its key or its 8-character prefix, as the admin lists it.")

    def add_arguments(self, parser):
        parser.add_argument("token", metavar="KEY_OR_PREFIX", help="the token's key, or its 8-character prefix")

    def handle(self, *args, token: str, **options):
        try:
            found = api_token_find(key_or_prefix=token.strip())
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        already = found.revoked_at is not None
        found = api_token_revoke(token=found, at=clock.now())
        verb = "was already revoked" if already else "revoked"
        self.stdout.write(f"API token {found} {verb} at {found.revoked_at.isoformat()}.")
