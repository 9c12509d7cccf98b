"""Issue 15 (Trust I) item 10, SPEC section 17: PA and ops sessions end after 15 minutes idle and 12 hours
in all; passwords of at least 12 characters; password-reset mail throttled."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tests.otp_helpers import full_login, password_login

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC)


def test_issue15_item10_pa_session_ends_after_15_minutes_idle(alice):
    with time_machine.travel(START, tick=False) as traveller:
        client = Client()
        full_login(client, alice)
        traveller.shift(dt.timedelta(minutes=14))
        assert client.get(reverse("portal:pa_home")).status_code == 200  # activity: the idle clock restarts
        traveller.shift(dt.timedelta(minutes=14))
        assert client.get(reverse("portal:pa_home")).status_code == 200
        traveller.shift(dt.timedelta(minutes=16))
        ended = client.get(reverse("portal:pa_home"))
        assert ended.status_code == 302 and ended["Location"].startswith(reverse("portal:login"))
        assert "_auth_user_id" not in client.session
        assert client.get("/api/v1/companies/").status_code in (401, 403)


def test_issue15_item10_pa_session_ends_12_hours_after_login_even_when_busy(alice):
    with time_machine.travel(START, tick=False) as traveller:
        client = Client()
        full_login(client, alice)
        for _ in range(12 * 6):  # a request every 10 minutes for 12 hours
            traveller.shift(dt.timedelta(minutes=10))
            response = client.get(reverse("portal:pa_home"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login"))
        assert "_auth_user_id" not in client.session


def test_issue15_item10_ops_api_session_ends_after_15_minutes_idle(client, django_user_model):
    from django.contrib.auth.models import Group

    from accounts.roles import VIEWER

    olga = django_user_model.objects.create_user("olga", "olga@example.com", "secret-pass-123", is_staff=True)
    olga.groups.add(Group.objects.get(name=VIEWER))  # ops read companies with a view permission (item 3)
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(olga)
        assert client.get("/api/v1/companies/").status_code == 200
        traveller.shift(dt.timedelta(minutes=16))
        response = client.get("/api/v1/companies/")
        assert response.status_code == 401 and response.json()["code"] == "session_expired"


def test_a_cardmember_session_is_not_cut_after_15_minutes(bob):
    with time_machine.travel(START, tick=False) as traveller:
        client = Client()
        assert password_login(client, "bob").status_code == 302
        traveller.shift(dt.timedelta(hours=13))
        assert client.get(reverse("portal:cardmember_home")).status_code == 200


def test_issue15_item10_passwords_need_12_characters():
    with pytest.raises(ValidationError):
        validate_password("tr0ub4dor&3")  # 11 characters
    validate_password("tr0ub4dor&3x")
    from accounts.demo import DEMO_PASSWORD
    from tests.otp_helpers import PASSWORD

    validate_password(DEMO_PASSWORD)
    validate_password(PASSWORD)


def test_issue15_item10_password_reset_refuses_a_short_password(client, bob):
    client.post(reverse("portal:password_reset"), {"email": bob.email})
    link = mail.outbox[0].body.split("http://testserver")[1].split()[0]
    form = client.get(link, follow=True)
    refused = client.post(form.redirect_chain[-1][0], {"new_password1": "sh0rt-pass!", "new_password2": "sh0rt-pass!"})
    assert refused.status_code == 200
    assert password_login(Client(), "bob", "sh0rt-pass!").status_code == 200


def test_issue15_item10_password_reset_mail_is_throttled_per_address(bob, settings):
    for n in range(settings.PASSWORD_RESET_LIMIT_PER_ADDRESS + 3):
        response = Client(REMOTE_ADDR=f"10.1.0.{n + 1}").post(reverse("portal:password_reset"), {"email": bob.email})
        assert response["Location"] == reverse("portal:password_reset_done")  # the same answer every time
    assert len(mail.outbox) == settings.PASSWORD_RESET_LIMIT_PER_ADDRESS


def test_issue15_item10_password_reset_is_throttled_per_client(bob, alice, settings):
    client = Client(REMOTE_ADDR="10.2.0.1")
    for n in range(settings.PASSWORD_RESET_LIMIT_PER_CLIENT):
        client.post(reverse("portal:password_reset"), {"email": f"someone{n}@example.com"})
    refused = client.post(reverse("portal:password_reset"), {"email": alice.email})
    assert refused.status_code == 429
    assert "Too many password reset requests" in refused.content.decode()
    assert mail.outbox == []
    # Another client is not affected.
    Client(REMOTE_ADDR="10.2.0.2").post(reverse("portal:password_reset"), {"email": alice.email})
    assert len(mail.outbox) == 1
