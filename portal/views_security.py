"""Login security in the portal (issue #8 items 3 and 5): the TOTP step after the password for PAs and
ops (enrolment on first login), password reset by email, and a PA's list of the company's cardmembers
whose login django-axes has locked, with an Unlock button.

The TOTP step is enforced for every other page by portal.otp.OtpRequiredMiddleware. Wrong codes are
reported to django-axes as failed logins (user_login_failed), so they count toward the same lockout
as wrong passwords; a user locked out at this step is logged out.
"""

from __future__ import annotations

import django_otp
from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.audit import actor_for
from accounts.models import Cardmember
from accounts.security import (
    cardmember_login_unlock,
    company_locked_cardmembers,
    confirmed_totp_device,
    otp_required_for,
    totp_enrolment_confirm,
    totp_enrolment_device,
    totp_qr_svg,
    totp_secret_base32,
)
from amexprog.common.errors import ApplicationError
from portal.selectors import administered_company_or_404

WRONG_CODE = gettext_lazy("That code is wrong or has expired. Enter the current 6-digit code from your "
                          "authenticator app.")


class OtpTokenForm(forms.Form):
    otp_token = forms.CharField(
        label=gettext_lazy("6-digit code"), min_length=6, max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "pattern": "[0-9 ]*", "autofocus": True}),
    )

    def clean_otp_token(self) -> str:
        token = self.cleaned_data["otp_token"].replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError(WRONG_CODE)
        return token


def _safe_next(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                                     require_https=request.is_secure()):
        return candidate
    return reverse("portal:home")


def _verify(device: TOTPDevice, token: str) -> bool:
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        ok = locked.verify_token(token)
    if ok:
        device.refresh_from_db()
    return ok


@login_required
def otp_step(request: HttpRequest) -> HttpResponse:
    """Enrol a TOTP device (first login) or enter the current code; then go on to `next`."""
    user = request.user
    next_url = _safe_next(request)
    if not otp_required_for(user) or user.is_verified():
        return redirect(next_url)
    credentials = {"username": user.get_username()}
    if AxesProxyHandler.is_locked(request, credentials):
        # Locked (by earlier wrong codes or passwords): AxesMiddleware answers with the lockout page.
        request.axes_locked_out = True
        request.axes_credentials = credentials
        logout(request)
        return HttpResponse(status=429)
    device = confirmed_totp_device(user)
    enrolling = device is None
    if enrolling:
        device = totp_enrolment_device(user)
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid() and _verify(device, form.cleaned_data["otp_token"]):
            if enrolling:
                totp_enrolment_confirm(device)
            django_otp.login(request, device)
            AxesProxyHandler.reset_attempts(username=user.get_username(), ip_address=request.axes_ip_address)
            if enrolling:
                messages.success(request, _("Two-factor login is set up. From now on, enter a code from your "
                                            "authenticator app after your password."))
            return redirect(next_url)
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            logout(request)
            return HttpResponse(status=429)
        if not form.has_error("otp_token"):
            form.add_error("otp_token", WRONG_CODE)
    context = {"form": form, "next": next_url, "enrolling": enrolling}
    if enrolling:
        context.update(secret=totp_secret_base32(device), otpauth_uri=device.config_url,
                       qr_svg=mark_safe(totp_qr_svg(device)))  # segno's own SVG markup, no user input
    return render(request, "portal/otp.html", context)


# Password reset by email (Django's views, the portal's templates).


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "portal/password_reset_form.html"
    email_template_name = "portal/password_reset_email.txt"
    subject_template_name = "portal/password_reset_subject.txt"
    success_url = reverse_lazy("portal:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "portal/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "portal/password_reset_confirm.html"
    success_url = reverse_lazy("portal:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "portal/password_reset_complete.html"


# A PA unlocks a cardmember's locked login (PA sheet "portal password unlock").


@login_required
def company_locked_logins(request: HttpRequest, number: str) -> HttpResponse:
    company = administered_company_or_404(request.user, number)
    return render(request, "portal/locked_logins.html",
                  {"company": company, "cardmembers": company_locked_cardmembers(company)})


@login_required
@require_POST
def cardmember_unlock(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    company = administered_company_or_404(request.user, number)
    cardmember = get_object_or_404(Cardmember.objects.select_related("user", "company"), pk=pk, company=company)
    by = actor_for(request.user, company=company, permission="accounts.change_cardmember")
    if by is None:
        raise Http404
    try:
        cardmember_login_unlock(cardmember=cardmember, by=by)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The login of %(name)s is unlocked.") % {"name": cardmember.full_name})
    return redirect("portal:company_locked_logins", number=company.number)
