"""A PA's API tokens in the portal (SPEC sections 16, 17; issue 18 item 10): list, create (scoped
read-only or read-write; the key is shown once, on the page that answers the creation, never again) and
revoke (confirmed by typing the token's prefix, since it cannot be undone). PA pages only: ops manage
tokens in the admin."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.api_tokens import company_api_token_create, company_api_token_revoke, company_api_tokens
from accounts.audit import actor_for
from accounts.models import ApiToken
from amexprog.common.errors import ApplicationError
from portal.selectors import administered_company_or_404

PREFIX_MISMATCH = gettext_lazy("Type the token's prefix exactly as shown to revoke it.")


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100,
                           help_text=gettext_lazy("For example the system that will use it: “ERP”, “Expense tool”."))
    scope = forms.ChoiceField(
        label=gettext_lazy("Access"), widget=forms.RadioSelect, initial=ApiToken.Scope.READ_ONLY,
        choices=[(ApiToken.Scope.READ_ONLY, gettext_lazy("Read-only: reads cards, statements and data files")),
                 (ApiToken.Scope.READ_WRITE, gettext_lazy("Read-write: may also order and block cards and "
                                                          "change controls"))])


class RevokeForm(forms.Form):
    confirm_prefix = forms.CharField(label=gettext_lazy("Type the token's prefix to confirm"), max_length=8)


def _page(request: HttpRequest, company, *, form: TokenForm, new_key: str = "", new_token=None,
          status: int = 200) -> HttpResponse:
    return render(request, "portal/company/api_tokens.html", {
        "company": company, "tokens": company_api_tokens(company=company), "form": form,
        "revoke_form": RevokeForm(), "new_key": new_key, "new_token": new_token}, status=status)


@never_cache
@login_required
def company_api_tokens_page(request: HttpRequest, number: str) -> HttpResponse:
    """The company's tokens and the form that creates one (SPEC 16; issue 18 item 10)."""
    company = administered_company_or_404(request.user, number)
    if request.method != "POST":
        return _page(request, company, form=TokenForm())
    by = actor_for(request.user, company=company, permission="accounts.add_apitoken")
    if by is None:
        raise Http404
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, company, form=form, status=400)
    try:
        token, key = company_api_token_create(company=company, name=form.cleaned_data["name"],
                                              scope=form.cleaned_data["scope"], by=by, created_by=request.user)
    except ApplicationError as exc:
        form.add_error(None, _(exc.message))
        return _page(request, company, form=form, status=400)
    # The key is in this answer only: not in a message, a redirect or a log (SPEC 17).
    return _page(request, company, form=TokenForm(), new_key=key, new_token=token)


@login_required
@require_POST
def company_api_token_revoke_page(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    """Revoke a token for good, confirmed by typing its prefix (SPEC 18: irreversible actions are confirmed)."""
    company = administered_company_or_404(request.user, number)
    token = get_object_or_404(ApiToken, pk=pk, company=company, kind=ApiToken.Kind.COMPANY)
    by = actor_for(request.user, company=company, permission="accounts.change_apitoken")
    if by is None:
        raise Http404
    form = RevokeForm(request.POST)
    if not form.is_valid() or form.cleaned_data["confirm_prefix"].strip() != token.prefix:
        messages.error(request, PREFIX_MISMATCH)
        return redirect("portal:company_api_tokens", number=company.number)
    try:
        company_api_token_revoke(token=token, by=by, revoked_by=request.user)
    except ApplicationError as exc:
        messages.error(request, _(exc.message))
    else:
        messages.success(request, _("The token “%(name)s” is revoked: its key no longer works.")
                         % {"name": token.name})
    return redirect("portal:company_api_tokens", number=company.number)
