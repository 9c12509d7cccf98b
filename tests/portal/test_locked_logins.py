"""A PA unlocks a cardmember's locked portal login (PA sheet "portal password unlock"): the service,
the portal page and the API action; carol (PA of company B) can do none of it for company A."""

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from accounts.audit import Actor, Role
from accounts.models import AuditEntry
from accounts.security import cardmember_login_unlock, company_locked_cardmembers
from amexprog.common.errors import ApplicationError
from tests.accounts.factories import CardmemberFactory, UserFactory
from tests.conftest import token_client
from tests.otp_helpers import password_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def bob_locked(bob, settings):
    robot = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        password_login(robot, "bob", "wrong-password")
    assert password_login(robot, "bob").status_code == 429
    return bob


def test_the_service_clears_the_lock_and_audits(bob_locked, alice, company_a):
    cardmember = bob_locked.cardmember
    assert company_locked_cardmembers(company_a) == [cardmember]
    cleared = cardmember_login_unlock(cardmember=cardmember, by=Actor(role=Role.COMPANY, label="user:alice",
                                                                       user_id=alice.pk))
    assert cleared == 1
    assert not AccessAttempt.objects.filter(username="bob").exists()
    assert company_locked_cardmembers(company_a) == []
    entry = AuditEntry.objects.get(action=AuditEntry.Action.LOGIN_UNLOCKED)
    assert (entry.company, entry.user, entry.actor_role) == (company_a, alice, Role.COMPANY)
    assert entry.details["was_locked"] is True and entry.details["username"] == "bob"
    assert password_login(Client(), "bob").status_code == 302


def test_a_holder_may_not_unlock_and_a_cardmember_without_login_cannot_be(bob, company_a):
    with pytest.raises(ApplicationError):
        cardmember_login_unlock(cardmember=bob.cardmember, by=Actor(role=Role.HOLDER, label="user:bob"))
    nobody = CardmemberFactory(company=company_a)
    with pytest.raises(ApplicationError) as exc:
        cardmember_login_unlock(cardmember=nobody, by=Actor(role=Role.COMPANY, label="user:alice"))
    assert exc.value.code == "no_login"


def test_a_few_failures_are_not_a_lock(client, bob, company_a):
    password_login(client, "bob", "wrong-password")
    assert company_locked_cardmembers(company_a) == []


def test_alice_sees_the_locked_login_and_unlocks_it(client, alice, bob_locked, company_a):
    client.force_login(alice)
    url = reverse("portal:company_locked_logins", args=["10001"])
    page = client.get(url).content.decode()
    assert "Bob Jensen" in page and "bob" in page and "Unlock" in page
    assert url in client.get(reverse("portal:company_detail", args=["10001"])).content.decode()
    unlock = reverse("portal:cardmember_unlock", args=["10001", bob_locked.cardmember.pk])
    response = client.post(unlock, follow=True)
    assert response.redirect_chain[-1][0] == url
    html = response.content.decode()
    assert "is unlocked" in html and "No cardmember's login is locked." in html
    assert AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN_UNLOCKED, user=alice).count() == 1
    assert password_login(Client(), "bob").status_code == 302
    assert client.get(unlock).status_code == 405  # a GET changes nothing


def test_carol_gets_404_for_company_as_page_and_cannot_unlock(client, carol, bob_locked, company_b):
    other = CardmemberFactory(company=company_b, user=UserFactory(username="dina"))
    client.force_login(carol)
    assert client.get(reverse("portal:company_locked_logins", args=["10001"])).status_code == 404
    assert client.post(reverse("portal:cardmember_unlock", args=["10001", bob_locked.cardmember.pk])).status_code == 404
    # Her own company's URL with A's cardmember is a 404 too.
    assert client.post(reverse("portal:cardmember_unlock", args=["10002", bob_locked.cardmember.pk])).status_code == 404
    assert client.get(reverse("portal:company_locked_logins", args=["10002"])).status_code == 200
    assert other.pk
    assert AccessAttempt.objects.filter(username="bob").exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN_UNLOCKED).exists()


def test_a_cardmember_cannot_open_the_page(client, bob):
    client.force_login(bob)
    assert client.get(reverse("portal:company_locked_logins", args=["10001"])).status_code == 404


def test_the_api_unlocks_for_the_company_token_and_pa(bob_locked, tokens, alice, carol, api):
    url = f"/api/v1/cardmembers/{bob_locked.cardmember.pk}/unlock-login/"
    assert token_client(tokens.b).post(url).status_code == 404
    api.force_authenticate(carol)
    assert api.post(url).status_code == 404
    assert AccessAttempt.objects.filter(username="bob").exists()
    response = token_client(tokens.a).post(url)
    assert response.status_code == 200
    assert response.json() == {"id": bob_locked.cardmember.pk, "records_cleared": 1}
    assert not AccessAttempt.objects.filter(username="bob").exists()
    entry = AuditEntry.objects.get(action=AuditEntry.Action.LOGIN_UNLOCKED)
    assert entry.actor.startswith("api-token:")
    api.force_authenticate(alice)
    assert api.post(url).json()["records_cleared"] == 0
    assert AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN_UNLOCKED).count() == 2


def test_the_cardmember_cannot_unlock_through_the_api(bob, api):
    api.force_authenticate(bob)
    assert api.post(f"/api/v1/cardmembers/{bob.cardmember.pk}/unlock-login/").status_code == 404


def test_the_action_is_in_the_api_schema(client):
    schema = client.get("/api/schema/").content.decode()
    assert "/api/v1/cardmembers/{id}/unlock-login/" in schema and "Unlock the cardmember" in schema
