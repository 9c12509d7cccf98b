from django.contrib import admin

from documents.models import TermsAcceptance, TermsText, TermsVersion


class TermsTextInline(admin.StackedInline):
    model = TermsText
    extra = 0


@admin.register(TermsVersion)
class TermsVersionAdmin(admin.ModelAdmin):
    list_display = ["version", "effective_from", "published_on"]
    inlines = [TermsTextInline]


@admin.register(TermsAcceptance)
class TermsAcceptanceAdmin(admin.ModelAdmin):
    list_display = ["cardmember", "terms", "accepted_at"]
    list_select_related = ["cardmember", "terms"]
    raw_id_fields = ["cardmember"]
    search_fields = ["cardmember__last_name", "cardmember__employee_id"]

    def has_change_permission(self, request, obj=None):
        return False
