"""Admin actions: ops put accounts or companies in default, suspend them or lift it, naming the cause
(SPEC section 9; terms §26a(iii), §27b; issue 16 item 3). Each goes through accounts.standing, so it
is audited and told; the admin's permission check is `accounts.set_standing`."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from accounts import standing
from amexprog.common import clock


class StandingForm(forms.Form):
    _selected_action = forms.CharField(widget=forms.MultipleHiddenInput)
    cause = forms.ChoiceField(label=_("Cause"), choices=standing.StandingCause.choices)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class LiftForm(forms.Form):
    _selected_action = forms.CharField(widget=forms.MultipleHiddenInput)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


def _with_cause(modeladmin, request, queryset, *, title, status: str, run):
    from accounts.admin import _apply, _ops  # the shared helpers of accounts.admin, which imports this module

    form_class = LiftForm if status == standing.ACTIVE else StandingForm
    if "apply" in request.POST:
        form = form_class(request.POST)
        if form.is_valid():
            _apply(modeladmin, request, queryset, lambda obj: run(
                obj, status=status, cause=form.cleaned_data.get("cause", ""), note=form.cleaned_data["note"],
                by=_ops(request), on=clock.today()))
            return None
    else:
        form = form_class(initial={"_selected_action": request.POST.getlist(ACTION_CHECKBOX_NAME)})
    return TemplateResponse(request, "admin/accounts/reason_action.html", {
        **modeladmin.admin_site.each_context(request), "title": title, "objects": queryset, "form": form,
        "action": request.POST.get("action"), "opts": modeladmin.model._meta,
    })


def _account_run(account, **kwargs):
    return standing.account_standing_set(account=account, **kwargs)


def _company_run(company, **kwargs):
    return standing.company_standing_set(company=company, **kwargs)


@admin.action(description=_("Put the selected accounts in default (asks for the cause)"),
              permissions=["set_standing"])
def accounts_default(modeladmin, request, queryset):
    return _with_cause(modeladmin, request, queryset, title=_("Put accounts in default"),
                       status=standing.IN_DEFAULT, run=_account_run)


@admin.action(description=_("Suspend the selected accounts (asks for the cause)"), permissions=["set_standing"])
def accounts_suspend(modeladmin, request, queryset):
    return _with_cause(modeladmin, request, queryset, title=_("Suspend accounts"), status=standing.SUSPENDED,
                       run=_account_run)


@admin.action(description=_("Lift the default or suspension ops set on the selected accounts"),
              permissions=["set_standing"])
def accounts_lift(modeladmin, request, queryset):
    return _with_cause(modeladmin, request, queryset, title=_("Lift accounts' standing"), status=standing.ACTIVE,
                       run=_account_run)


@admin.action(description=_("Put every account of the selected companies in default (asks for the cause)"),
              permissions=["set_standing"])
def companies_default(modeladmin, request, queryset):
    return _with_cause(modeladmin, request, queryset, title=_("Put companies in default"),
                       status=standing.IN_DEFAULT, run=_company_run)


@admin.action(description=_("Suspend the selected companies: all their cards decline (asks for the cause)"),
              permissions=["set_standing"])
def companies_suspend(modeladmin, request, queryset):
    return _with_cause(modeladmin, request, queryset, title=_("Suspend companies"), status=standing.SUSPENDED,
                       run=_company_run)


@admin.action(description=_("Lift the suspension or default ops set on the selected companies"),
              permissions=["set_standing"])
def companies_lift(modeladmin, request, queryset):
    return _with_cause(modeladmin, request, queryset, title=_("Lift companies' standing"), status=standing.ACTIVE,
                       run=_company_run)


STANDING_ACCOUNT_ACTIONS = [accounts_default, accounts_suspend, accounts_lift]
STANDING_COMPANY_ACTIONS = [companies_default, companies_suspend, companies_lift]
