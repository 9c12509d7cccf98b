"""Who may call an API route (SPEC sections 1 and 17).

Company scoping (a PA, a holder, a company token sees only its own) lives in the selectors. Ops are
not scoped by company but by Django permissions (issue 15 item 3): every API view names, in
`ops_permissions`, the permissions an ops caller (staff user or ops token) needs for each of its
actions, and an action it does not name is refused to ops (fail closed). Keys, most specific first:
"<action>:<method>" (a viewset action answering GET and PATCH), "<action>" (a viewset action or
list/retrieve/create), "<method>" (a plain APIView). HEAD needs what GET needs; OPTIONS describes the
route and reads no data (DRF's metadata asks this class again for the methods it lists).
"""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.authentication import ApiClient
from accounts.models import ApiToken
from accounts.roles import is_ops, ops_may

OPS_PERMISSION_MISSING = "Your ops role does not include this action ({permissions})."
OPS_ACTION_UNNAMED = "This action names no ops permission, so ops may not call it."


def required_ops_permissions(request, view) -> tuple[str, ...] | None:
    """The permissions an ops caller needs for this request, or None when the view names none."""
    table: dict[str, tuple[str, ...]] = getattr(view, "ops_permissions", None) or {}
    method = request.method.lower()
    if method == "head":
        method = "get"
    action = getattr(view, "action", None)
    keys = [f"{action}:{method}", action] if action and action != "metadata" else []
    for key in [*keys, method]:
        if key in table:
            return tuple(table[key])
    return None


def _handles(view, method: str) -> bool:
    """Does the view answer this method at all (else DRF answers 405 after the permission check)?"""
    if method == "head":
        return True
    action_map = getattr(view, "action_map", None)
    if action_map is not None:
        return method in action_map
    return hasattr(view, method)


class OpsPermissions(BasePermission):
    """Ops callers need the Django permissions the view names for the action; others pass here (their
    company scoping is the selectors')."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        method = request.method.lower()
        if not is_ops(user) or method == "options" or not _handles(view, method):
            return True
        needed = required_ops_permissions(request, view)
        if needed is None:
            self.message = OPS_ACTION_UNNAMED
            return False
        if not ops_may(user, *needed):
            self.message = OPS_PERMISSION_MISSING.format(permissions=", ".join(needed))
            return False
        return True


class IsPortalUserOrCompanyToken(OpsPermissions):
    """Signed-in people and company/ops tokens; a network token may only authorize charges. Ops need
    the view's named permissions."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if isinstance(user, ApiClient):
            admitted = user.token.kind in (ApiToken.Kind.COMPANY, ApiToken.Kind.OPS)
        else:
            admitted = bool(user and user.is_authenticated)
        return admitted and super().has_permission(request, view)


class IsOpsForWrites(IsPortalUserOrCompanyToken):
    """Reads for everyone IsPortalUserOrCompanyToken admits; writes only for ops with the named permission."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        return request.method in SAFE_METHODS or is_ops(request.user)


class IsOpsTokenOrStaff(OpsPermissions):
    """Ops tokens and signed-in ops staff only (reads and writes), each with the named permission."""

    def has_permission(self, request, view) -> bool:
        return is_ops(request.user) and super().has_permission(request, view)


# Uploads that post to the ledger (charge and payment files) name add/view on their model like any other
# ops view now; the name stays for the views that import it.
IsOpsTokenOrPermittedStaff = IsOpsTokenOrStaff
