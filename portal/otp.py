"""The one place that enforces the second factor (issue #8): a PA or ops user who is signed in with a
password but has not passed the TOTP step (django_otp's request.user.is_verified()) is sent to it
from every portal page and the admin; session-authenticated API calls get a 403.

Requests authenticated by an API token never carry a session user here, so they pass untouched.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.security import otp_required_for

# Pages an unverified PA may still open: the login and OTP steps themselves (with the set-up of a first
# device: /login/otp/setup/ and the emailed /login/otp/enrol/ links), logout, password reset, the
# language switch and static files.
EXEMPT_URL_NAMES = ("portal:login", "portal:logout", "portal:otp", "set_language")
EXEMPT_PREFIXES = ("/static/", "/password-reset/", "/login/otp/")


class OtpRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._exempt: set[str] | None = None

    def _exempt_paths(self) -> set[str]:
        if self._exempt is None:
            self._exempt = {reverse(name) for name in EXEMPT_URL_NAMES}
        return self._exempt

    def __call__(self, request: HttpRequest):
        user = request.user
        if (
            settings.OTP_REQUIRED_FOR_PAS
            and user.is_authenticated
            and request.path not in self._exempt_paths()
            and not request.path.startswith(EXEMPT_PREFIXES)
            and not user.is_verified()
            and otp_required_for(user)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": _("Finish the two-factor login in the portal first."), "code": "otp_required"},
                    status=403,
                )
            return redirect(f"{reverse('portal:otp')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
