"""Ops decide changes that wait for a second person (SPEC section 17; issue 15 item 5).

The requests are read-only records; the two actions approve or reject through the services, which
refuse whoever asked, and each needs `accounts.approve_change` (admin actions' `permissions`).
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.admin import _apply, _ops, _with_reason
from accounts.change_requests import APPROVE_PERMISSION, change_request_approve, change_request_reject
from accounts.models import ChangeRequest
from amexprog.common import clock


@admin.action(description=_("Approve the selected changes (they apply now)"), permissions=["approve_change"])
def approve_changes(modeladmin, request, queryset):
    _apply(modeladmin, request, queryset, lambda change_request: change_request_approve(
        change_request=change_request, by=_ops(request), on=clock.today()))


@admin.action(description=_("Reject the selected changes (asks for the reason)"), permissions=["approve_change"])
def reject_changes(modeladmin, request, queryset):
    return _with_reason(modeladmin, request, queryset, _("Reject changes"),
                        lambda change_request, reason: change_request_reject(
                            change_request=change_request, by=_ops(request), on=clock.today(), reason=reason))


@admin.register(ChangeRequest)
class ChangeRequestAdmin(admin.ModelAdmin):
    list_display = ["id", "company", "kind", "status", "requested_on", "requested_by", "decided_on", "decided_by"]
    list_filter = ["status", "kind"]
    search_fields = ["company__number", "company__legal_name", "requested_by", "decided_by"]
    list_select_related = ["company"]
    actions = [approve_changes, reject_changes]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in ChangeRequest._meta.fields]

    def has_add_permission(self, request):
        return False  # asked for in the portal or the API, by the service that validates the change

    def has_delete_permission(self, request, obj=None):
        return False  # a decision is history

    def has_approve_change_permission(self, request):
        return request.user.has_perm(APPROVE_PERMISSION)
