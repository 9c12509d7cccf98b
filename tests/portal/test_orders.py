"""Card ordering in the PA portal: one card, or a Central Order Card file (SPEC sections 1, 11)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from moneyed import Money

from accounts.imports import NOT_YOUR_COMPANY
from accounts.models import Card, Cardmember
from accounts.services import CARDMEMBER_EXISTS
from tests.accounts.order_files import card_file, card_rows, full_pans_in

pytestmark = pytest.mark.django_db

CURRENT_TIME = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)

ORDER = {
    "employee_id": "E-77", "first_name": "Ida", "last_name": "Berg", "email": "ida@example.com", "phone": "",
    "cost_centre": "CC-10", "language": "da", "address_line": "", "postal_code": "", "city": "", "country": "",
    "liability": "", "billing": "", "cycle_day": "5", "monthly_limit": "5000.00",
}


def order_url(company_number: str = "10001") -> str:
    return reverse("portal:order_new", args=[company_number])


def upload_url(company_number: str = "10001") -> str:
    return reverse("portal:order_upload", args=[company_number])


def csv_upload(content: bytes) -> dict[str, SimpleUploadedFile]:
    return {"file": SimpleUploadedFile("cards.csv", content, content_type="text/csv")}


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


def test_the_company_page_links_to_both_ways_of_ordering(alice_client):
    page = alice_client.get(reverse("portal:company_detail", args=["10001"])).content.decode()
    assert order_url() in page and upload_url() in page


@time_machine.travel(CURRENT_TIME, tick=False)
def test_alice_orders_one_card_and_sees_it_masked(alice_client):
    response = alice_client.post(order_url(), ORDER, follow=True)

    card = Card.objects.select_related("account__cardmember").get()
    assert card.account.cardmember.full_name == "Ida Berg"
    assert card.issued_on == dt.date(2026, 3, 2) and card.monthly_limit == Money("5000.00", "DKK")
    assert response.redirect_chain[-1][0] == reverse("portal:company_detail", args=["10001"])
    page = response.content.decode()
    assert card.masked_number in page
    assert full_pans_in(page) == []


def test_the_form_offers_cash_and_eurobonus_only_when_the_programme_allows_them(alice_client, company_a):
    page = alice_client.get(order_url()).content.decode()
    assert 'name="cash_enabled"' not in page and 'name="eurobonus_number"' not in page

    company_a.cash_allowed = company_a.eurobonus_allowed = True
    company_a.save()
    page = alice_client.get(order_url()).content.decode()
    assert 'name="cash_enabled"' in page and 'name="eurobonus_number"' in page


def test_a_eurobonus_number_on_the_form_enrols_the_cardmember(alice_client, company_a):
    company_a.eurobonus_allowed = True
    company_a.save()
    alice_client.post(order_url(), {**ORDER, "eurobonus_number": "EBS123456789"})
    cardmember = Cardmember.objects.get(employee_id="E-77")
    assert cardmember.eurobonus_number == "EBS123456789"
    assert cardmember.eurobonus_enrolled_on == cardmember.account.opened_on


def test_a_refused_order_shows_the_reason_on_the_form(alice_client):
    alice_client.post(order_url(), ORDER)
    response = alice_client.post(order_url(), ORDER)

    assert response.status_code == 200
    assert CARDMEMBER_EXISTS.format(company="10001", employee_id="E-77") in response.content.decode()
    assert Card.objects.count() == 1


def test_a_good_file_issues_the_cards_and_lists_them_masked(alice_client):
    response = alice_client.post(upload_url(), csv_upload(card_file(*card_rows(3))))

    assert response.status_code == 200
    page = response.content.decode()
    cards = list(Card.objects.all())
    assert len(cards) == 3
    for card in cards:
        assert card.masked_number in page
    assert full_pans_in(page) == []


def test_a_file_with_a_bad_row_issues_nothing_and_shows_row_column_and_reason(alice_client, company_b):
    rows = card_rows(3)
    rows[1]["company_number"] = "10002"  # row 3: alice's upload page is for company A only

    response = alice_client.post(upload_url(), csv_upload(card_file(*rows)))

    assert response.status_code == 400
    page = response.content.decode()
    assert "no card was issued" in page
    assert '<td class="num">3</td><td>company_number</td>' in page
    assert NOT_YOUR_COMPANY.format(number="10002") in page
    assert Card.objects.count() == 0


def test_carol_cannot_reach_company_as_order_pages(client, carol, company_a):
    client.force_login(carol)
    for url in (order_url(), upload_url()):
        assert client.get(url).status_code == 404
    assert client.post(order_url(), ORDER).status_code == 404
    assert client.post(upload_url(), csv_upload(card_file(*card_rows(1)))).status_code == 404
    assert Card.objects.count() == 0
    # The same 404 as for a company that does not exist.
    assert client.get(order_url("99999")).status_code == 404


def test_a_cardmember_or_anonymous_visitor_cannot_order(client, bob, company_a):
    assert client.get(order_url()).status_code == 302  # to the login page
    client.force_login(bob)
    assert client.get(order_url()).status_code == 404
