"""Two-factor login for PAs and ops (issue #8 item 5): enrolment, the code step, enforcement on every
page and the admin, lockout counting wrong codes; cardmembers log in with a password only."""

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.security import totp_code
from tests.accounts.factories import UserFactory
from tests.otp_helpers import (
    current_code,
    enrolment_link_path,
    force_login_unverified,
    otp_submit,
    password_login,
    totp_device,
)

pytestmark = pytest.mark.django_db

OTP_URL = reverse("portal:otp")


def test_a_pa_without_a_device_enrols_after_the_password(client, alice):
    """Changed by issue 15 item 2: the secret is no longer shown after the password alone, but in the
    session that opens the emailed one-time link."""
    response = password_login(client, "alice")
    assert response.status_code == 302
    assert response["Location"] == f"{OTP_URL}?next=%2F"
    page = client.get(response["Location"])
    assert "secret" not in page.context and "otpauth://" not in page.content.decode()
    assert not TOTPDevice.objects.filter(user=alice).exists()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [alice.email]
    # Until a device is confirmed, every PA page and the admin send alice to the OTP step.
    for url in (reverse("portal:pa_home"), reverse("portal:company_detail", args=["10001"]), "/admin/"):
        blocked = client.get(url)
        assert blocked.status_code == 302 and blocked["Location"].startswith(OTP_URL), url
    setup = client.get(enrolment_link_path(mail.outbox[0]), follow=True)
    html = setup.content.decode()
    device = TOTPDevice.objects.get(user=alice)
    assert not device.confirmed
    assert setup.context["secret"] in html and len(setup.context["secret"]) == 32
    assert device.config_url.startswith("otpauth://totp/") and "secret=" in device.config_url
    assert setup.context["otpauth_uri"] == device.config_url and "otpauth://totp/" in html
    assert "<svg" in html and 'name="otp_token"' in html
    done = client.post(reverse("portal:otp_setup"), {"otp_token": totp_code(device), "next": "/"})
    assert done.status_code == 200 and len(done.context["codes"]) == 10  # recovery codes, shown once
    device.refresh_from_db()
    assert device.confirmed
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get(reverse("portal:pa_home")).status_code == 200


def test_a_pa_with_a_device_enters_the_code_and_goes_on_to_next(client, alice):
    device = totp_device(alice)
    response = client.post(reverse("portal:login") + "?next=/pa/companies/10001/",
                           {"username": "alice", "password": "secret-pass-123", "next": "/pa/companies/10001/"})
    assert response["Location"].startswith(OTP_URL)
    page = client.get(response["Location"])
    assert page.context["enrolling"] is False and "otpauth://" not in page.content.decode()
    done = client.post(response["Location"], {"otp_token": current_code(device),
                                              "next": "/pa/companies/10001/"})
    assert done["Location"] == "/pa/companies/10001/"
    assert client.get(done["Location"]).status_code == 200


def test_an_offsite_next_is_ignored(client, alice):
    device = totp_device(alice)
    password_login(client, "alice")
    done = client.post(OTP_URL, {"otp_token": current_code(device), "next": "https://evil.example/"})
    assert done["Location"] == "/"


def test_a_wrong_code_is_refused_with_a_translated_message_and_counted(client, alice):
    alice.pa.language = "da"
    alice.pa.save()
    device = totp_device(alice)
    password_login(client, "alice")  # sets the PA's language
    wrong = str((int(current_code(device)) + 1) % 1_000_000).zfill(6)
    response = client.post(OTP_URL, {"otp_token": wrong})
    assert response.status_code == 200
    with translation.override("da"):
        from portal.views.security import WRONG_CODE

        assert str(WRONG_CODE) in response.content.decode()
        assert str(WRONG_CODE) != "That code is wrong or has expired. Enter the current 6-digit code from your " \
                                  "authenticator app."
    assert AccessAttempt.objects.get(username="alice").failures_since_start == 1
    assert client.get(reverse("portal:pa_home"))["Location"].startswith(OTP_URL)


def test_wrong_codes_lock_the_login_and_log_out(client, alice, settings):
    device = totp_device(alice)
    password_login(client, "alice")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(OTP_URL, {"otp_token": "000000" if current_code(device) != "000000" else "111111"}
                           ).status_code == 200
    locked = client.post(OTP_URL, {"otp_token": "000000" if current_code(device) != "000000" else "111111"})
    assert locked.status_code == 429
    assert "Account locked" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # The right password and then the right code do not get past the lock.
    again = password_login(client, "alice")
    assert again.status_code == 429 and "Account locked" in again.content.decode()


def test_a_cardmember_logs_in_with_the_password_only(client, bob):
    response = password_login(client, "bob")
    assert response.status_code == 302 and not response["Location"].startswith(OTP_URL)
    assert client.get(reverse("portal:cardmember_home")).status_code == 200
    assert client.get(OTP_URL).status_code == 302  # nothing to do there
    assert not TOTPDevice.objects.filter(user=bob).exists()


def test_ops_need_the_code_for_the_admin(client):
    olga = UserFactory(username="olga", is_staff=True, is_superuser=True)
    response = client.post("/admin/login/?next=/admin/", {"username": "olga", "password": "secret-pass-123",
                                                          "next": "/admin/"})
    assert response.status_code == 302
    admin = client.get("/admin/")
    assert admin.status_code == 302 and admin["Location"] == f"{OTP_URL}?next=%2Fadmin%2F"
    assert client.get(admin["Location"]).status_code == 200
    # Enrolment through the emailed link (issue 15 item 2).
    client.get(enrolment_link_path(mail.outbox[-1]))
    device = TOTPDevice.objects.get(user=olga)
    done = client.post(reverse("portal:otp_setup"), {"otp_token": totp_code(device), "next": "/admin/"})
    assert done.status_code == 200 and done.context["next"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_session_api_calls_need_the_code_too_but_tokens_do_not(client, alice, tokens):
    force_login_unverified(client, alice)
    response = client.get("/api/v1/companies/")
    assert response.status_code == 403 and response.json()["code"] == "otp_required"
    token_client = Client(HTTP_AUTHORIZATION=f"Token {tokens.a}")
    assert token_client.get("/api/v1/companies/").status_code == 200


def test_the_setting_switches_the_second_factor_off(client, alice, settings):
    settings.OTP_REQUIRED_FOR_PAS = False
    response = password_login(client, "alice")
    assert not response["Location"].startswith(OTP_URL)
    assert client.get(reverse("portal:pa_home")).status_code == 200


def test_force_login_and_the_alice_client_fixture_are_verified(client, alice, alice_client):
    client.force_login(alice)
    assert client.get(reverse("portal:pa_home")).status_code == 200
    assert alice_client.get(reverse("portal:company_detail", args=["10001"])).status_code == 200


def test_a_code_verifies_only_once(client, alice):
    device = totp_device(alice)
    code = current_code(device)
    password_login(client, "alice")
    assert otp_submit(client, code).status_code == 302
    other = Client()
    password_login(other, "alice")
    assert otp_submit(other, code).status_code == 200  # replayed
    assert otp_submit(other, current_code(device, steps_ahead=1)).status_code == 302


def test_a_login_locked_meanwhile_is_locked_at_the_code_step_too(client, alice, settings):
    device = totp_device(alice)
    password_login(client, "alice")
    intruder = Client()  # same address: the lock is per username and address
    for _ in range(settings.AXES_FAILURE_LIMIT):
        password_login(intruder, "alice", "wrong-password")
    response = client.get(OTP_URL)
    assert response.status_code == 429 and "Account locked" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert otp_submit(client, current_code(device))["Location"].startswith(reverse("portal:login"))
