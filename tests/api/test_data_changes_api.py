"""PATCH /api/v1/cardmembers/{id}/ and /api/v1/companies/{number}/ (issue 8): the portal's services,
audited; another company's token or PA gets 404 and changes nothing."""

from __future__ import annotations

from rest_framework.test import APIClient

from accounts.models import AuditEntry
from tests.conftest import token_client


def test_company_token_patches_a_cardmember_and_it_is_audited(tokens, bob_account):
    cardmember = bob_account.cardmember
    response = token_client(tokens.a).patch(f"/api/v1/cardmembers/{cardmember.pk}/",
                                            {"city": "Aalborg", "cost_centre": "R&D"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["city"] == "Aalborg" and response.json()["cost_centre"] == "R&D"
    entry = AuditEntry.objects.get(action="cardmember_updated")
    assert entry.actor.startswith("api-token:") and entry.details["changes"]["city"]["after"] == "Aalborg"


def test_other_companys_token_and_pa_get_404(tokens, bob_account, carol, api):
    url = f"/api/v1/cardmembers/{bob_account.cardmember.pk}/"
    assert token_client(tokens.b).patch(url, {"city": "X"}, format="json").status_code == 404
    assert token_client(tokens.b).patch("/api/v1/companies/10001/", {"city": "X"}, format="json").status_code == 404
    api.force_authenticate(carol)
    assert api.patch(url, {"city": "X"}, format="json").status_code == 404
    assert api.patch("/api/v1/companies/10001/", {"city": "X"}, format="json").status_code == 404
    bob_account.cardmember.refresh_from_db()
    assert bob_account.cardmember.city != "X"
    assert not AuditEntry.objects.exists()


def test_holder_may_not_change_their_cost_centre(bob, bob_account, api):
    api.force_authenticate(bob)
    url = f"/api/v1/cardmembers/{bob_account.cardmember.pk}/"
    assert api.patch(url, {"phone": "+45 11 22 33 44"}, format="json").status_code == 200
    refused = api.patch(url, {"cost_centre": "X"}, format="json")
    assert refused.status_code == 400 and "cost_centre" in refused.json()["detail"]


def test_pa_patches_company_bank_details_and_a_bad_iban_saves_nothing(alice, company_a, api):
    api.force_authenticate(alice)
    bad = api.patch("/api/v1/companies/10001/", {"iban": "DK5000400440116244", "city": "Vejle"}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_iban"
    company_a.refresh_from_db()
    assert (company_a.iban, company_a.city) == ("", "")
    good = api.patch("/api/v1/companies/10001/", {"iban": "DK50 0040 0440 1162 43", "bic": "DABADKKK",
                                                  "authorised_signatories": ["Mette Nordlys (CFO)"]}, format="json")
    # Issue 15 item 5 changed this deliberately: new bank details answer 202 and wait for a second person;
    # the signatories given with them are saved at once.
    assert good.status_code == 202, good.content
    assert good.json()["changes"]["iban"] == {"before": "", "after": "DK5000400440116243"}
    company_a.refresh_from_db()
    assert (company_a.iban, company_a.authorised_signatories) == ("", ["Mette Nordlys (CFO)"])
    assert [e.action for e in AuditEntry.objects.order_by("id")] == ["change_requested", "company_updated"]


def test_the_schema_documents_both_patches(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    assert "patch" in schema["paths"]["/api/v1/cardmembers/{id}/"]
    assert "patch" in schema["paths"]["/api/v1/companies/{number}/"]
    assert "post" in schema["paths"]["/api/v1/companies/{number}/administrators/"]


def test_company_token_adds_and_removes_a_pa_and_outsiders_get_404(tokens, alice, company_a, bob):
    url = "/api/v1/companies/10001/administrators/"
    client = token_client(tokens.a)
    added = client.post(url, {"email": "new.pa@alpha.dk"}, format="json")
    # Issue 15 item 5 changed this deliberately: 202, and the PA is one once another person (alice) approves.
    assert added.status_code == 202, added.content
    assert [row["email"] for row in client.get(url).json()["results"]] == ["alice@example.com"]
    api = APIClient()
    api.force_authenticate(alice)
    approved = api.post(f"/api/v1/change-requests/{added.json()['id']}/approve/", format="json")
    assert approved.status_code == 200, approved.content
    assert [row["email"] for row in client.get(url).json()["results"]] == ["alice@example.com", "new.pa@alpha.dk"]
    removed = client.post(url + "remove/", {"email": "new.pa@alpha.dk"}, format="json")
    assert [row["email"] for row in removed.json()] == ["alice@example.com"]
    last = client.post(url + "remove/", {"email": "alice@example.com"}, format="json")
    assert last.status_code == 400 and last.json()["code"] == "last_administrator"
    outsider = token_client(tokens.b)
    assert outsider.get(url).status_code == 404
    assert outsider.post(url, {"email": "mole@beta.dk"}, format="json").status_code == 404
    assert outsider.post(url + "remove/", {"email": "alice@example.com"}, format="json").status_code == 404
    assert [e.action for e in AuditEntry.objects.order_by("id")] == ["change_requested", "pa_added", "change_decided",
                                                                    "pa_removed"]
    assert company_a.administrators.count() == 1
