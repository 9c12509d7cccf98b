"""Ops' view of SAS EuroBonus: enrolments with suspend/resume/end (terms §38g) through the
services, so every change is an audited EnrolmentEvent; the points ledger and the SAS batches
read-only, with the batches ops must chase (SPEC section 13) one filter away."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Sum
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from accounts.models import MARKET_CURRENCY, Market
from amexprog.common import clock
from amexprog.common.admin_base import ReadOnlyAdmin
from amexprog.common.cycle import business_date
from amexprog.common.errors import ApplicationError
from communications.rule_change_admin import PublishedChangeAdmin, PublishedChangeForm
from rewards import services
from rewards.models import Enrolment, EnrolmentEvent, ExportBatch, PointsPosting, PointsRule
from rewards.selectors import effective_date, overdue_batches

RULE_NOT_IN_FUTURE = _("A points rule applies to statements from its effective date on, so it must start after "
                       "the last completed business day (%(day)s): points already awarded are not re-rated.")


class PointsRuleForm(PublishedChangeForm):
    """Also at least 2 months' notice, or ops confirm the change is solely in the holder's favour
    (terms §25b; communications.rule_changes)."""

    class Meta:
        model = PointsRule
        fields = ["market", "effective_from", "label", "spend_per_point", "forfeit_after_days_past_due"]

    def clean_effective_from(self):
        value = self.cleaned_data["effective_from"]
        last = business_date() or clock.today()
        if value <= last:
            raise forms.ValidationError(RULE_NOT_IN_FUTURE, params={"day": last})
        return value


@admin.register(PointsRule)
class PointsRuleAdmin(PublishedChangeAdmin):
    """Ops add versions; a version in force is history and cannot be edited or deleted. Adding one
    publishes it with a notice to every affected holder (terms §25b)."""

    rule_change_kind = "points_rule"
    form = PointsRuleForm
    list_display = ["market", "effective_from", "spend_per_point", "currency", "forfeit_after_days_past_due", "label"]
    list_filter = ["market"]
    readonly_fields = ["currency"]

    def save_model(self, request, obj, form, change):
        obj.currency = MARKET_CURRENCY[Market(obj.market)]  # the market's billing currency (issue 15 item 4)
        super().save_model(request, obj, form, change)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


class EnrolmentEventInline(admin.TabularInline):
    model = EnrolmentEvent
    fields = ["on", "kind", "member_number", "actor_label", "reason", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason (told to the cardmember)"), widget=forms.Textarea(attrs={"rows": 3}),
                             required=False)


def _decision_action(service, verb: str, label):
    """An admin action that asks for a reason, then calls the service once per enrolment."""

    def action(modeladmin, request, queryset):
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return TemplateResponse(request, "admin/rewards/enrolment/reason.html", {
                **modeladmin.admin_site.each_context(request), "title": label, "form": form, "enrolments": queryset,
                "action": request.POST.get("action"), "opts": modeladmin.model._meta,
                "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            })
        on = effective_date()
        done = 0
        for enrolment in queryset:
            kwargs = {"reason": form.cleaned_data["reason"]} if verb != "approve" else {}
            try:
                service(enrolment=enrolment, on=on, by=request.user, **kwargs)
            except ApplicationError as exc:
                modeladmin.message_user(request, f"{enrolment.account.number}: {exc.message}", messages.ERROR)
                continue
            modeladmin.log_change(request, enrolment, f"EuroBonus {verb}: {form.cleaned_data['reason']}")
            done += 1
        if done:
            modeladmin.message_user(request, _("%(count)d enrolment(s) changed.") % {"count": done}, messages.SUCCESS)
        return None

    action.__name__ = f"enrolment_{verb}"
    # A decision changes the enrolment: the change permission, not the view one (SPEC section 17).
    return admin.action(description=label, permissions=["change"])(action)


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ["account", "member_number", "status", "source", "first_enrolled_on", "fee_anchor",
                    "suspended_on", "ended_on"]
    list_filter = ["status", "source", "account__company__market"]
    search_fields = ["member_number", "account__number", "account__cardmember__last_name", "account__company__number"]
    list_select_related = ["account"]
    readonly_fields = ["account", "member_number", "status", "source", "requested_on", "first_enrolled_on",
                       "fee_anchor", "active_since", "suspended_on", "ended_on"]
    inlines = [EnrolmentEventInline]
    actions = [
        _decision_action(services.enrolment_suspend, "suspend", _("Suspend EuroBonus participation (terms §38g)")),
        _decision_action(services.enrolment_resume, "resume", _("Resume EuroBonus participation")),
        _decision_action(services.enrolment_end, "end", _("End EuroBonus participation")),
        _decision_action(services.enrolment_approve, "approve", _("Approve EuroBonus requests")),
        _decision_action(services.enrolment_reject, "reject", _("Reject EuroBonus requests")),
    ]

    def has_add_permission(self, request):
        return False  # cardmembers ask, card orders enrol

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PointsPosting)
class PointsPostingAdmin(ReadOnlyAdmin):
    list_display = ["account", "member_number", "statement_date", "eligible_spend", "points", "cumulative_points",
                    "carried_out", "forfeited", "batch", "sas_status"]
    list_filter = ["forfeited", "sas_status", "batch__status"]
    search_fields = ["member_number", "account__number"]
    list_select_related = ["account", "batch"]
    date_hierarchy = "statement_date"



class OverdueFilter(admin.SimpleListFilter):
    title = _("needs chasing")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Unconfirmed after 10 weeks, or not exported"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(pk__in=overdue_batches(today=clock.today()).values("pk"))
        return queryset


@admin.register(ExportBatch)
class ExportBatchAdmin(ReadOnlyAdmin):
    list_display = ["reference", "status", "accrued_points", "line_count", "control_total", "exported_on",
                    "confirmed_on", "accepted_points", "rejected_points"]
    list_filter = [OverdueFilter, "status"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(points=Sum("lines__points"), lines_count=Count("lines"))

    @admin.display(description=_("points accrued"), ordering="points")
    def accrued_points(self, obj):
        return obj.points or 0

