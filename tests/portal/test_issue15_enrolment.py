"""Issue 15 (Trust I) item 2, SPEC section 17: the first device is bound to the person (a one-time link
emailed to them), a fresh secret per attempt, a notice when a device is confirmed, recovery codes for a
lost phone."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.security import totp_code
from tests.otp_helpers import enrolment_link_path, password_login, totp_device

pytestmark = pytest.mark.django_db

OTP_URL = reverse("portal:otp")
SETUP_URL = reverse("portal:otp_setup")


def _enrol(client, user) -> list[str]:
    """Open the last emailed link and confirm with a first code; the recovery codes shown."""
    client.get(enrolment_link_path(mail.outbox[-1]))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    done = client.post(SETUP_URL, {"otp_token": totp_code(device)})
    assert done.status_code == 200
    return done.context["codes"]


def test_issue15_item2_the_password_alone_shows_no_secret(client, alice):
    password_login(client, "alice")
    page = client.get(OTP_URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "otpauth://" not in html and "otp-secret" not in html
    assert not TOTPDevice.objects.filter(user=alice).exists()
    # The link went to alice's mailbox, not to the page.
    assert mail.outbox[-1].to == [alice.email] and "a***@" in html
    assert enrolment_link_path(mail.outbox[-1]) not in html
    assert client.get(SETUP_URL)["Location"].startswith(OTP_URL)


def test_issue15_item2_the_link_works_once_and_only_for_its_user(client, alice, carol):
    password_login(client, "alice")
    client.get(OTP_URL)
    link = enrolment_link_path(mail.outbox[-1])
    # carol, logged in with her own password, cannot use alice's link.
    intruder = Client()
    password_login(intruder, "carol")
    refused = intruder.get(link, follow=True)
    assert "This set-up link cannot be used" in refused.content.decode()
    assert not TOTPDevice.objects.filter(user__in=[alice, carol]).exists()
    # alice's first opening gives her a secret; the second opening is refused.
    assert client.get(link)["Location"] == SETUP_URL
    assert TOTPDevice.objects.filter(user=alice, confirmed=False).count() == 1
    again = client.get(link, follow=True)
    assert "This set-up link cannot be used" in again.content.decode()
    assert TOTPDevice.objects.filter(user=alice).count() == 1


def test_issue15_item2_a_fresh_secret_per_attempt_shown_only_in_its_session(client, alice):
    password_login(client, "alice")
    client.get(OTP_URL)
    client.get(enrolment_link_path(mail.outbox[-1]))
    first_secret = client.get(SETUP_URL).context["secret"]
    # Someone else who has the password sees nothing of it, and cannot start over without the mailbox.
    other = Client()
    password_login(other, "alice")
    page = other.get(OTP_URL, follow=True)
    assert first_secret not in page.content.decode() and "secret" not in page.context
    # A new link (the mailbox's owner again) makes a new secret; the first one is gone.
    other.get(enrolment_link_path(mail.outbox[-1]))
    second_secret = other.get(SETUP_URL).context["secret"]
    assert second_secret != first_secret
    assert TOTPDevice.objects.filter(user=alice).count() == 1
    assert client.get(SETUP_URL)["Location"].startswith(OTP_URL)


def test_issue15_item2_the_link_opened_before_logging_in(alice):
    client = Client()
    office = Client()  # e.g. the office PC; the link is opened on a laptop
    password_login(office, "alice")
    office.get(OTP_URL)
    link = enrolment_link_path(mail.outbox[-1])
    response = client.get(link)
    assert response["Location"].startswith(reverse("portal:login"))
    after_password = client.post(response["Location"], {"username": "alice", "password": "secret-pass-123"},
                                 follow=True)
    assert after_password.redirect_chain[-1][0] == SETUP_URL
    assert after_password.context["enrolling"] is True


def test_issue15_item2_a_confirmed_device_is_notified_and_gets_recovery_codes(
        client, alice, django_capture_on_commit_callbacks):
    password_login(client, "alice")
    client.get(OTP_URL)
    with django_capture_on_commit_callbacks(execute=True):
        codes = _enrol(client, alice)
    assert len(codes) == 10 and len(set(codes)) == 10
    notice = mail.outbox[-1]
    assert notice.to == [alice.email] and notice.subject == "An authenticator app was set up for your login"
    assert client.session[DEVICE_ID_SESSION_KEY]
    # The codes are shown once: django-otp keeps them for checking only.
    assert StaticToken.objects.filter(device__user=alice).count() == 10


def test_issue15_item2_a_recovery_code_logs_in_once(alice):
    totp_device(alice)
    from accounts.security import recovery_codes_create

    codes = recovery_codes_create(user=alice)
    client = Client()
    password_login(client, "alice")
    done = client.post(OTP_URL, {"recovery_code": codes[0].upper(), "next": "/pa/"})
    assert done.status_code == 302 and done["Location"] == "/pa/"
    assert client.get(reverse("portal:pa_home")).status_code == 200
    # A set-up link for the new phone went to the mailbox.
    assert "/login/otp/enrol/" in mail.outbox[-1].body
    again = Client()
    password_login(again, "alice")
    refused = again.post(OTP_URL, {"recovery_code": codes[0]})
    assert refused.status_code == 200 and "That recovery code is wrong or was used already" in refused.content.decode()
    assert not again.session.get(DEVICE_ID_SESSION_KEY)


def test_issue15_item2_a_user_without_email_cannot_enrol(client, alice):
    alice.email = ""
    alice.save()
    password_login(client, "alice")
    page = client.get(OTP_URL)
    assert "has no email address" in page.content.decode()
    assert mail.outbox == []
