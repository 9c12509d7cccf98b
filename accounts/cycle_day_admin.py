"""The admin action that moves a centrally billed company to another statement cycle day (SPEC 9, 17;
issue 19 item 4): the day is read-only on the company and its accounts; it changes only through
accounts.cycle_day.company_cycle_day_change, with a reason, audited."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from accounts.audit import Actor, Role
from accounts.cycle_day import company_cycle_day_change
from accounts.models import Account
from amexprog.common import clock
from amexprog.common.errors import ApplicationError


class CycleDayForm(forms.Form):
    _selected_action = forms.CharField(widget=forms.MultipleHiddenInput)
    cycle_day = forms.TypedChoiceField(
        label=_("New statement cycle day"), coerce=int,
        choices=[*((day, str(day)) for day in range(1, 29)), (Account.LAST_DAY_OF_MONTH, _("Last day of the month"))],
        help_text=_("Every centrally billed account moves at its next statement, which covers everything since its "
                    "last one: a short or long period once, never a period skipped."))
    reason = forms.CharField(label=_("Reason"), max_length=200)


@admin.action(description=_("Change the statement cycle day of the selected centrally billed companies"),
              permissions=["change"])
def change_company_cycle_day(modeladmin, request, queryset):
    if "apply" in request.POST:
        form = CycleDayForm(request.POST)
        if form.is_valid():
            by = Actor(role=Role.ISSUER, label=f"admin:{request.user.get_username()}", user_id=request.user.pk)
            for company in queryset:
                try:
                    moved = company_cycle_day_change(company=company, cycle_day=form.cleaned_data["cycle_day"],
                                                     by=by, on=clock.today(), reason=form.cleaned_data["reason"])
                except ApplicationError as exc:
                    modeladmin.message_user(request, f"{company}: {exc.message}", messages.ERROR)
                else:
                    modeladmin.message_user(request, _("%(company)s: %(count)d accounts move to the new cycle day.")
                                            % {"company": company, "count": moved}, messages.SUCCESS)
            return None
    else:
        form = CycleDayForm(initial={"_selected_action": request.POST.getlist(ACTION_CHECKBOX_NAME)})
    return TemplateResponse(request, "admin/accounts/reason_action.html", {
        **modeladmin.admin_site.each_context(request), "title": _("Change the statement cycle day"),
        "objects": queryset, "form": form, "action": request.POST.get("action"), "opts": modeladmin.model._meta,
    })
