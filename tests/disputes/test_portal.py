"""Disputes and refund requests in the portal (SPEC section 12): a cardmember disputes from the
transactions page with a file, follows the history, withdraws; a PA sees the company's cases; carol
gets a 404 for every page and action of company A's."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from disputes.attachments import FILE_TOO_LARGE
from disputes.models import Dispute, RefundRequest
from ledger.models import Posting
from tests.disputes.conftest import JPEG, PNG, assert_ledger_clean, charge

pytestmark = pytest.mark.django_db
CURRENT_TIME = dt.datetime(2026, 3, 20, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(CURRENT_TIME, tick=False):
        yield


@pytest.fixture
def hotel(bob_account, bob_card):
    return charge(bob_account, "1000.00", dt.date(2026, 3, 16), "P1", card=bob_card.card, country="DE",
                  merchant="Hotel Adlon", city="Berlin")


def test_a_cardmember_disputes_a_charge_from_the_transactions_page(client, bob, hotel):
    client.force_login(bob)
    transactions = client.get(reverse("portal:account_transactions", args=[hotel.account.number])).content.decode()
    link = reverse("portal:dispute_new", args=[hotel.pk])
    assert link in transactions
    page = client.get(link)
    assert page.status_code == 200
    assert "Hotel Adlon" in page.content.decode()
    photo = SimpleUploadedFile("broken.png", PNG, content_type="image/png")
    response = client.post(link, {"reason": "defective", "amount": "250.00", "note": "Broken minibar charged",
                                  "file": photo})
    dispute = Dispute.objects.get()
    assert response.status_code == 302 and response.url == reverse("portal:dispute_detail", args=[dispute.pk])
    assert dispute.credited.amount == 250
    detail = client.get(response.url).content.decode()
    assert "Broken minibar charged" in detail and "broken.png" in detail
    download = client.get(reverse("portal:dispute_evidence_file", args=[dispute.pk, dispute.evidence.get().pk]))
    assert b"".join(download.streaming_content) == PNG and download["Content-Type"] == "image/png"
    assert_ledger_clean()


def test_a_too_large_file_is_a_form_error_and_nothing_is_posted(client, bob, hotel, settings):
    settings.DISPUTE_ATTACHMENT_MAX_BYTES = 1024
    client.force_login(bob)
    big = SimpleUploadedFile("scan.jpg", JPEG + b"\x00" * 2000, content_type="image/jpeg")
    response = client.post(reverse("portal:dispute_new", args=[hotel.pk]), {"reason": "other", "file": big})
    assert response.status_code == 400
    assert FILE_TOO_LARGE.format(size=len(JPEG) + 2000, limit=1024) in response.content.decode()
    assert not Dispute.objects.exists() and not Posting.objects.filter(kind="dispute_credit").exists()


def test_the_cardmember_adds_evidence_then_withdraws(client, bob, hotel):
    client.force_login(bob)
    client.post(reverse("portal:dispute_new", args=[hotel.pk]), {"reason": "duplicate"})
    dispute = Dispute.objects.get()
    detail = reverse("portal:dispute_detail", args=[dispute.pk])
    assert client.post(detail, {"note": "Charged twice the same night"}).status_code == 302
    response = client.post(reverse("portal:dispute_withdraw", args=[dispute.pk]), {"note": "Hotel refunded"})
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.status == "withdrawn"
    page = client.get(detail).content.decode()
    assert "Charged twice the same night" in page and "Hotel refunded" in page
    assert "Withdraw the dispute" not in page  # nothing more to do on a closed case


def test_a_pa_sees_the_company_cases_and_asks_for_a_refund(client, alice, hotel):
    client.force_login(alice)
    response = client.post(reverse("portal:refund_request_new", args=[hotel.pk]),
                           {"expected_amount": "200.00", "explanation": "Quoted 200 per night"})
    refund = RefundRequest.objects.get()
    assert response.url == reverse("portal:refund_request_detail", args=[refund.pk])
    page = client.get(reverse("portal:company_disputes", args=[hotel.account.company.number])).content.decode()
    assert "Hotel Adlon" in page and "Bob Jensen" in page
    company = client.get(reverse("portal:company_detail", args=[hotel.account.company.number])).content.decode()
    assert reverse("portal:company_disputes", args=[hotel.account.company.number]) in company


def test_a_refused_refund_request_shows_why_on_the_form(client, bob, bob_account, bob_card):
    us_hotel = charge(bob_account, "900.00", dt.date(2026, 3, 16), "US1", card=bob_card.card, country="US")
    client.force_login(bob)
    url = reverse("portal:refund_request_new", args=[us_hotel.pk])
    assert "outside the EEA" in client.get(url).content.decode()
    response = client.post(url, {"expected_amount": "100.00", "explanation": "More than quoted"})
    assert response.status_code == 400
    assert "only for merchants in the EEA; this merchant is in US" in response.content.decode()
    assert not RefundRequest.objects.exists()


def test_carol_gets_404_for_every_page_and_action_of_company_a(client, bob, carol, hotel):
    client.force_login(bob)
    client.post(reverse("portal:dispute_new", args=[hotel.pk]), {"reason": "duplicate"})
    client.post(reverse("portal:refund_request_new", args=[hotel.pk]),
                {"expected_amount": "200.00", "explanation": "Quoted 200"})
    dispute, refund = Dispute.objects.get(), RefundRequest.objects.get()
    client.force_login(carol)
    gets = [reverse("portal:dispute_new", args=[hotel.pk]), reverse("portal:refund_request_new", args=[hotel.pk]),
            reverse("portal:dispute_detail", args=[dispute.pk]),
            reverse("portal:refund_request_detail", args=[refund.pk]),
            reverse("portal:account_disputes", args=[hotel.account.number]),
            reverse("portal:company_disputes", args=[hotel.account.company.number])]
    for url in gets:
        assert client.get(url).status_code == 404, url
    posts = [reverse("portal:dispute_new", args=[hotel.pk]), reverse("portal:dispute_detail", args=[dispute.pk]),
             reverse("portal:dispute_withdraw", args=[dispute.pk]),
             reverse("portal:refund_request_withdraw", args=[refund.pk])]
    for url in posts:
        assert client.post(url, {"reason": "other", "note": "mine now"}).status_code == 404, url
    assert Dispute.objects.get().status == "open" and Dispute.objects.count() == 1
    assert RefundRequest.objects.get().status == "submitted"
