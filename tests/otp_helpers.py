"""Two-factor login in tests (issue #8): a confirmed TOTP device for a user, its current code, and
logging a PA in through the real login form and TOTP step.

`client.force_login(user)` keeps working for PAs and ops: tests/conftest.py wraps it so the session is
also OTP-verified (`force_login_verified`). To test the unverified state, log in through the form
with `password_login` (or call `force_login_unverified`).
"""

from __future__ import annotations

from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.security import confirmed_totp_device, otp_required_for, totp_code

PASSWORD = "secret-pass-123"  # tests.accounts.factories.UserFactory's password
_original_force_login = Client.force_login


def totp_device(user, *, key: str | None = None) -> TOTPDevice:
    """The user's confirmed TOTP device, created (with `key`, 40 hex digits, if given) when missing."""
    device = confirmed_totp_device(user)
    if device is None:
        extra = {"key": key} if key else {}
        device = TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True, **extra)
    return device


def current_code(user_or_device, *, steps_ahead: int = 0) -> str:
    """The code the user's authenticator app shows now. A code verifies once: for a second
    verification in the same 30 seconds pass steps_ahead=1."""
    device = user_or_device if isinstance(user_or_device, TOTPDevice) else totp_device(user_or_device)
    return totp_code(device, steps_ahead=steps_ahead)


def force_login_unverified(client: Client, user) -> None:
    _original_force_login(client, user)


def force_login_verified(client: Client, user, backend=None) -> None:
    """Client.force_login, plus the OTP verification PAs and ops need (a confirmed device in the session)."""
    _original_force_login(client, user, backend)
    if otp_required_for(user):
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
        session.save()


def password_login(client: Client, username: str, password: str = PASSWORD, **extra):
    """Post the portal login form (fields `username`, `password`) like a browser."""
    return client.post(reverse("portal:login"), {"username": username, "password": password}, **extra)


def enrolment_link_path(message) -> str:
    """The path of the one-time set-up link in an enrolment email (issue 15 item 2)."""
    import re

    return re.search(r"https?://[^/\s]+(/login/otp/enrol/[^/\s]+/[^/\s]+/)", message.body).group(1)


def otp_submit(client: Client, code: str, **extra):
    """Post the TOTP step's form (field `otp_token`)."""
    return client.post(reverse("portal:otp"), {"otp_token": code}, **extra)


def full_login(client: Client, user, password: str = PASSWORD, *, steps_ahead: int = 0):
    """Password, then the current TOTP code (the user gets a confirmed device if they have none)."""
    response = password_login(client, user.get_username(), password)
    assert response.status_code == 302, "password refused"
    device = totp_device(user)
    response = otp_submit(client, current_code(device, steps_ahead=steps_ahead))
    assert response.status_code == 302 and client.session.get(DEVICE_ID_SESSION_KEY), "TOTP code refused"
    return response
