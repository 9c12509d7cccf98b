"""Issue 15 item 5 over the API (SPEC section 17): the change endpoints answer 202 with the request
that waits for a second person; GET /change-requests/ lists them, …/approve/ and …/reject/ decide.
A token may ask, never approve; another company sees none of it."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from accounts.models import Company, SpendingControls
from tests.accounts.factories import UserFactory
from tests.conftest import token_client

NEW_IBAN = "DK3130003456789012"


def person(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_issue15_item5_api_iban_change_answers_202_and_waits_for_another_person(tokens, alice, company_a):
    token = token_client(tokens.a)
    asked = token.patch("/api/v1/companies/10001/", {"iban": NEW_IBAN}, format="json")
    assert asked.status_code == 202, asked.content
    body = asked.json()
    assert (body["kind"], body["status"], body["company"]) == ("bank_details", "pending", "10001")
    assert Company.objects.get(pk=company_a.pk).iban == ""
    listed = token.get("/api/v1/change-requests/", {"status": "pending"}).json()["results"]
    assert [row["id"] for row in listed] == [body["id"]]
    refused = token.post(f"/api/v1/change-requests/{body['id']}/approve/", format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "approver_not_a_person")
    approved = person(alice).post(f"/api/v1/change-requests/{body['id']}/approve/", format="json")
    assert (approved.status_code, approved.json()["status"]) == (200, "approved")
    assert Company.objects.get(pk=company_a.pk).iban == NEW_IBAN


def test_issue15_item5_api_self_approval_refused_and_rejection_changes_nothing(tokens, alice, company_a, carol):
    asked = person(alice).patch("/api/v1/companies/10001/", {"iban": NEW_IBAN}, format="json").json()
    url = f"/api/v1/change-requests/{asked['id']}/"
    own = person(alice).post(url + "approve/", format="json")
    assert (own.status_code, own.json()["code"]) == (403, "self_approval")
    assert person(carol).get(url).status_code == 404
    assert person(carol).post(url + "reject/", {"reason": "mine now"}, format="json").status_code == 404
    assert token_client(tokens.b).get("/api/v1/change-requests/").json()["results"] == []
    victor = UserFactory(username="victor", is_staff=True)  # ops with view rights only
    assert person(victor).post(url + "approve/", format="json").status_code == 403
    vera = UserFactory(username="vera", is_staff=True)  # ops who see companies and may approve (issue 15 item 3)
    vera.user_permissions.add(*Permission.objects.filter(codename__in=["approve_change", "view_company",
                                                                      "view_changerequest"]))
    rejected = person(vera).post(url + "reject/", {"reason": "Unknown bank"}, format="json")
    assert (rejected.status_code, rejected.json()["decision_reason"]) == (200, "Unknown bank")
    assert Company.objects.get(pk=company_a.pk).iban == ""


def test_issue15_item5_api_pa_add_and_limit_raise_answer_202_lowering_200(tokens, company_a, bob_card):
    token = token_client(tokens.a)
    added = token.post("/api/v1/companies/10001/administrators/", {"email": "new.pa@alpha.dk"}, format="json")
    assert (added.status_code, added.json()["kind"]) == (202, "pa_add")
    lowered = token.patch("/api/v1/companies/10001/controls/", {"daily_limit": "2000.00"}, format="json")
    assert (lowered.status_code, lowered.json()["daily_limit"]) == (200, "2000.00")
    raised = token.patch("/api/v1/companies/10001/controls/", {"daily_limit": "3000.00"}, format="json")
    assert (raised.status_code, raised.json()["changes"]) == (
        202, {"daily_limit": {"before": "2000.00", "after": "3000.00"}})
    assert SpendingControls.objects.get(company=company_a).daily_limit == 2000
    card = token.patch(f"/api/v1/cards/{bob_card.card.pk}/controls/", {"monthly_limit": None}, format="json")
    assert card.status_code == 200  # no limit before: nothing is raised
    schema = token.get("/api/schema/", {"format": "json"}).json()
    assert "202" in schema["paths"]["/api/v1/companies/{number}/"]["patch"]["responses"]
    assert "post" in schema["paths"]["/api/v1/change-requests/{id}/approve/"]
