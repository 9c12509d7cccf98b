"""A PA's own API tokens (SPEC sections 16, 17; issue 18 item 10): a PA creates a company token, scoped
read-only or read-write, and revokes it, in the portal; each is audited. The key is shown once and only
its hash is kept (accounts.services.api_token_create). Ops keep `manage.py create_token` and the admin
for network and ops tokens."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.audit import Actor, Role, audit_record, require_role
from accounts.models import ApiToken, AuditEntry, Company
from accounts.services import api_token_create, api_token_revoke
from amexprog.common import clock
from amexprog.common.errors import ApplicationError

TOKEN_NAME_REQUIRED = "Give the token a name, so that you can tell it apart later."
TOKEN_SCOPE_INVALID = "Choose read-only or read-write."
TOKEN_ALREADY_REVOKED = "This token was already revoked."
PA_SCOPES = (ApiToken.Scope.READ_ONLY, ApiToken.Scope.READ_WRITE)


def company_api_tokens(*, company: Company) -> QuerySet[ApiToken]:
    """A company's tokens, live ones first, newest first (SPEC 16): never the key, only its prefix."""
    return (ApiToken.objects.filter(company=company, kind=ApiToken.Kind.COMPANY)
            .select_related("created_by", "revoked_by").order_by("revoked_at", "-created_at", "-id"))


@transaction.atomic
def company_api_token_create(*, company: Company, name: str, scope: str, by: Actor,
                             created_by=None) -> tuple[ApiToken, str]:
    """A PA creates a company token (SPEC 16, 17: scope read-only or read-write; issue 18 item 10).
    Returns the token and its key, which the caller shows once."""
    require_role(by, (Role.COMPANY, Role.ISSUER), action="create", what="an API token")
    name = name.strip()
    if not name:
        raise ApplicationError(TOKEN_NAME_REQUIRED, "name_required")
    if scope not in PA_SCOPES:
        raise ApplicationError(TOKEN_SCOPE_INVALID, "invalid_scope")
    token, key = api_token_create(name=name[:100], kind=ApiToken.Kind.COMPANY, company=company, scope=scope,
                                  created_by=created_by)
    audit_record(by=by, action=AuditEntry.Action.API_TOKEN_CREATED, on=clock.today(), company=company,
                 details={"token": token.prefix, "name": token.name, "scope": token.scope})
    return token, key


@transaction.atomic
def company_api_token_revoke(*, token: ApiToken, by: Actor, revoked_by=None) -> ApiToken:
    """A PA revokes one of the company's tokens, for good (SPEC 17; issue 18 item 10): from now on its key
    answers 401."""
    require_role(by, (Role.COMPANY, Role.ISSUER), action="revoke", what="an API token")
    if token.revoked_at is not None:
        raise ApplicationError(TOKEN_ALREADY_REVOKED, "already_revoked")
    token = api_token_revoke(token=token, at=timezone.now(), by=revoked_by)
    audit_record(by=by, action=AuditEntry.Action.API_TOKEN_REVOKED, on=clock.today(), company=token.company,
                 details={"token": token.prefix, "name": token.name, "scope": token.scope})
    return token
