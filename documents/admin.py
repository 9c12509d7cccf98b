from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from amexprog.common import clock
from communications.rule_change_admin import PublishedChangeAdmin, PublishedChangeForm
from documents.models import IssuerDetails, IssuerPhoneLine, TermsAcceptance, TermsText, TermsVersion


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


class IssuerPhoneLineInline(admin.TabularInline):
    model = IssuerPhoneLine
    extra = 5
    max_num = len(IssuerPhoneLine.Line.values)


class IssuerDetailsForm(forms.ModelForm):
    class Meta:
        model = IssuerDetails
        exclude: list[str] = []

    def clean_effective_from(self):
        effective_from = self.cleaned_data["effective_from"]
        if effective_from < clock.today():
            raise forms.ValidationError(_("A new version takes effect from today at the earliest: documents "
                                          "already shown keep the details they showed."))
        return effective_from

    def clean_iban(self):
        try:
            return IBAN(self.cleaned_data["iban"]).compact
        except SchwiftyException as exc:
            raise forms.ValidationError(_("This is not a valid IBAN: %(reason)s") % {"reason": exc}) from None

    def clean_bic(self):
        try:
            return BIC(self.cleaned_data["bic"]).compact
        except SchwiftyException as exc:
            raise forms.ValidationError(_("This is not a valid BIC: %(reason)s") % {"reason": exc}) from None


@admin.register(IssuerDetails)
class IssuerDetailsAdmin(admin.ModelAdmin):
    """The issuer's details per market (SPEC section 15; issue 16 item 11). Ops add a version with an
    effective date, audited (audit.IssuerDetailsEvent); versions are history and are not edited."""

    list_display = ["market", "effective_from", "legal_name", "iban", "bic", "reference_rule", "source_note"]
    list_filter = ["market"]
    form = IssuerDetailsForm
    inlines = [IssuerPhoneLineInline]
    fieldsets = [
        (None, {"fields": ["market", "effective_from", "source_note"]}),
        (_("Legal entity"), {"fields": ["legal_name", "registration", "address", "complaint_address"]}),
        (_("Payments"), {"fields": ["payee_name", "iban", "bic", "reference_rule"]}),
    ]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False
