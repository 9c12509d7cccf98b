from django import forms
from django.contrib import admin

from accounts.roles import PUBLISH_FEE_SCHEDULE, SET_REFERENCE_RATE
from amexprog.common import clock
from fees.models import FeeSchedule, InterestAccrual, ReferenceRate, Reminder
from fees.publishing import ALREADY_EXISTS, FIELDS, TOO_SOON, earliest_effective_date, fee_schedule_publish


class FeeScheduleForm(forms.ModelForm):
    class Meta:
        model = FeeSchedule
        fields = ["market", "effective_from", "label", *FIELDS]

    def clean(self):
        cleaned = super().clean()
        market, effective_from = cleaned.get("market"), cleaned.get("effective_from")
        if market and effective_from:
            earliest = earliest_effective_date(clock.today())
            if effective_from < earliest:
                self.add_error("effective_from", TOO_SOON.format(earliest=earliest))
            elif FeeSchedule.objects.filter(market=market, effective_from=effective_from).exists():
                self.add_error("effective_from", ALREADY_EXISTS.format(market=market, effective_from=effective_from))
        return cleaned


@admin.register(FeeSchedule)
class FeeScheduleAdmin(admin.ModelAdmin):
    """Ops publish new versions; a published version is history and cannot be edited."""

    form = FeeScheduleForm
    list_display = ["market", "effective_from", "published_on", "label", "fx_fee_percent", "cash_fee_percent",
                    "cash_fee_minimum", "reminder_fee", "eurobonus_fee", "annual_fee_max"]
    list_filter = ["market"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_add_permission(self, request):
        # Adding is publishing (SPEC section 17, issue 15 item 3).
        return super().has_add_permission(request) and request.user.has_perm(PUBLISH_FEE_SCHEDULE)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        published = fee_schedule_publish(market=obj.market, effective_from=obj.effective_from,
                                         published_on=clock.today(), label=obj.label,
                                         **{field: form.cleaned_data[field] for field in FIELDS})
        obj.pk = published.pk
        obj.published_on = published.published_on


@admin.register(ReferenceRate)
class ReferenceRateAdmin(admin.ModelAdmin):
    list_display = ["effective_date", "rate_percent"]

    # Setting a rate moves every holder's late interest: its own permission (SPEC section 17).
    def has_add_permission(self, request):
        return super().has_add_permission(request) and request.user.has_perm(SET_REFERENCE_RATE)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and request.user.has_perm(SET_REFERENCE_RATE)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and request.user.has_perm(SET_REFERENCE_RATE)


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["account", "number", "sent_on", "unpaid", "arrears_since"]
    list_filter = ["number"]
    raw_id_fields = ["account", "statement", "fee_posting"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(InterestAccrual)
class InterestAccrualAdmin(admin.ModelAdmin):
    list_display = ["account", "day", "unpaid", "annual_rate_percent", "amount"]
    date_hierarchy = "day"
    raw_id_fields = ["account", "statement"]

    def has_change_permission(self, request, obj=None):
        return False
