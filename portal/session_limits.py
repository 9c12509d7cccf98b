"""Session limits for programme administrators and ops (SPEC section 17, issue 15 item 10): a session
ends after PRIVILEGED_SESSION_IDLE_MINUTES without a request and PRIVILEGED_SESSION_MAX_HOURS after the
login, whatever happens in between. Cardmembers keep Django's session lifetime (SESSION_COOKIE_AGE).

The login time is stamped when the user logs in (the user_logged_in signal, connected in
portal.apps); the last activity on each request, written at most once a minute so a busy page does
not save its session on every request.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy

from accounts.security import privileged_login

SESSION_ENDED = gettext_lazy("Your session has ended. Log in again.")
LOGIN_AT = "privileged_login_at"
SEEN_AT = "privileged_seen_at"
# Seconds between two writes of the last-activity stamp.
SEEN_RESOLUTION = 60


def session_limits_start(sender, request, user, **kwargs) -> None:
    """user_logged_in: stamp a PA's or ops user's session and cap its cookie at the absolute limit."""
    if request is None or not hasattr(request, "session"):
        return
    if privileged_login(user):
        now = int(time.time())
        request.session[LOGIN_AT] = now
        request.session[SEEN_AT] = now
        request.session.set_expiry(settings.PRIVILEGED_SESSION_MAX_HOURS * 3600)
    else:
        request.session.pop(LOGIN_AT, None)
        request.session.pop(SEEN_AT, None)


def privileged_session_expired(session, now: int) -> bool:
    """Idle longer than PRIVILEGED_SESSION_IDLE_MINUTES, or older than PRIVILEGED_SESSION_MAX_HOURS."""
    login_at, seen_at = session.get(LOGIN_AT), session.get(SEEN_AT)
    return (now - int(seen_at) >= settings.PRIVILEGED_SESSION_IDLE_MINUTES * 60
            or now - int(login_at) >= settings.PRIVILEGED_SESSION_MAX_HOURS * 3600)


class SessionLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            session = request.session
            now = int(time.time())
            if LOGIN_AT not in session:
                # A session from before these limits, or a login that bypassed the signal: stamp it now.
                if privileged_login(user):
                    session[LOGIN_AT] = session[SEEN_AT] = now
            elif privileged_session_expired(session, now):
                logout(request)
                if request.path in (reverse("portal:login"), reverse("admin:login")):
                    return self.get_response(request)  # a new login on the ended session's cookie
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": str(SESSION_ENDED), "code": "session_expired"}, status=401)
                messages.info(request, SESSION_ENDED)
                return redirect(f"{reverse('portal:login')}?next={request.path}")
            elif now - int(session[SEEN_AT]) >= SEEN_RESOLUTION:
                session[SEEN_AT] = now
        return self.get_response(request)
