"""Token authentication for the REST API: `Authorization: Token <key>`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

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


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
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
        return ApiClient(token=token), token

    def authenticate_header(self, request):
        return self.keyword
