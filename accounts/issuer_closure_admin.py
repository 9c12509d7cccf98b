"""Admin actions: ops close accounts or cancel cards with 2 months' dated notice, or at once for a breach
or the end of employment, with the reason (terms §31a; issue 16 item 10); ops withdraw a closure with
notice before its date. Each goes through accounts.issuer_closure, so it is audited and told; the
admin's permission check is `accounts.close_account`. Closures are a read-only record otherwise."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from accounts import issuer_closure
from accounts.issuer_closure_models import IssuerClosure
from accounts.roles import CLOSE_ACCOUNT
from amexprog.common import clock
from amexprog.common.admin_base import ReadOnlyAdmin


class IssuerClosureForm(forms.Form):
    _selected_action = forms.CharField(widget=forms.MultipleHiddenInput)
    grounds = forms.ChoiceField(label=_("Grounds"), choices=IssuerClosure.Grounds.choices)
    reason = forms.CharField(label=_("Reason (told to the holder)"), max_length=200)
    effective_on = forms.DateField(label=_("Takes effect on (with notice; empty: in 2 months)"), required=False)


class WithdrawForm(forms.Form):
    _selected_action = forms.CharField(widget=forms.MultipleHiddenInput)
    reason = forms.CharField(label=_("Reason (told to the holder)"), max_length=200)


def _with_form(modeladmin, request, queryset, *, title, form_class, run):
    from accounts.admin import _apply, _ops  # the shared helpers of accounts.admin, which imports this module

    if "apply" in request.POST:
        form = form_class(request.POST)
        if form.is_valid():
            values = {key: value for key, value in form.cleaned_data.items() if key != "_selected_action"}
            _apply(modeladmin, request, queryset, lambda obj: run(obj, by=_ops(request), on=clock.today(), **values))
            return None
    else:
        form = form_class(initial={"_selected_action": request.POST.getlist(ACTION_CHECKBOX_NAME)})
    return TemplateResponse(request, "admin/accounts/reason_action.html", {
        **modeladmin.admin_site.each_context(request), "title": title, "objects": queryset, "form": form,
        "action": request.POST.get("action"), "opts": modeladmin.model._meta,
    })


@admin.action(description=_("Close the selected accounts for the issuer: with notice or at once (terms §31a)"),
              permissions=["close_account"])
def accounts_issuer_close(modeladmin, request, queryset):
    return _with_form(modeladmin, request, queryset, title=_("Close accounts for the issuer"),
                      form_class=IssuerClosureForm,
                      run=lambda account, **kw: issuer_closure.issuer_closure_give(account=account, **kw))


@admin.action(description=_("Cancel the selected cards for the issuer: with notice or at once (terms §31a)"),
              permissions=["close_account"])
def cards_issuer_cancel(modeladmin, request, queryset):
    return _with_form(modeladmin, request, queryset, title=_("Cancel cards for the issuer"),
                      form_class=IssuerClosureForm,
                      run=lambda card, **kw: issuer_closure.issuer_closure_give(account=card.account, card=card,
                                                                                **kw))


@admin.action(description=_("Withdraw the selected closures before their date"), permissions=["close_account"])
def closures_withdraw(modeladmin, request, queryset):
    return _with_form(modeladmin, request, queryset, title=_("Withdraw closures"), form_class=WithdrawForm,
                      run=lambda closure, **kw: issuer_closure.issuer_closure_withdraw(closure=closure, **kw))


@admin.register(IssuerClosure)
class IssuerClosureAdmin(ReadOnlyAdmin):
    """Closures by the issuer: given through the account and card actions, withdrawn by the action here."""

    list_display = ["account", "card", "grounds", "reason", "decided_on", "effective_on", "status", "done_on",
                    "decided_by"]
    list_filter = ["status", "grounds"]
    search_fields = ["account__number", "card__last4"]
    list_select_related = ["account", "card"]
    actions = [closures_withdraw]

    def has_close_account_permission(self, request) -> bool:  # SPEC section 17
        return request.user.has_perm(CLOSE_ACCOUNT)
