"""Joint liability (terms §12a-ii): the cardmember marks a charge personal so the company is not
liable for it; the PA sees the mark; a non-joint account gets a clear error; outsiders get 404."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.audit import Actor, Role
from accounts.models import AuditEntry
from amexprog.common.errors import ApplicationError
from liability.models import PersonalCharge
from liability.services import NOT_JOINT, personal_charge_mark, personal_charge_unmark
from tests.conftest import token_client
from tests.statements.test_reports import charge

pytestmark = pytest.mark.django_db
ON = dt.date(2026, 1, 21)
CURRENT_TIME = dt.datetime(2026, 1, 21, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    """The cardmember sees three months back from today (terms §8b): today is 21 January 2026."""
    with time_machine.travel(CURRENT_TIME, tick=False):
        yield


@pytest.fixture
def joint(bob_account):
    bob_account.liability = "joint"
    bob_account.save(update_fields=["liability"])
    return bob_account


@pytest.fixture
def dinner(joint, bob_card):
    return charge(joint, "purchase", "250.00", dt.date(2026, 1, 20), "p/dinner", merchant="Noma", mcc="5812",
                  card=bob_card.card)


def holder(user) -> Actor:
    return Actor(Role.HOLDER, f"user:{user.username}", user.pk)


def test_the_holder_marks_and_unmarks_a_charge_and_both_are_audited(dinner, bob):
    mark = personal_charge_mark(posting=dinner, by=holder(bob), on=ON, note="Family dinner")
    assert mark.account == dinner.account and mark.marked_by == bob and mark.note == "Family dinner"
    with pytest.raises(ApplicationError) as twice:
        personal_charge_mark(posting=dinner, by=holder(bob), on=ON)
    assert twice.value.code == "already_personal"
    personal_charge_unmark(posting=dinner, by=holder(bob), on=ON)
    assert not PersonalCharge.objects.exists()
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "charge_marked_personal", "charge_unmarked_personal"]
    with pytest.raises(ApplicationError) as gone:
        personal_charge_unmark(posting=dinner, by=holder(bob), on=ON)
    assert gone.value.code == "not_personal"


def test_a_non_joint_account_cannot_mark_a_charge(bob_account, bob_card, bob):
    lunch = charge(bob_account, "purchase", "90.00", dt.date(2026, 1, 20), "p/lunch", merchant="Cafe", mcc="5814")
    with pytest.raises(ApplicationError) as refused:
        personal_charge_mark(posting=lunch, by=holder(bob), on=ON)
    assert refused.value.code == "not_joint_liability"
    assert refused.value.message == NOT_JOINT.format(account=bob_account.number)


def test_only_charges_and_only_the_holder(joint, dinner, alice, bob):
    fee = charge(joint, "fee_annual", "650.00", dt.date(2026, 1, 5), "p/fee", merchant="", mcc="")
    with pytest.raises(ApplicationError) as not_charge:
        personal_charge_mark(posting=fee, by=holder(bob), on=ON)
    assert not_charge.value.code == "not_a_charge"
    with pytest.raises(ApplicationError) as pa:
        personal_charge_mark(posting=dinner, by=Actor(Role.COMPANY, "user:alice", alice.pk), on=ON)
    assert pa.value.code == "not_allowed"


def test_portal_the_holder_marks_and_the_pa_sees_it(client, dinner, bob, alice):
    client.force_login(bob)
    page = client.get(reverse("portal:account_transactions", args=[dinner.account.number])).content.decode()
    assert "Mark as personal" in page
    response = client.post(reverse("portal:charge_personal", args=[dinner.pk]), {"verb": "mark"}, follow=True)
    html = response.content.decode()
    assert "The charge is marked as personal" in html and "Personal: the company is not liable" in html
    assert PersonalCharge.objects.filter(posting=dinner).exists()
    client.force_login(alice)
    html = client.get(reverse("portal:account_transactions", args=[dinner.account.number])).content.decode()
    assert "Personal: the company is not liable" in html and "Mark as personal" not in html
    assert client.post(reverse("portal:charge_personal", args=[dinner.pk]), {"verb": "unmark"}).status_code == 404


def test_portal_a_non_joint_account_shows_the_error(client, bob_account, bob_card, bob):
    lunch = charge(bob_account, "purchase", "90.00", dt.date(2026, 1, 20), "p/lunch", merchant="Cafe", mcc="5814")
    client.force_login(bob)
    assert "Mark as personal" not in client.get(
        reverse("portal:account_transactions", args=[bob_account.number])).content.decode()
    response = client.post(reverse("portal:charge_personal", args=[lunch.pk]), {"verb": "mark"}, follow=True)
    assert "Your account is not under joint liability" in response.content.decode()
    assert not PersonalCharge.objects.exists()


def test_carol_gets_404(client, dinner, carol):
    client.force_login(carol)
    assert client.post(reverse("portal:charge_personal", args=[dinner.pk]), {"verb": "mark"}).status_code == 404
    assert not PersonalCharge.objects.exists()


def test_api_holder_marks_company_token_lists_outsider_sees_nothing(dinner, bob, tokens):
    session = APIClient()
    session.force_login(bob)
    response = session.post(f"/api/v1/charges/{dinner.pk}/personal/", {"note": "private"}, format="json")
    assert response.status_code == 201 and response.json()["amount"] == "250.00"
    again = session.post(f"/api/v1/charges/{dinner.pk}/personal/", {}, format="json")
    assert again.status_code == 400 and again.json()["code"] == "already_personal"
    listed = token_client(tokens.a).get("/api/v1/companies/10001/personal-charges/").json()
    assert [row["charge_id"] for row in listed["results"]] == [dinner.pk]
    denied = token_client(tokens.a).post(f"/api/v1/charges/{dinner.pk}/personal/", {}, format="json")
    assert denied.status_code == 403 and denied.json()["code"] == "not_allowed"
    outsider = token_client(tokens.b)
    assert outsider.get("/api/v1/companies/10001/personal-charges/").status_code == 404
    assert outsider.delete(f"/api/v1/charges/{dinner.pk}/personal/").status_code == 404
    assert session.delete(f"/api/v1/charges/{dinner.pk}/personal/").status_code == 204
    assert not PersonalCharge.objects.exists()
