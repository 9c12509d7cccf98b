"""A PA changes the company's data and its PAs in the portal (issue 8); each change audited, a bad
IBAN a clear form error with nothing saved; outsiders get 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import AuditEntry, ChangeRequest
from tests.accounts.factories import ProgrammeAdministratorFactory, UserFactory

EDIT = reverse("portal:company_edit", args=["10001"])
PAS = reverse("portal:company_administrators", args=["10001"])
REMOVE = reverse("portal:company_administrator_remove", args=["10001"])
DATA = {"address_line": "Havnegade 3", "postal_code": "1058", "city": "København K", "country": "DK",
        "iban": "DK50 0040 0440 1162 43", "bic": "DABADKKK",
        "authorised_signatories": "Mette Nordlys (CFO)\nOle Hansen (CEO)"}


@pytest.fixture
def anna(company_a):
    """A second PA of company A: the second person of SPEC section 17."""
    return ProgrammeAdministratorFactory(user=UserFactory(username="anna", first_name="Anna"),
                                         companies=[company_a]).user


def _approve_in_portal(client, pa, company) -> None:
    client.force_login(pa)
    pending = ChangeRequest.objects.get(company=company, status="pending")
    url = reverse("portal:company_change_decide", args=[company.number, pending.pk, "approve"])
    page = client.post(url, follow=True).content.decode()
    assert "The change is approved and applies now." in page


def test_pa_saves_company_data(client, alice, anna, company_a):
    # Issue 15 item 5 changed this deliberately: the bank details apply once another PA (anna) approves.
    client.force_login(alice)
    response = client.post(EDIT, DATA, follow=True)
    assert "The new bank details wait for approval" in response.content.decode()
    company_a.refresh_from_db()
    assert company_a.iban == ""
    assert company_a.authorised_signatories == ["Mette Nordlys (CFO)", "Ole Hansen (CEO)"]
    _approve_in_portal(client, anna, company_a)
    company_a.refresh_from_db()
    assert company_a.iban == "DK5000400440116243"
    page = client.get(EDIT).content.decode()
    assert "Company data changed" in page and "DK5000400440116243" in page


def test_bad_iban_is_a_form_error_and_saves_nothing(client, alice, company_a):
    client.force_login(alice)
    response = client.post(EDIT, {**DATA, "iban": "DK50 0040 0440 1162 44"})
    assert response.status_code == 400
    assert "This IBAN is not valid" in response.content.decode()
    company_a.refresh_from_db()
    assert (company_a.iban, company_a.city) == ("", "")
    assert not AuditEntry.objects.exists()


def test_pa_adds_and_removes_a_pa_by_email(client, alice, anna, company_a):
    # Issue 15 item 5 changed this deliberately: the new PA is one once another PA (anna) approves.
    client.force_login(alice)
    assert client.post(PAS, {"email": "new.pa@alpha.dk"}).status_code == 302
    assert not company_a.administrators.filter(user__email="new.pa@alpha.dk").exists()
    _approve_in_portal(client, anna, company_a)
    client.force_login(alice)
    assert "new.pa@alpha.dk" in client.get(PAS).content.decode()
    client.post(REMOVE, {"email": "new.pa@alpha.dk"})
    client.post(REMOVE, {"email": "anna@example.com"})
    assert not company_a.administrators.filter(user__email="new.pa@alpha.dk").exists()
    last = client.post(REMOVE, {"email": "alice@example.com"}, follow=True).content.decode()
    assert "last programme administrator cannot be removed" in last
    assert list(AuditEntry.objects.filter(action__in=("pa_added", "pa_removed")).order_by("id")
                .values_list("action", flat=True)) == ["pa_added", "pa_removed", "pa_removed"]


def test_outsider_cannot_see_or_change_company_data_or_pas(client, carol, alice, company_a):
    client.force_login(carol)
    for url in (EDIT, PAS):
        assert client.get(url).status_code == 404
        assert client.post(url, {**DATA, "email": "carol@example.com"}).status_code == 404
    assert client.post(REMOVE, {"email": "alice@example.com"}).status_code == 404
    company_a.refresh_from_db()
    assert company_a.iban == "" and company_a.administrators.count() == 1
    assert not AuditEntry.objects.exists()
