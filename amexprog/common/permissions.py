from __future__ import annotations

from rest_framework.permissions import BasePermission

from accounts.authentication import ApiClient
from accounts.models import ApiToken


class IsPortalUserOrCompanyToken(BasePermission):
    """Signed-in people and company/ops tokens; a network token may only authorize charges."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if isinstance(user, ApiClient):
            return user.token.kind in (ApiToken.Kind.COMPANY, ApiToken.Kind.OPS)
        return bool(user and user.is_authenticated)
