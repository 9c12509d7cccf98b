from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.authentication import ApiClient
from accounts.models import ApiToken


class IsPortalUserOrCompanyToken(BasePermission):
    """Signed-in people and company/ops tokens; a network token may only authorize charges."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if isinstance(user, ApiClient):
            return user.token.kind in (ApiToken.Kind.COMPANY, ApiToken.Kind.OPS)
        return bool(user and user.is_authenticated)


class IsOpsForWrites(BasePermission):
    """Reads for everyone IsPortalUserOrCompanyToken admits; writes only for ops tokens and ops staff."""

    def has_permission(self, request, view) -> bool:
        if not IsPortalUserOrCompanyToken().has_permission(request, view):
            return False
        if request.method in SAFE_METHODS:
            return True
        user = request.user
        if isinstance(user, ApiClient):
            return user.token.kind == ApiToken.Kind.OPS
        return bool(user.is_staff)


class IsOpsTokenOrStaff(BasePermission):
    """Ops tokens and signed-in ops staff only (reads and writes)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if isinstance(user, ApiClient):
            return user.token.kind == ApiToken.Kind.OPS
        return bool(user and user.is_authenticated and user.is_staff)


class IsOpsTokenOrPermittedStaff(IsOpsTokenOrStaff):
    """Ops tokens, or ops staff who also hold the Django model permission for the action (add for POST,
    view otherwise) on the view's model: for uploads that post to the ledger (charge and payment files)."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        user = request.user
        if isinstance(user, ApiClient):
            return True
        action = "add" if request.method == "POST" else "view"
        model = view.queryset.model._meta
        return user.has_perm(f"{model.app_label}.{action}_{model.model_name}")
