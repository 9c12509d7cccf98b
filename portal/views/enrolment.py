"""Setting up two-factor login (SPEC section 17, issue 15 item 2): the first device is bound to the
person, not to whoever has the password.

A PA or ops user without a confirmed authenticator who logs in with the password is emailed a
one-time set-up link (accounts.security.totp_enrolment_link_send) and told to open it. Opening it (in
a session logged in as that user) creates a fresh secret, shown in that session only; the first right
code confirms the device, the user gets recovery codes, shown once, and an email that a device was set
up. A recovery-code login sends a new link too, for the new phone.
"""

from __future__ import annotations

from urllib.parse import urlencode

import django_otp
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.security import (
    otp_required_for,
    totp_enrolment_confirm,
    totp_enrolment_link_check,
    totp_enrolment_link_send,
    totp_enrolment_start,
    totp_qr_svg,
    totp_secret_base32,
)

ENROL_DEVICE = "otp_enrolment_device"
LINKS_SENT = "otp_enrolment_links_sent"
MAX_LINKS_PER_SESSION = 3

LINK_INVALID = gettext_lazy("This set-up link cannot be used: it was used already, has expired or is for another "
                            "login. Ask for a new one.")
NO_EMAIL = gettext_lazy("Your login has no email address, so two-factor login cannot be set up. Ask your card "
                        "issuer.")
TOO_MANY_LINKS = gettext_lazy("We have sent you several links already. Check your mailbox and its spam folder.")
SET_UP = gettext_lazy("Two-factor login is set up. From now on, enter a code from your authenticator app after "
                      "your password.")


def _masked(email: str) -> str:
    name, _at, domain = email.partition("@")
    return f"{name[:1]}***@{domain}"


def _session_device(request: HttpRequest) -> TOTPDevice | None:
    pk = request.session.get(ENROL_DEVICE)
    if pk is None:
        return None
    return TOTPDevice.objects.filter(pk=pk, user=request.user, confirmed=False).first()


def _next(request: HttpRequest) -> str:
    from portal.views.security import _safe_next

    return _safe_next(request)


def enrolment_pending(request: HttpRequest, next_url: str) -> HttpResponse:
    """The code step of a user without a confirmed device: send (once per session, again on request,
    at most MAX_LINKS_PER_SESSION) the set-up link and say where it went."""
    user = request.user
    if _session_device(request) is not None:
        return redirect(f"{reverse('portal:otp_setup')}?{urlencode({'next': next_url})}")
    if next_url.startswith(f"{reverse('portal:otp')}enrol/"):
        return redirect(next_url)  # logged in on the way to the link
    error = None
    sent = request.session.get(LINKS_SENT, 0)
    if not user.email:
        error = NO_EMAIL
    elif sent == 0 or (request.method == "POST" and "send_link" in request.POST):
        if sent >= MAX_LINKS_PER_SESSION:
            error = TOO_MANY_LINKS
        else:
            totp_enrolment_link_send(user=user)
            request.session[LINKS_SENT] = sent + 1
    return render(request, "portal/otp_enrol_pending.html",
                  {"email": _masked(user.email) if user.email else "", "error": error, "next": next_url,
                   "can_send": bool(user.email)})


@login_required
def otp_enrol(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The emailed one-time link: a fresh secret for this session, then the set-up page."""
    user = request.user
    if not otp_required_for(user):
        return redirect("portal:home")
    if not totp_enrolment_link_check(user=user, uidb64=uidb64, token=token):
        messages.error(request, LINK_INVALID)
        return redirect("portal:otp")
    device = totp_enrolment_start(user=user)
    request.session[ENROL_DEVICE] = device.pk
    return redirect("portal:otp_setup")


def _verify(device: TOTPDevice, token: str) -> bool:
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        ok = locked.verify_token(token)
    if ok:
        device.refresh_from_db()
    return ok


@login_required
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Scan the secret of this session's new device and confirm it with a first code."""
    from portal.views.security import WRONG_CODE, OtpTokenForm

    next_url = _next(request)
    device = _session_device(request)
    if device is None:
        return redirect(f"{reverse('portal:otp')}?{urlencode({'next': next_url})}")
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid() and _verify(device, form.cleaned_data["otp_token"]):
            codes = totp_enrolment_confirm(device)
            request.session.pop(ENROL_DEVICE, None)
            django_otp.login(request, device)
            AxesProxyHandler.reset_attempts(username=request.user.get_username(),
                                            ip_address=get_client_ip_address(request))
            messages.success(request, SET_UP)
            return render(request, "portal/otp_recovery_codes.html", {"codes": codes, "next": next_url})
        if not form.has_error("otp_token"):
            form.add_error("otp_token", WRONG_CODE)
    return render(request, "portal/otp.html", {
        "form": form, "next": next_url, "enrolling": True, "secret": totp_secret_base32(device),
        "otpauth_uri": device.config_url,
        "qr_svg": mark_safe(totp_qr_svg(device)),  # segno's own SVG markup, no user input
    })
