"""Ops answer complaints and keep the markets' complaint authorities (SPEC sections 12 and 17).

A complaint's facts are read-only; the final answer is given through the service (with its checks
and notice), once, by a user with `complaints.answer_complaint`. Overdue complaints come first.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from amexprog.common.errors import ApplicationError
from complaints import services
from complaints.models import Complaint, ComplaintAuthority
from disputes.services import case_day


class OverdueFilter(admin.SimpleListFilter):
    title = _("answer overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("Not overdue"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(status=Complaint.Status.OPEN, overdue_since__isnull=False)
        if self.value() == "no":
            return queryset.filter(overdue_since__isnull=True)
        return queryset


class AnswerForm(forms.ModelForm):
    final_answer = forms.CharField(label=_("final answer"), widget=forms.Textarea, required=False,
                                   help_text=_("Sent to the complainant with the market's authorities (terms §21d)."))

    class Meta:
        model = Complaint
        fields: list[str] = []


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    form = AnswerForm
    list_display = ["id", "company", "account", "subject", "status", "opened_on", "answer_due_on", "overdue_since"]
    list_filter = ["status", OverdueFilter, "topic", "company__market"]
    search_fields = ["subject", "company__number", "account__number"]
    ordering = ["status", "answer_due_on", "id"]
    readonly_fields = ["company", "account", "topic", "subject", "description", "status", "by_holder", "opened_on",
                       "opened_at", "opened_by", "answer_due_on", "overdue_since", "answered_on", "answered_by",
                       "answer"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if obj is not None and obj.status == Complaint.Status.OPEN and services.may_answer(request.user):
            fields.append("final_answer")
        return fields

    def save_model(self, request, obj, form, change):
        answer = form.cleaned_data.get("final_answer", "")
        if not answer.strip():
            return
        try:
            services.complaint_answer(complaint=obj, user=request.user, answer=answer, on=case_day())
        except ApplicationError as error:
            messages.error(request, error.message)


@admin.register(ComplaintAuthority)
class ComplaintAuthorityAdmin(admin.ModelAdmin):
    list_display = ["market", "position", "name", "kind", "website"]
    list_filter = ["market"]

    def get_readonly_fields(self, request, obj=None):
        """An authority belongs to its market for good (SPEC section 17: no market edited as a raw field)."""
        return ["market"] if obj is not None else []
