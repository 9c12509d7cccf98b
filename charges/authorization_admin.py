"""Ops see every authorization, approved or declined with its reason, and every hold (SPEC section 10).
Decisions and holds change only through the authorization service and the charge and cycle jobs."""

from django.contrib import admin

from charges.admin import LoadedDataAdmin
from charges.models import Authorization, Hold


@admin.register(Authorization)
class AuthorizationAdmin(LoadedDataAdmin):
    list_display = ["transaction_id", "decided_at", "card", "approved", "reason", "amount", "currency",
                    "hold_amount", "billing_currency", "merchant_name", "merchant_country", "mcc", "entry_mode"]
    list_filter = ["approved", "reason", "type", "entry_mode"]
    search_fields = ["transaction_id", "card__last4", "account__number", "merchant_name"]
    date_hierarchy = "decided_at"
    list_select_related = ["card"]
    exclude = []


@admin.register(Hold)
class HoldAdmin(LoadedDataAdmin):
    list_display = ["transaction_id", "created_on", "expires_on", "status", "amount", "currency", "card", "closed_on"]
    list_filter = ["status", "kind"]
    search_fields = ["transaction_id", "card__last4", "account__number"]
    date_hierarchy = "created_on"
    list_select_related = ["card"]
    raw_id_fields = ["authorization", "posting"]
