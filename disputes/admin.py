"""Ops work disputes, incidents and refund requests here (SPEC section 12).

The queues open oldest first (disputes by age, refund requests by decision due date) and filter
by status and reason; overdue refund decisions have their own filter. Nothing is edited in place:
each change form offers the next steps the case allows, and saving calls the service, which
records who did it and when, posts to the ledger and notifies the holder.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from accounts.models import MARKET_CURRENCY, Market
from amexprog.common import clock
from amexprog.common.errors import ApplicationError
from communications.rule_change_admin import PublishedChangeAdmin, PublishedChangeForm
from disputes import services
from disputes.audit import actor_of
from disputes.models import (
    CaseEvent,
    Dispute,
    DisputeRules,
    Evidence,
    RecurringStop,
    RefundRequest,
    UnauthorizedUseIncident,
)
from disputes.services.disputes import TRANSITIONS


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EventInline(ReadOnlyInline):
    model = CaseEvent
    fields = ["at", "on", "by", "action", "from_status", "to_status", "note"]
    readonly_fields = fields
    fk_name = None


class DisputeEventInline(EventInline):
    fk_name = "dispute"


class IncidentEventInline(EventInline):
    fk_name = "incident"


class RefundEventInline(EventInline):
    fk_name = "refund_request"


class EvidenceInline(ReadOnlyInline):
    model = Evidence
    fields = ["added_at", "added_by", "note", "original_name", "content_type", "size", "file"]
    readonly_fields = fields


class DisputeEvidenceInline(EvidenceInline):
    fk_name = "dispute"


class RefundEvidenceInline(EvidenceInline):
    fk_name = "refund_request"


def _run(request, call) -> bool:
    """Run a service call; a domain error becomes an admin error message."""
    try:
        call()
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return False
    return True


# Disputes ---------------------------------------------------------------------------------------

class DisputeDecisionForm(forms.ModelForm):
    next_status = forms.ChoiceField(label=_("Next status"), required=False)
    note = forms.CharField(label=_("Note (kept in the audit trail; a lost dispute's note goes to the holder)"),
                           required=False, widget=forms.Textarea(attrs={"rows": 3}))

    class Meta:
        model = Dispute
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        dispute = self.instance
        allowed = set(TRANSITIONS.get(dispute.status, set())) if dispute.pk else set()
        if dispute.incident_id:
            allowed -= {Dispute.Status.WON, Dispute.Status.LOST}  # resolved with the incident
        if dispute.pk and dispute.is_active:
            allowed.add(Dispute.Status.WITHDRAWN)
        self.fields["next_status"].choices = [("", "—")] + [
            (value, label) for value, label in Dispute.Status.choices if value in allowed]


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    form = DisputeDecisionForm
    list_display = ["id", "opened_at", "age_days", "account", "holder", "charge_description", "credited_amount",
                    "reason", "status", "late", "incident"]
    list_filter = ["status", "reason", "late", "account__company__market"]
    ordering = ["opened_at", "id"]  # the queue: oldest first
    search_fields = ["=id", "account__number", "charge__merchant_name", "charge__description",
                     "account__cardmember__last_name"]
    list_select_related = ["account__cardmember", "charge", "incident__card"]
    readonly_fields = ["account", "charge", "statement", "reason", "amount", "fee_amount", "status", "late",
                       "incident", "credit_posting", "reversal_posting", "opened_on", "opened_at", "opened_by",
                       "status_changed_at", "resolved_on"]
    fieldsets = [(None, {"fields": readonly_fields}), (_("Decision"), {"fields": ["next_status", "note"]})]
    inlines = [DisputeEvidenceInline, DisputeEventInline]
    actions = ["mark_investigating"]

    def has_add_permission(self, request):
        return False  # holders open disputes in the portal or over the API

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("age (days)"))
    def age_days(self, dispute: Dispute) -> int:
        return (clock.today() - dispute.opened_on).days

    @admin.display(description=_("holder"))
    def holder(self, dispute: Dispute) -> str:
        return dispute.account.cardmember.full_name

    @admin.display(description=_("charge"))
    def charge_description(self, dispute: Dispute) -> str:
        return dispute.charge.description

    @admin.display(description=_("credited"))
    def credited_amount(self, dispute: Dispute):
        return dispute.credited

    def save_model(self, request, obj, form, change):
        to_status, note = form.cleaned_data.get("next_status"), form.cleaned_data.get("note", "")
        if not to_status:
            return
        by, on = actor_of(request.user), services.case_day()
        if to_status == Dispute.Status.WITHDRAWN:
            _run(request, lambda: services.dispute_withdraw(dispute=obj, by=by, on=on, note=note))
        else:
            _run(request, lambda: services.dispute_transition(dispute=obj, to_status=to_status, by=by, on=on,
                                                              note=note))

    @admin.action(description=_("Start investigating the selected open disputes"), permissions=["change"])
    def mark_investigating(self, request, queryset):
        by, on = actor_of(request.user), services.case_day()
        done = sum(
            _run(request, lambda dispute=dispute: services.dispute_transition(
                dispute=dispute, to_status=Dispute.Status.INVESTIGATING, by=by, on=on))
            for dispute in queryset.filter(status=Dispute.Status.OPEN)
        )
        self.message_user(request, _("%(count)d dispute(s) now investigating.") % {"count": done})


# Unauthorized-use incidents ---------------------------------------------------------------------

class IncidentForm(forms.ModelForm):
    # Issue 15 item 11: the report date comes from the card's report or the dispute; ops set another
    # only with a reason, which the service records.
    reported_on = forms.DateField(label=_("reported on"), required=False,
                                  help_text=_("Leave empty to take the card's lost/stolen report or the first "
                                              "unauthorized dispute, whichever came first."))
    reported_on_reason = forms.CharField(label=_("Reason for setting the report date"), required=False,
                                         widget=forms.Textarea(attrs={"rows": 2}))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    resolve_with = forms.ChoiceField(label=_("Resolve with the finding"), required=False,
                                     choices=[("", "—"), *UnauthorizedUseIncident.Finding.choices])
    evidence = forms.CharField(label=_("Evidence of the cause"), required=False,
                               widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=_("Required to lift the cap: what shows the deliberate breach, gross "
                                           "negligence or fraud (terms §22d)."))

    class Meta:
        model = UnauthorizedUseIncident
        fields = ["card", "kind", "reported_on"]


@admin.register(UnauthorizedUseIncident)
class UnauthorizedUseIncidentAdmin(admin.ModelAdmin):
    form = IncidentForm
    list_display = ["id", "opened_at", "account", "card", "kind", "reported_on", "status", "finding", "holder_share"]
    list_filter = ["status", "finding", "kind"]
    ordering = ["opened_at", "id"]
    search_fields = ["=id", "account__number"]
    raw_id_fields = ["card"]
    inlines = [IncidentEventInline]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["card", "kind", "reported_on", "reported_on_reason", "note"]})]
        return [(None, {"fields": ["account", "card", "kind", "reported_on", "status", "finding", "cause_evidence",
                                   "cap", "holder_share", "share_posting", "resolved_on", "dispute_list"]}),
                (_("Resolve"), {"fields": ["resolve_with", "evidence", "note"]})]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["account", "card", "kind", "reported_on", "status", "finding", "cause_evidence", "cap", "holder_share",
                "share_posting", "resolved_on", "dispute_list"]

    @admin.display(description=_("disputes"))
    def dispute_list(self, incident: UnauthorizedUseIncident) -> str:
        return "; ".join(
            f"#{d.pk} {d.charge.transaction_date or d.charge.posting_date} {d.charge.description} {d.credited} "
            f"({d.get_status_display()})"
            for d in incident.disputes.select_related("charge").order_by("charge__transaction_date", "id")
        ) or "—"

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        by, on, data = actor_of(request.user), services.case_day(), form.cleaned_data
        if not change:
            def open_incident():
                opened = services.incident_open(card=data["card"], kind=data["kind"],
                                                reported_on=data.get("reported_on"),
                                                reported_on_reason=data.get("reported_on_reason", ""), by=by,
                                                on=on, note=data.get("note", ""))
                obj.pk = opened.pk  # the admin redirects to the incident just opened
            _run(request, open_incident)
        elif data.get("resolve_with"):
            _run(request, lambda: services.incident_resolve(incident=obj, finding=data["resolve_with"], by=by, on=on,
                                                            note=data.get("note", ""),
                                                            evidence=data.get("evidence", "")))

    def response_add(self, request, obj, post_url_continue=None):
        if obj.pk is None:  # the service refused; its message is shown on the list
            return self.response_post_save_add(request, obj)
        return super().response_add(request, obj, post_url_continue)


# Refund requests --------------------------------------------------------------------------------

class OverdueFilter(admin.SimpleListFilter):
    title = _("decision")
    parameter_name = "decision"

    def lookups(self, request, model_admin):
        return [("overdue", _("Overdue")), ("due", _("Due, not yet overdue"))]

    def queryset(self, request, queryset):
        today = clock.today()
        if self.value() == "overdue":
            return queryset.filter(status=RefundRequest.Status.SUBMITTED, decision_due_on__lt=today)
        if self.value() == "due":
            return queryset.filter(status=RefundRequest.Status.SUBMITTED, decision_due_on__gte=today)
        return queryset


class RefundDecisionForm(forms.ModelForm):
    STEPS = [("", "—"), ("ask_information", _("Ask the holder for information (stops the clock)")),
             ("information_complete", _("Information complete (the 10 bank days start)")),
             ("grant", _("Grant: refund the charge")), ("refuse", _("Refuse (say why)"))]

    step = forms.ChoiceField(label=_("Next step"), required=False, choices=STEPS)
    reason = forms.CharField(label=_("Reason or note (sent to the holder)"), required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))

    class Meta:
        model = RefundRequest
        fields: list[str] = []


@admin.register(RefundRequest)
class RefundRequestAdmin(admin.ModelAdmin):
    form = RefundDecisionForm
    list_display = ["id", "submitted_on", "decision_due_on", "overdue", "account", "charge", "status"]
    list_filter = [OverdueFilter, "status"]
    ordering = ["decision_due_on", "submitted_at", "id"]
    search_fields = ["=id", "account__number", "charge__merchant_name"]
    list_select_related = ["account", "charge"]
    readonly_fields = ["account", "charge", "statement", "expected_amount", "explanation", "status", "submitted_on",
                       "submitted_at", "submitted_by", "information_complete_on", "decision_due_on",
                       "overdue_since", "decided_on", "decision_reason", "credit_posting", "status_changed_at"]
    fieldsets = [(None, {"fields": readonly_fields}), (_("Decision"), {"fields": ["step", "reason"]})]
    inlines = [RefundEvidenceInline, RefundEventInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("overdue"), boolean=True)
    def overdue(self, request_: RefundRequest) -> bool:
        return bool(request_.status == RefundRequest.Status.SUBMITTED and request_.decision_due_on
                    and request_.decision_due_on < clock.today())

    def save_model(self, request, obj, form, change):
        step, reason = form.cleaned_data.get("step"), form.cleaned_data.get("reason", "")
        by, on = actor_of(request.user), services.case_day()
        calls = {
            "ask_information": lambda: services.refund_request_ask_information(request=obj, note=reason, by=by,
                                                                               on=on),
            "information_complete": lambda: services.refund_request_information_complete(request=obj, by=by, on=on,
                                                                                         note=reason),
            "grant": lambda: services.refund_request_decide(request=obj, granted=True, reason=reason, by=by, on=on),
            "refuse": lambda: services.refund_request_decide(request=obj, granted=False, reason=reason, by=by,
                                                             on=on),
        }
        if step:
            _run(request, calls[step])


# Rules ------------------------------------------------------------------------------------------

class DisputeRulesForm(PublishedChangeForm):
    class Meta:
        model = DisputeRules
        fields = ["market", "effective_from", "late_after_months", "refused_after_months", "unauthorized_holder_cap",
                  "refund_request_weeks", "refund_decision_bank_days", "complaint_answer_bank_days"]


@admin.register(DisputeRules)
class DisputeRulesAdmin(PublishedChangeAdmin):
    """Ops add a version with an effective date; versions in force are history and are not edited.
    Adding one publishes it with a notice to every affected holder (terms §25b)."""

    form = DisputeRulesForm
    rule_change_kind = "dispute_rules"
    list_display = ["market", "effective_from", "late_after_months", "refused_after_months",
                    "unauthorized_holder_cap", "currency", "refund_request_weeks", "refund_decision_bank_days"]
    list_filter = ["market"]
    readonly_fields = ["currency"]

    def save_model(self, request, obj, form, change):
        obj.currency = MARKET_CURRENCY[Market(obj.market)]  # the market's billing currency (issue 15 item 4)
        super().save_model(request, obj, form, change)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RecurringStop)
class RecurringStopAdmin(admin.ModelAdmin):
    """Stops of a merchant's recurring charges (terms §16), read-only here: the holder, the PA and ops
    register and lift them through the portal or the API, where the service audits them."""

    list_display = ["card", "merchant_name", "mcc", "registered_on", "effective_from", "revoked_on"]
    list_filter = ["revoked_on"]
    search_fields = ["merchant_name"]
    readonly_fields = ["card", "merchant_name", "merchant_key", "mcc", "registered_on", "effective_from",
                       "registered_by", "revoked_on", "revoked_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
