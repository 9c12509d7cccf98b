"""Issue 15 (Trust I), SPEC section 17: the second factor cannot be guessed (item 1)."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from tests.accounts.factories import UserFactory
from tests.otp_helpers import current_code, otp_submit, password_login, totp_device

pytestmark = pytest.mark.django_db

OTP_URL = reverse("portal:otp")


def _wrong(device) -> str:
    return "000000" if current_code(device) != "000000" else "111111"


def test_issue15_item1_wrong_codes_not_reset_by_password(alice, settings):
    """Password, 4 wrong codes, password again (from another address, where axes' per-address count
    starts over), 4 more: the second factor's count is the user's, so the right code is refused once
    the limit is passed, whatever the password and the address."""
    device = totp_device(alice)
    start = dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        for round_ in range(2):
            client = Client(REMOTE_ADDR=f"10.0.0.{round_ + 1}")
            assert password_login(client, "alice").status_code == 302
            for _ in range(settings.AXES_FAILURE_LIMIT - 1):
                assert otp_submit(client, _wrong(device)).status_code in (200, 429)
        client = Client(REMOTE_ADDR="10.0.0.9")
        assert password_login(client, "alice").status_code == 302  # the password still works...
        refused = otp_submit(client, current_code(device))  # ...but even the right code does not
        assert refused.status_code == 429
        assert "Logging in again does not lift the lock" in refused.content.decode()
        assert not client.session.get(DEVICE_ID_SESSION_KEY)
        assert client.get(reverse("portal:pa_home"))["Location"].startswith(OTP_URL)
        # The lock lasts OTP_LOCKOUT_MINUTES at first; then the right code gets in and clears the count.
        traveller.shift(dt.timedelta(minutes=settings.OTP_LOCKOUT_MINUTES, seconds=1))
        password_login(client, "alice")  # the idle session has ended meanwhile (item 10)
        assert otp_submit(client, current_code(device)).status_code == 302
        device.refresh_from_db()
        assert device.throttling_failure_count == 0


def test_issue15_item1_the_lock_doubles_with_each_further_wrong_code(client, alice, settings):
    device = totp_device(alice)
    start = dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        for attempt in range(settings.OTP_FAILURE_LIMIT):
            other = Client(REMOTE_ADDR=f"10.0.2.{attempt + 1}")
            password_login(other, "alice")
            otp_submit(other, _wrong(device))
        device.refresh_from_db()
        assert device.throttling_failure_count == settings.OTP_FAILURE_LIMIT
        traveller.shift(dt.timedelta(minutes=settings.OTP_LOCKOUT_MINUTES, seconds=1))
        password_login(client, "alice")
        assert otp_submit(client, _wrong(device)).status_code == 429  # one more wrong code: 30 minutes now
        traveller.shift(dt.timedelta(minutes=settings.OTP_LOCKOUT_MINUTES * 2 - 1))
        password_login(client, "alice")
        assert otp_submit(client, current_code(device)).status_code == 429
        traveller.shift(dt.timedelta(minutes=2))
        password_login(client, "alice")  # the idle session has ended meanwhile (item 10)
        assert otp_submit(client, current_code(device)).status_code == 302


def test_issue15_item1_ops_admin_login_is_locked_too(settings):
    olga = UserFactory(username="olga", is_staff=True, is_superuser=True)
    device = totp_device(olga)
    with time_machine.travel(dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC), tick=False):
        for round_ in range(2):
            client = Client(REMOTE_ADDR=f"10.0.1.{round_ + 1}")
            client.post("/admin/login/?next=/admin/", {"username": "olga", "password": "secret-pass-123",
                                                       "next": "/admin/"})
            for _ in range(settings.AXES_FAILURE_LIMIT - 1):
                otp_submit(client, _wrong(device))
        client = Client(REMOTE_ADDR="10.0.1.9")
        client.post("/admin/login/?next=/admin/", {"username": "olga", "password": "secret-pass-123",
                                                   "next": "/admin/"})
        assert otp_submit(client, current_code(device)).status_code == 429
        assert client.get("/admin/").status_code == 302
