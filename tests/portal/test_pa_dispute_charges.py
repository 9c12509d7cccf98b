"""Disputes on behalf of a cardmember (PA sheet): the PA finds the charge and opens the dispute;
the case records the PA as who opened it. Carol sees nothing of company A."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from disputes.models import Dispute
from tests.statements.test_reports import charge

pytestmark = pytest.mark.django_db


@pytest.fixture
def charges(bob_account, bob_card):
    return [charge(bob_account, "purchase", "120.00", dt.date(2026, 1, 20), "d/taxi", merchant="Taxa 4x35",
                   mcc="4121", card=bob_card.card),
            charge(bob_account, "purchase", "80.00", dt.date(2026, 1, 21), "d/cafe", merchant="Cafe Norden",
                   mcc="5814", card=bob_card.card)]


def test_the_pa_finds_a_charge_and_disputes_it_for_the_cardmember(client, alice, charges):
    client.force_login(alice)
    url = reverse("portal:company_dispute_charges", args=["10001"])
    html = client.get(url).content.decode()
    assert "Taxa 4x35" in html and "Cafe Norden" in html
    html = client.get(url, {"q": "taxa"}).content.decode()
    assert "Taxa 4x35" in html and "Cafe Norden" not in html
    assert reverse("portal:dispute_new", args=[charges[0].pk]) in html
    assert reverse("portal:company_dispute_charges", args=["10001"]) in client.get(
        reverse("portal:company_disputes", args=["10001"])).content.decode()
    response = client.post(reverse("portal:dispute_new", args=[charges[0].pk]),
                           {"reason": "duplicate", "amount": "120.00", "note": "Charged twice"})
    assert response.status_code == 302
    dispute = Dispute.objects.get(charge=charges[0])
    assert dispute.account == charges[0].account and "alice" in dispute.opened_by


def test_carol_gets_404(client, carol, charges):
    client.force_login(carol)
    assert client.get(reverse("portal:company_dispute_charges", args=["10001"])).status_code == 404
    assert client.post(reverse("portal:dispute_new", args=[charges[0].pk]),
                       {"reason": "duplicate", "amount": "120.00"}).status_code == 404


def test_the_charge_finder_reads_a_fixed_number_of_queries(client, alice, bob_account, bob_card,
                                                           django_assert_max_num_queries):
    client.force_login(alice)
    for number in range(60):
        charge(bob_account, "purchase", "10.00", dt.date(2026, 1, 6), f"d/many-{number}", merchant="Kiosk",
               mcc="5499", card=bob_card.card)
    with django_assert_max_num_queries(12):
        html = client.get(reverse("portal:company_dispute_charges", args=["10001"])).content.decode()
    assert html.count(">Kiosk<") == 50  # one page
