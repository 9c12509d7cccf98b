"""Brute-force lockout (django-axes) and password reset by email (issue #8 item 5)."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.otp_helpers import password_login

pytestmark = pytest.mark.django_db


def test_axes_is_configured_to_lock_by_username_and_address(settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME == 1  # hours
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_LOCKOUT_TEMPLATE == "portal/locked.html"


def test_wrong_passwords_lock_the_login_and_then_the_right_one_is_refused(client, bob, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = password_login(client, "bob", "wrong-password")
        assert response.status_code == 200 and "didn" in response.content.decode()
    locked = password_login(client, "bob", "wrong-password")
    assert locked.status_code == 429
    assert "Account locked" in locked.content.decode()
    right = password_login(client, "bob")
    assert right.status_code == 429 and "Account locked" in right.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lockout_page_is_translated(client, bob, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        password_login(client, "bob", "wrong-password")
    client.cookies["django_language"] = "fr"
    page = password_login(client, "bob").content.decode()
    assert '<html lang="fr">' in page and "Account locked" not in page


def test_the_lock_is_per_username_and_address(client, bob, alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        password_login(client, "bob", "wrong-password")
    assert password_login(client, "bob", REMOTE_ADDR="10.0.0.9").status_code == 302  # another address
    assert password_login(client, "alice").status_code == 302  # another user


def test_the_login_page_links_to_password_reset(client):
    assert reverse("portal:password_reset") in client.get(reverse("portal:login")).content.decode()


def test_password_reset_by_email_sets_a_new_password(client, bob):
    response = client.post(reverse("portal:password_reset"), {"email": bob.email})
    assert response.status_code == 302 and response["Location"] == reverse("portal:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Reset your amexprog password"
    assert message.to == [bob.email]
    link = re.search(r"http://testserver(/password-reset/[^/]+/[^/]+/)", message.body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200 and form.context["validlink"]
    done = client.post(form.redirect_chain[-1][0], {"new_password1": "a-brand-new-pass-42",
                                                    "new_password2": "a-brand-new-pass-42"})
    assert done.status_code == 302 and done["Location"] == reverse("portal:password_reset_complete")
    assert password_login(client, "bob", "secret-pass-123").status_code == 200  # the old one no longer works
    assert password_login(client, "bob", "a-brand-new-pass-42").status_code == 302
    # The link works once.
    assert client.get(link, follow=True).context["validlink"] is False


def test_the_reset_email_is_in_the_requesters_language(client, bob):
    client.cookies["django_language"] = "da"
    client.post(reverse("portal:password_reset"), {"email": bob.email})
    assert mail.outbox[0].subject == "Nulstil din amexprog-adgangskode"
    assert "Vælg en ny adgangskode her" in mail.outbox[0].body


def test_an_unknown_address_gets_the_same_answer_and_no_email(client):
    response = client.post(reverse("portal:password_reset"), {"email": "nobody@example.com"})
    assert response["Location"] == reverse("portal:password_reset_done")
    assert mail.outbox == []
