"""Token authentication for the REST API: `Authorization: Token <key>`, and the token's scope.

The scope is checked here, right after the key is found and before any view's own permissions, so that
it holds on every API view, including those that name their own permission classes (SPEC sections 16,
17; issue 15 item 12): a read-only token may only use safe methods, a network token only the views that
declare `network_token_allowed = True` (the authorization call and whoami). A refusal is a 403 with the
code `insufficient_scope`; a revoked or unknown key is a 401.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.permissions import SAFE_METHODS

from accounts.models import ApiToken


@dataclass(frozen=True)
class ApiClient:
    """The `request.user` of a token-authenticated call: a machine, not a person."""

    token: ApiToken
    is_authenticated: bool = True
    is_active: bool = True
    is_anonymous: bool = False

    @property
    def is_staff(self) -> bool:
        return self.token.kind == ApiToken.Kind.OPS

    is_superuser = False
    pk = None

    def __str__(self) -> str:
        return f"api-token:{self.token.prefix}"


READ_ONLY_TOKEN = _("This API token is read-only: it may only read (GET, HEAD, OPTIONS).")
NETWORK_TOKEN = _("A network token may only ask for authorizations.")


class InsufficientScope(exceptions.PermissionDenied):
    default_code = "insufficient_scope"


def token_scope_check(*, token: ApiToken, method: str, view) -> None:
    """Raise InsufficientScope unless the token's scope allows `method` on `view` (issue 15 item 12)."""
    if token.scope == ApiToken.Scope.NETWORK:
        if not getattr(view, "network_token_allowed", False):
            raise InsufficientScope(NETWORK_TOKEN)
    elif token.scope == ApiToken.Scope.READ_ONLY and method not in SAFE_METHODS:
        raise InsufficientScope(READ_ONLY_TOKEN)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        return self.authenticate_value(authentication.get_authorization_header(request), method=request.method,
                                       view=(request.parser_context or {}).get("view"))

    def authenticate_value(self, value: bytes, *, method: str, view):
        """The `Authorization` header's token and its scope checked for `method` on `view` (authenticate's
        work, for a view that answers without DRF's request: charges.authorization_apis)."""
        header = value.split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            key = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token header.")) from exc
        token = (
            ApiToken.objects.select_related("company")
            .filter(key_hash=hash_key(key), revoked_at__isnull=True)
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        token_scope_check(token=token, method=method, view=view)
        return ApiClient(token=token), token

    def authenticate_header(self, request):
        return self.keyword
