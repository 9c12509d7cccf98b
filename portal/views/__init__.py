"""The portal shell: login and the home pages of PAs and cardmembers (SPEC section 1); a company's
pages are in portal.views.company."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation

from accounts.models import ProgrammeAdministrator
from accounts.security import otp_required_for
from amexprog.common.db import from_minor, minor_sum
from ledger.models import Posting
from portal.selectors import cardmember_accounts, issue_date, pa_companies, pa_or_ops_or_404
from portal.selectors.home import companies_glance, glance_totals


class LoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        if otp_required_for(self.request.user):
            # Signed in with the password; PAs and ops now pass the TOTP step (portal.otp).
            response = redirect(f"{reverse('portal:otp')}?{urlencode({'next': self.get_success_url()})}")
        language = _preferred_language(self.request.user)
        if language:
            translation.activate(language)
            response.set_cookie("django_language", language)
        return response


def _preferred_language(user) -> str | None:
    pa = ProgrammeAdministrator.objects.filter(user=user).only("language").first()
    if pa:
        return pa.language
    cardmember = getattr(user, "cardmember", None)
    return cardmember.language if cardmember else None


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_staff and not hasattr(request.user, "pa"):
        return redirect("admin:index")
    if ProgrammeAdministrator.objects.filter(user=request.user).exists():
        return redirect("portal:pa_home")
    return redirect("portal:cardmember_home")


@login_required
def pa_home(request: HttpRequest) -> HttpResponse:
    """SPEC 18: the PA's companies at a glance, each figure a link, and the totals across them."""
    pa_or_ops_or_404(request.user)
    companies = list(pa_companies(request.user))
    on = issue_date()
    glances = companies_glance(companies=companies, user=request.user, on=on)
    return render(request, "portal/pa_home.html", {
        "companies": companies, "glances": glances, "on": on,
        "totals": glance_totals(glances) if len(glances) > 1 else None,
    })


@login_required
def cardmember_home(request: HttpRequest) -> HttpResponse:
    accounts = list(cardmember_accounts(request.user))
    balances = dict(
        Posting.objects.filter(account__in=accounts).values("account_id").annotate(total=minor_sum("amount"))
        .values_list("account_id", "total")
    )
    for account in accounts:
        account.balance = from_minor(balances.get(account.pk))
    return render(request, "portal/cardmember_home.html", {"accounts": accounts})
