"""Disputes and refund requests over the API (SPEC sections 12, 16): holders open, add evidence and
withdraw; only ops decide; carol and company B's token see and touch nothing of company A's."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from disputes.attachments import FILE_TYPE_NOT_ALLOWED
from disputes.models import Dispute, RefundRequest
from disputes.services.common import OPS_ONLY
from ledger.models import Posting
from tests.conftest import token_client
from tests.disputes.conftest import PDF, assert_ledger_clean, charge

pytestmark = pytest.mark.django_db
CURRENT_TIME = dt.datetime(2026, 3, 20, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(CURRENT_TIME, tick=False):
        yield


@pytest.fixture
def hotel(bob_account, bob_card):
    return charge(bob_account, "1000.00", dt.date(2026, 3, 16), "API1", card=bob_card.card, country="SE",
                  merchant="Grand Hotel", city="Stockholm")


def open_dispute(client, hotel, **data):
    # Issue 16 item 7: an error (was not_received, a goods complaint that now posts no temporary credit).
    return client.post("/api/v1/disputes/", {"charge_id": hotel.pk, "reason": "wrong_amount", **data},
                       format="json")


def test_a_company_token_opens_a_dispute_and_sees_the_credit(tokens, hotel):
    response = open_dispute(token_client(tokens.a), hotel, amount="400.00", note="Room was never provided")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["amount"], body["credited"], body["currency"]) == ("open", "400.00", "400.00",
                                                                                    "DKK")
    assert body["opened_on"] == "2026-03-20" and body["late"] is False
    assert body["opened_by"].startswith("API token A")
    assert [event["action"] for event in body["events"]] == ["opened", "credited", "evidence_added"]
    credit = Posting.objects.get(source_key=f"dispute/{body['id']}/credit")
    assert credit.posting_date == dt.date(2026, 3, 20)
    listed = token_client(tokens.a).get("/api/v1/disputes/", {"status": "open"}).json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    assert_ledger_clean()


def test_a_pa_uploads_a_pdf_and_downloads_it_back(api, alice, hotel):
    api.force_login(alice)
    upload = SimpleUploadedFile("invoice.pdf", PDF, content_type="application/pdf")
    response = api.post("/api/v1/disputes/", {"charge_id": hotel.pk, "reason": "defective", "file": upload},
                        format="multipart")
    assert response.status_code == 201, response.json()
    evidence = response.json()["evidence"][0]
    assert (evidence["original_name"], evidence["content_type"]) == ("invoice.pdf", "application/pdf")
    download = api.get(evidence["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"]


def test_a_file_that_is_not_pdf_png_or_jpeg_is_refused_whatever_its_name(tokens, hotel):
    fake = SimpleUploadedFile("invoice.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf")
    response = token_client(tokens.a).post("/api/v1/disputes/", {"charge_id": hotel.pk, "reason": "defective",
                                                                 "file": fake}, format="multipart")
    assert response.status_code == 400
    assert response.json() == {"code": "invalid_attachment", "detail": FILE_TYPE_NOT_ALLOWED,
                               "fields": {"file": [{"code": "invalid_attachment", "message": FILE_TYPE_NOT_ALLOWED}]},
                               "request_id": response["X-Request-ID"]}
    assert not Dispute.objects.exists() and not Posting.objects.filter(kind="dispute_credit").exists()


def test_only_ops_decide(tokens, hotel):
    dispute_id = open_dispute(token_client(tokens.a), hotel).json()["id"]
    response = token_client(tokens.a).post(f"/api/v1/disputes/{dispute_id}/transition/",
                                           {"status": "investigating"}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == OPS_ONLY
    ops = token_client(tokens.ops)
    assert ops.post(f"/api/v1/disputes/{dispute_id}/transition/", {"status": "investigating"},
                    format="json").json()["status"] == "investigating"
    body = ops.post(f"/api/v1/disputes/{dispute_id}/transition/", {"status": "lost", "note": "Delivered"},
                    format="json").json()
    assert body["status"] == "lost"
    assert Posting.objects.get(source_key=f"dispute/{dispute_id}/reversal").amount.amount == 1000


def test_the_holder_withdraws_over_the_api(api, bob, hotel):
    api.force_login(bob)
    dispute_id = open_dispute(api, hotel).json()["id"]
    body = api.post(f"/api/v1/disputes/{dispute_id}/withdraw/", {"note": "Found the receipt"},
                    format="json").json()
    assert body["status"] == "withdrawn"
    assert_ledger_clean()


def test_outsiders_see_and_touch_nothing_of_company_a(api, tokens, carol, alice, hotel, b_account):
    upload = SimpleUploadedFile("invoice.pdf", PDF, content_type="application/pdf")
    body = token_client(tokens.a).post("/api/v1/disputes/", {"charge_id": hotel.pk, "reason": "defective",
                                                             "file": upload}, format="multipart").json()
    dispute_id, evidence_id = body["id"], body["evidence"][0]["id"]
    assert token_client(tokens.a).get(body["evidence"][0]["download_url"]).status_code == 200
    for client in (token_client(tokens.b), _logged_in(api, carol)):
        assert client.get(f"/api/v1/disputes/{dispute_id}/").status_code == 404
        assert client.get("/api/v1/disputes/").json()["results"] == []
        assert open_dispute(client, hotel).status_code == 404  # A's charge is not theirs to dispute
        for action in ("withdraw", "evidence", "transition"):
            response = client.post(f"/api/v1/disputes/{dispute_id}/{action}/", {"note": "x"}, format="json")
            assert response.status_code == 404, action
        assert client.get(f"/api/v1/disputes/{dispute_id}/evidence/{evidence_id}/file/").status_code == 404
    assert Dispute.objects.get(pk=dispute_id).status == "open"
    assert Dispute.objects.count() == 1


def _logged_in(api, user):
    api.force_login(user)
    return api


def test_refund_requests_over_the_api(tokens, bob_account, bob_card):
    rental = charge(bob_account, "1200.00", dt.date(2026, 3, 16), "RENT", card=bob_card.card, country="DE")
    client = token_client(tokens.a)
    response = client.post("/api/v1/refund-requests/", {"charge_id": rental.pk, "expected_amount": "300.00",
                                                        "explanation": "Deposit became the full price"},
                           format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    # 20 March + 10 bank days, with Maundy Thursday to Easter Monday closed: 8 April.
    assert (body["status"], body["decision_due_on"]) == ("submitted", "2026-04-08")
    refund_id = body["id"]
    assert client.post(f"/api/v1/refund-requests/{refund_id}/decision/", {"granted": True},
                       format="json").status_code == 403
    assert token_client(tokens.b).get(f"/api/v1/refund-requests/{refund_id}/").status_code == 404
    decided = token_client(tokens.ops).post(f"/api/v1/refund-requests/{refund_id}/decision/",
                                            {"granted": True, "reason": "Agreed"}, format="json").json()
    assert decided["status"] == "granted"
    assert RefundRequest.objects.get(pk=refund_id).credit_posting.amount.amount == -1200
    assert_ledger_clean()


def test_an_idempotency_key_opens_one_dispute(tokens, hotel):
    client = token_client(tokens.a)
    first = client.post("/api/v1/disputes/", {"charge_id": hotel.pk, "reason": "duplicate", "amount": "10.00"},
                        format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/v1/disputes/", {"charge_id": hotel.pk, "reason": "duplicate", "amount": "10.00"},
                        format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Dispute.objects.count() == 1


def test_lists_cost_the_same_queries_however_many_cases(tokens, bob_account, bob_card, holder,
                                                        django_assert_max_num_queries):
    from disputes.services import dispute_open, refund_request_submit
    from tests.disputes.conftest import dkk

    for number in range(6):
        posting = charge(bob_account, "100.00", dt.date(2026, 3, 16), f"L{number}", card=bob_card.card,
                         country="FI")
        dispute_open(charge=posting, reason="duplicate", by=holder, on=dt.date(2026, 3, 17))
        refund_request_submit(charge=posting, expected_amount=dkk("50.00"), explanation="x", by=holder,
                              on=dt.date(2026, 3, 17))
    client = token_client(tokens.a)
    for url in ("/api/v1/disputes/", "/api/v1/refund-requests/"):
        with django_assert_max_num_queries(5):
            assert len(client.get(url).json()["results"]) == 6
