"""The audit trail in the Django admin (SPEC section 1): read-only, filterable by model, object, user
and date. Every tracked model's change page also gets an "Events" button (pghistory.admin's
template), listing that object's events across all event tables."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from pghistory.admin import EventModelAdmin

from accounts.models import Cardmember
from audit.data_export import cardmember_data_export
from audit.models import EVENT_MODELS
from audit.views import export_response


class UserFilter(admin.SimpleListFilter):
    """Events caused by one signed-in user (the context's `user`)."""

    title = _("user")
    parameter_name = "user"

    def lookups(self, request, model_admin):
        users = get_user_model().objects.filter(is_active=True).order_by("username").values_list("pk", "username")
        return [(str(pk), username) for pk, username in users[:200]]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(pgh_context__metadata__user=int(self.value()))
        return queryset


def describe_context(context) -> str:
    """Who and from where, in one line: user or API token, then URL, command or task."""
    if context is None:
        return "—"
    metadata = context.metadata
    who = []
    if metadata.get("user"):
        user = get_user_model().objects.filter(pk=metadata["user"]).values_list("username", flat=True).first()
        who.append(f"user:{user or metadata['user']}")
    if metadata.get("api_token"):
        who.append(f"token:{metadata['api_token']}")
    where = metadata.get("url") or (f"command:{metadata['command']}" if metadata.get("command") else "")
    if metadata.get("task"):
        where = f"{where} task:{metadata['task']}".strip()
    return " ".join([*who, where]).strip() or "—"


class EventAdmin(EventModelAdmin):
    """One event table. `?obj=accounts.Card:7` (the tracked object's "… changes" button) shows one
    object's history; EventModelAdmin makes it read-only."""

    list_display = ["pgh_created_at", "pgh_label", "pgh_obj_id", "who_and_where"]
    list_filter = [*EventModelAdmin.list_filter, ("pgh_created_at", admin.DateFieldListFilter), UserFilter]
    search_fields = ["=pgh_obj_id"]
    list_select_related = ["pgh_context"]

    @admin.display(description=_("who and where"))
    def who_and_where(self, event) -> str:
        return describe_context(event.pgh_context)


for event_model in EVENT_MODELS:
    admin.site.register(event_model, EventAdmin)


@admin.action(description=_("Export the personal data of the selected cardmembers (JSON)"),
              permissions=["export_personal_data"])
def export_personal_data(modeladmin, request, queryset):
    """SPEC section 15: one JSON file; a list when several cardmembers are selected."""
    exports = [cardmember_data_export(cardmember=cardmember) for cardmember in queryset.order_by("pk")]
    if len(exports) == 1:
        return export_response(exports[0], f"cardmember-{exports[0]['cardmember']['id']}-data.json")
    return export_response(exports, "cardmembers-data.json")


# The action joins the accounts app's Cardmember admin (registered before this module is imported).
_cardmember_admin = admin.site._registry.get(Cardmember)
if _cardmember_admin is not None:
    _cardmember_admin.actions = [*(_cardmember_admin.actions or []), export_personal_data]
