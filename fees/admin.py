from django import forms
from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.roles import PUBLISH_FEE_SCHEDULE, SET_REFERENCE_RATE
from amexprog.common import clock
from amexprog.common.admin_base import ReadOnlyAdmin
from amexprog.common.errors import ApplicationError
from fees.models import CollectionCost, FeeSchedule, InterestAccrual, InterestGiveBack, ReferenceRate, Reminder
from fees.publishing import (
    ALREADY_EXISTS,
    FIELDS,
    TOO_SOON,
    earliest_effective_date,
    fee_schedule_publish,
    margin_ceiling_message,
    margin_within_ceiling,
)
from fees.reference_rates import check_rate, reference_rate_set


class FeeScheduleForm(forms.ModelForm):
    class Meta:
        model = FeeSchedule
        fields = ["market", "effective_from", "label", *FIELDS]

    def clean(self):
        cleaned = super().clean()
        market, effective_from = cleaned.get("market"), cleaned.get("effective_from")
        margin = cleaned.get("late_interest_margin_percent")
        if margin is not None and not margin_within_ceiling(margin):
            self.add_error("late_interest_margin_percent", margin_ceiling_message())
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
                                         published_by=f"user:{request.user.get_username()}",
                                         **{field: form.cleaned_data[field] for field in FIELDS})
        obj.pk = published.pk
        obj.published_on = published.published_on


class ReferenceRateForm(forms.ModelForm):
    class Meta:
        model = ReferenceRate
        fields = ["effective_date", "rate_percent"]

    def clean_rate_percent(self):
        rate = self.cleaned_data["rate_percent"]
        try:
            check_rate(rate)
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from exc
        return rate


@admin.register(ReferenceRate)
class ReferenceRateAdmin(admin.ModelAdmin):
    """Set or correct a rate through reference_rate_set, with its checks, as the API and the loader do
    (issue 15 item 4). A rate keeps its date and is never deleted: the late interest of the half-years it
    fixed refers to it."""

    form = ReferenceRateForm
    list_display = ["effective_date", "rate_percent"]

    def get_readonly_fields(self, request, obj=None):
        return ["effective_date"] if obj is not None else []

    # Setting a rate moves every holder's late interest: its own permission (SPEC section 17).
    def has_add_permission(self, request):
        return super().has_add_permission(request) and request.user.has_perm(SET_REFERENCE_RATE)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and request.user.has_perm(SET_REFERENCE_RATE)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved, _created = reference_rate_set(effective_date=obj.effective_date, rate_percent=obj.rate_percent)
        obj.pk = saved.pk


class MoneyRecordAdmin(ReadOnlyAdmin):
    """Written by the daily reminder and interest runs with their postings: read only (issue 15 item 4)."""


@admin.register(Reminder)
class ReminderAdmin(MoneyRecordAdmin):
    list_display = ["account", "number", "sent_on", "unpaid", "arrears_since"]
    list_filter = ["number"]
    raw_id_fields = ["account", "statement", "fee_posting"]


@admin.register(InterestAccrual)
class InterestAccrualAdmin(MoneyRecordAdmin):
    list_display = ["account", "day", "unpaid", "annual_rate_percent", "amount"]
    date_hierarchy = "day"
    raw_id_fields = ["account", "statement"]


@admin.register(InterestGiveBack)
class InterestGiveBackAdmin(MoneyRecordAdmin):
    """Interest accrued after a payment's value date, given back on the next statement (issue 16 item 2)."""

    list_display = ["account", "payment", "value_date", "booked_on", "unpaid", "amount"]
    date_hierarchy = "booked_on"
    raw_id_fields = ["account", "accrual", "payment"]


class CollectionCostForm(forms.ModelForm):
    """Ops charge one documented invoice (terms §9c, §27d); the service checks default, amount and evidence."""

    account_number = forms.CharField(label=_("account number"), max_length=20)
    amount = forms.DecimalField(label=_("amount"), max_digits=18, decimal_places=2)

    class Meta:
        model = CollectionCost
        fields = ["account_number", "amount", "agency", "invoice_reference", "evidence"]

    def clean(self):
        from accounts.models import Account
        from disputes.services import case_day
        from fees.collection import collection_cost_post

        cleaned = super().clean()
        if self.errors:
            return cleaned
        account = Account.objects.filter(number=cleaned["account_number"]).first()
        if account is None:
            self.add_error("account_number", _("No account has this number."))
            return cleaned
        upload = cleaned.get("evidence")
        try:
            with transaction.atomic():
                self.posted = collection_cost_post(
                    account=account, amount=cleaned["amount"], agency=cleaned["agency"],
                    invoice_reference=cleaned["invoice_reference"], evidence=upload,
                    filename=getattr(upload, "name", ""), user=self.request_user, on=case_day())
        except ApplicationError as error:
            field = (error.extra or {}).get("field")
            field = {"account": "account_number", "file": "evidence"}.get(field, field)
            self.add_error(field if field in self.fields else None, error.message)
        return cleaned


@admin.register(CollectionCost)
class CollectionCostAdmin(admin.ModelAdmin):
    """Charged through `collection_cost_post` only; never edited or deleted (a posting is behind each)."""

    form = CollectionCostForm
    list_display = ["posted_on", "account", "agency", "invoice_reference", "posting", "posted_by"]
    search_fields = ["account__number", "invoice_reference", "agency"]
    readonly_fields = ["account", "posting", "agency", "invoice_reference", "evidence", "original_name",
                       "content_type", "posted_on", "posted_by", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else self.form.Meta.fields

    def has_add_permission(self, request):
        return request.user.has_perm("fees.post_collection_cost")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.request_user = request.user
        return form

    def save_model(self, request, obj, form, change):
        obj.pk = form.posted.pk  # the service saved it; the admin only reports it
