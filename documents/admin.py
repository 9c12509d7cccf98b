from django.contrib import admin

from amexprog.common import clock
from communications.rule_change_admin import PublishedChangeAdmin, PublishedChangeForm
from documents.models import TermsAcceptance, TermsText, TermsVersion


class TermsTextInline(admin.StackedInline):
    model = TermsText
    extra = 0


class TermsVersionForm(PublishedChangeForm):
    class Meta:
        model = TermsVersion
        fields = ["version", "effective_from"]


@admin.register(TermsVersion)
class TermsVersionAdmin(PublishedChangeAdmin):
    """Adding a version publishes it today with a notice to every holder of every market (terms §25b)."""

    list_display = ["version", "effective_from", "published_on"]
    form = TermsVersionForm
    readonly_fields = ["published_on"]
    inlines = [TermsTextInline]
    rule_change_kind = "terms"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.published_on = clock.today()
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False  # cardmembers' acceptances name the version (issue 15 item 4: no delete that fails or harms)


@admin.register(TermsAcceptance)
class TermsAcceptanceAdmin(admin.ModelAdmin):
    list_display = ["cardmember", "terms", "accepted_at"]
    list_select_related = ["cardmember", "terms"]
    raw_id_fields = ["cardmember"]
    search_fields = ["cardmember__last_name", "cardmember__employee_id"]

    # The holder's own act, kept as evidence (SPEC section 15): never made, changed or removed by ops.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
