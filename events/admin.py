"""Ops see events, endpoints and delivery attempts (SPEC section 16), read-only; the one write is sending an
event again (replay), for whoever holds `events.replay_webhookattempt`."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from amexprog.common.admin_base import ReadOnlyAdmin
from events.models import Event, WebhookAttempt, WebhookEndpoint
from events.tasks import webhook_event_replay_task


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["id", "company", "seq", "type", "created_at"]
    list_filter = ["type"]
    search_fields = ["company__number"]
    list_select_related = ["company"]
    ordering = ["-id"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = ["id", "company", "url", "created_at", "revoked_at", "delivered_through", "failures",
                    "next_attempt_at"]
    list_select_related = ["company"]
    search_fields = ["company__number", "url"]
    # Never the secrets: they sign the company's deliveries.
    exclude = ["secret", "previous_secret"]


@admin.action(description=_("Send the selected attempts' events again"), permissions=["replay"])
def attempts_replay(modeladmin, request, queryset):
    by = f"user:{request.user.get_username()}"
    attempts = list(queryset.select_related("endpoint"))
    for attempt in attempts:
        webhook_event_replay_task.delay(attempt.endpoint_id, attempt.event_id, by)
    modeladmin.message_user(request, ngettext("%(count)d event queued to be sent again.",
                                              "%(count)d events queued to be sent again.", len(attempts))
                            % {"count": len(attempts)}, messages.SUCCESS)


@admin.register(WebhookAttempt)
class WebhookAttemptAdmin(ReadOnlyAdmin):
    list_display = ["id", "endpoint", "event", "attempted_at", "status_code", "error", "succeeded", "gave_up",
                    "replay"]
    list_filter = ["succeeded", "gave_up", "replay"]
    list_select_related = ["endpoint", "event"]
    search_fields = ["endpoint__company__number", "endpoint__url"]
    actions = [attempts_replay]

    def has_replay_permission(self, request) -> bool:
        return request.user.has_perm("events.replay_webhookattempt")
