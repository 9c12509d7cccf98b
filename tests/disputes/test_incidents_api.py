"""Unauthorized-use incidents and the refund request's information steps over the API (SPEC section 12):
what ops do in the admin, a client can do too; outsiders get 404, non-ops 403 `ops_only`."""

import datetime as dt

import pytest
import time_machine

from disputes.models import RefundRequest, UnauthorizedUseIncident
from tests.conftest import token_client
from tests.disputes.conftest import charge

pytestmark = pytest.mark.django_db
CURRENT_TIME = dt.datetime(2026, 3, 20, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(CURRENT_TIME, tick=False):
        yield


def test_an_incident_is_reported_by_the_company_and_resolved_by_ops(tokens, bob_card, b_account, client, bob):
    a, b, ops = token_client(tokens.a), token_client(tokens.b), token_client(tokens.ops)
    body = {"card_id": bob_card.card.pk, "kind": "stolen", "note": "Berlin"}  # the date is a fact (issue 15 item 11)
    assert b.post("/api/v1/incidents/", body, format="json").status_code == 404
    assert not UnauthorizedUseIncident.objects.exists()

    opened = a.post("/api/v1/incidents/", body, format="json")
    assert opened.status_code == 201, opened.json()
    incident = opened.json()
    assert (incident["status"], incident["kind"], incident["card_last4"]) == ("open", "stolen", bob_card.card.last4)
    assert bob_card.pan not in str(incident)

    assert b.get(f"/api/v1/incidents/{incident['id']}/").status_code == 404
    assert len(b.get("/api/v1/incidents/").json()["results"]) == 0
    assert b.post(f"/api/v1/incidents/{incident['id']}/resolve/", {"finding": "capped"},
                  format="json").status_code == 404
    refused = a.post(f"/api/v1/incidents/{incident['id']}/resolve/", {"finding": "capped"}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "ops_only")
    client.force_login(bob)
    assert [row["id"] for row in client.get("/api/v1/incidents/").json()["results"]] == [incident["id"]]

    resolved = ops.post(f"/api/v1/incidents/{incident['id']}/resolve/", {"finding": "capped"}, format="json")
    assert resolved.status_code == 200, resolved.json()
    assert (resolved.json()["status"], resolved.json()["finding"]) == ("resolved", "capped")
    assert len(a.get("/api/v1/incidents/", {"status": "resolved"}).json()["results"]) == 1


def test_ops_ask_for_information_then_mark_it_complete(tokens, bob_account, bob_card):
    rental = charge(bob_account, "1200.00", dt.date(2026, 3, 16), "RENT", card=bob_card.card, country="DE")
    a, b, ops = token_client(tokens.a), token_client(tokens.b), token_client(tokens.ops)
    refund_id = a.post("/api/v1/refund-requests/", {"charge_id": rental.pk, "expected_amount": "300.00",
                                                    "explanation": "Deposit became the full price"},
                       format="json").json()["id"]
    url = f"/api/v1/refund-requests/{refund_id}/"
    assert b.post(url + "ask-information/", {"note": "x"}, format="json").status_code == 404
    refused = a.post(url + "ask-information/", {"note": "x"}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "ops_only")

    asked = ops.post(url + "ask-information/", {"note": "Please send the rental contract."}, format="json")
    assert asked.status_code == 200, asked.json()
    assert (asked.json()["status"], asked.json()["decision_due_on"]) == ("awaiting_information", None)
    assert RefundRequest.objects.get(pk=refund_id).status == RefundRequest.Status.AWAITING_INFORMATION
    complete = ops.post(url + "information-complete/", {"note": ""}, format="json")
    assert complete.status_code == 200, complete.json()
    # 20 March + 10 bank days, with Maundy Thursday to Easter Monday closed: 8 April.
    assert (complete.json()["status"], complete.json()["decision_due_on"]) == ("submitted", "2026-04-08")
