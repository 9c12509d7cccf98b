from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.models import ApiToken, Company
from accounts.services import api_token_create
from amexprog.common.errors import ApplicationError


class Command(BaseCommand):
    help = ("Create an API token and print its key (shown once): --network, --ops USERNAME, or --company N; "
            "--scope read-only|read-write for a company or ops token (default read-write).")

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--network", action="store_true",
                           help="a card-network token: it may only ask for authorizations (scope network)")
        group.add_argument("--ops", metavar="USERNAME",
                           help="an ops token acting with this ops (staff) user's permissions")
        group.add_argument("--company", metavar="N", help="a PA API token for company number N")
        parser.add_argument("--scope", choices=[ApiToken.Scope.READ_ONLY, ApiToken.Scope.READ_WRITE],
                            help="read-only (GET, HEAD, OPTIONS only) or read-write (the default); "
                                 "not for --network (issue 15 item 12)")
        parser.add_argument("--name", default="", help="a label for the token")

    def handle(self, *args, network: bool, ops: str | None, company: str | None, scope: str | None, name: str,
               **options):
        target = user = None
        if company is not None:
            target = Company.objects.filter(number=company).first()
            if target is None:
                raise CommandError(f"No company with number {company!r}.")
            kind = ApiToken.Kind.COMPANY
        elif network:
            if scope is not None:
                raise CommandError("A network token's scope is always network: leave out --scope.")
            kind = ApiToken.Kind.NETWORK
        else:
            kind = ApiToken.Kind.OPS
            user = get_user_model().objects.filter(username=ops, is_staff=True, is_active=True).first()
            if user is None:
                raise CommandError(f"No active ops (staff) user {ops!r}.")
        try:
            _token, key = api_token_create(name=name or f"{kind} token", kind=kind, company=target, scope=scope,
                                           user=user)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(key)
