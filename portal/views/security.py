"""Login security in the portal (issue #8 items 3 and 5, issue 15 items 1, 2 and 10): the TOTP step after
the password for PAs and ops (or a recovery code; enrolment is in portal.views.enrolment), password reset
by email (throttled), and a PA's list of the company's cardmembers whose login django-axes has locked,
with an Unlock button.

The TOTP step is enforced for every other page by portal.otp.OtpRequiredMiddleware. Wrong codes are
reported to django-axes as failed logins (user_login_failed), so they count toward the same lockout
as wrong passwords; a user locked out at this step is logged out.
"""

from __future__ import annotations

import hashlib

import django_otp
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_ip_address
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.audit import actor_for
from accounts.models import Cardmember
from accounts.security import (
    cardmember_login_unlock,
    company_locked_cardmembers,
    confirmed_totp_device,
    otp_required_for,
    recovery_device,
    second_factor_locked_until,
    second_factor_verify,
    totp_enrolment_link_send,
)
from amexprog.common.errors import ApplicationError
from portal.selectors import administered_company_or_404
from portal.templatetags.portal_format import local_datetime

WRONG_CODE = gettext_lazy("That code is wrong or has expired. Enter the current 6-digit code from your "
                          "authenticator app.")
PASSWORD_RESET_TOO_MANY = gettext_lazy("Too many password reset requests from your network. Try again in an hour.")
WRONG_RECOVERY_CODE = gettext_lazy("That recovery code is wrong or was used already.")
RECOVERY_USED = gettext_lazy("You logged in with a recovery code; %(left)d are left. We have emailed you a link to "
                             "set up the authenticator app on your new phone.")
SECOND_FACTOR_LOCKED = gettext_lazy("Too many wrong codes: your two-factor login is locked until %(until)s. "
                                    "Logging in again does not lift the lock.")


class RecoveryCodeForm(forms.Form):
    recovery_code = forms.CharField(label=gettext_lazy("Recovery code"), min_length=8, max_length=20,
                                    widget=forms.TextInput(attrs={"autocomplete": "off"}))

    def clean_recovery_code(self) -> str:
        return self.cleaned_data["recovery_code"].replace(" ", "").replace("-", "").lower()


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


def _locked_page(request: HttpRequest, until) -> HttpResponse:
    """The second factor is locked (issue 15 item 1): no form, the time it opens again."""
    # In the reader's format, en-GB style for English (issue 19 item 8), never "Aug. 6, 2026, 9:15 a.m.".
    message = SECOND_FACTOR_LOCKED % {"until": local_datetime(until)}
    return render(request, "portal/otp_locked.html", {"message": message}, status=429)


def _failed(request: HttpRequest, credentials: dict, form: forms.Form, field: str) -> HttpResponse | None:
    """A wrong code: counted by axes (per address) and on the user's devices (per user, item 1)."""
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    if getattr(request, "axes_locked_out", False):
        logout(request)
        return HttpResponse(status=429)
    locked_until = second_factor_locked_until(request.user)
    if locked_until is not None:
        return _locked_page(request, locked_until)
    if not form.has_error(field):
        form.add_error(field, WRONG_CODE if field == "otp_token" else WRONG_RECOVERY_CODE)
    return None


@login_required
def otp_step(request: HttpRequest) -> HttpResponse:
    """Enter the current code (or a recovery code); then go on to `next`. A user without a confirmed
    device is sent a one-time set-up link by email (issue 15 item 2; portal.views.enrolment)."""
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
    if device is None:
        from portal.views.enrolment import enrolment_pending  # it uses this module's form

        return enrolment_pending(request, next_url)
    locked_until = second_factor_locked_until(user)
    if locked_until is not None:
        return _locked_page(request, locked_until)
    form = OtpTokenForm(request.POST if "otp_token" in request.POST else None)
    recovery_form = RecoveryCodeForm(request.POST if "recovery_code" in request.POST else None)
    if request.method == "POST" and "recovery_code" in request.POST:
        recovery = recovery_device(user)
        code = recovery_form.cleaned_data["recovery_code"] if recovery_form.is_valid() else None
        if code and recovery is not None and second_factor_verify(user=user, device=recovery, token=code):
            django_otp.login(request, recovery)
            AxesProxyHandler.reset_attempts(username=user.get_username(), ip_address=request.axes_ip_address)
            # A lost phone: the way to a new one is a set-up link to the mailbox (issue 15 item 2).
            totp_enrolment_link_send(user=user)
            messages.warning(request, RECOVERY_USED % {"left": recovery.token_set.count()})
            return redirect(next_url)
        failed = _failed(request, credentials, recovery_form, "recovery_code")
        if failed is not None:
            return failed
    elif request.method == "POST":
        if form.is_valid() and second_factor_verify(user=user, device=device, token=form.cleaned_data["otp_token"]):
            django_otp.login(request, device)
            AxesProxyHandler.reset_attempts(username=user.get_username(), ip_address=request.axes_ip_address)
            return redirect(next_url)
        failed = _failed(request, credentials, form, "otp_token")
        if failed is not None:
            return failed
    return render(request, "portal/otp.html", {"form": form, "recovery_form": recovery_form, "next": next_url,
                                               "enrolling": False})


# Password reset by email (Django's views, the portal's templates).


def _over_limit(key: str, limit: int) -> bool:
    """Count one more use of `key` in the current hour; True when it is past `limit`."""
    key = f"password-reset:{key}:{int(timezone.now().timestamp()) // 3600}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        count = 1
    return count > limit


class PasswordResetView(auth_views.PasswordResetView):
    """Password reset by email, throttled (SPEC section 17, issue 15 item 10): a client address may ask
    PASSWORD_RESET_LIMIT_PER_CLIENT times an hour (then the form says so), an email address gets at
    most PASSWORD_RESET_LIMIT_PER_ADDRESS mails an hour (further requests get the same answer as any
    other, so the page never tells whether an address has a login)."""

    template_name = "portal/password_reset_form.html"
    email_template_name = "portal/password_reset_email.txt"
    subject_template_name = "portal/password_reset_subject.txt"
    success_url = reverse_lazy("portal:password_reset_done")

    def form_valid(self, form):
        client = get_client_ip_address(self.request) or "unknown"
        if _over_limit(f"client:{client}", settings.PASSWORD_RESET_LIMIT_PER_CLIENT):
            form.add_error("email", PASSWORD_RESET_TOO_MANY)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        address = hashlib.sha256(form.cleaned_data["email"].strip().lower().encode()).hexdigest()
        if _over_limit(f"address:{address}", settings.PASSWORD_RESET_LIMIT_PER_ADDRESS):
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


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
