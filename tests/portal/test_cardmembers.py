"""Cardmembers for PAs (issue 8): list with search, filters, order and pages in SQL (fixed query
count), a cardmember's page, and changing their data (audited); outsiders get 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from moneyed import Money

from accounts.models import Account, AuditEntry, Card, Cardmember
from ledger.services import posting_create
from tests.accounts.factories import AccountFactory, CardmemberFactory, issue_card
from tests.accounts.order_files import full_pans_in

LIST = reverse("portal:company_cardmembers", args=["10001"])


def member(company, n: int, **fields):
    cardmember = CardmemberFactory(company=company, first_name=fields.pop("first_name", "Member"),
                                   last_name=fields.pop("last_name", f"M{n:04d}"), employee_id=f"EMP{n:04d}",
                                   **fields)
    return AccountFactory(cardmember=cardmember)


def rows(page: str, marker: str = "M0") -> list[str]:
    return [line for line in page.splitlines() if "cardmembers/" in line and marker in line]


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


def test_search_filters_and_sort(alice_client, company_a, company_b, bob_account):
    anna = member(company_a, 1, first_name="Anna", last_name="Holm", email="anna.holm@alpha.dk", cost_centre="SALES")
    card = issue_card(anna).card
    bo = member(company_a, 2, first_name="Bo", last_name="Andersen", cost_centre="IT")
    Account.objects.filter(pk=bo.pk).update(status=Account.Status.SUSPENDED, liability="individual")
    blocked = issue_card(bo).card
    Card.objects.filter(pk=blocked.pk).update(status=Card.Status.BLOCKED)
    posting_create(account=bo, kind="purchase", amount=Money(Decimal("500.00"), "DKK"),
                   posting_date=dt.date(2026, 2, 1), source_key="c/bo")
    member(company_b, 3, first_name="Anna", last_name="Outsider")

    def names(**params) -> list[str]:
        page = alice_client.get(LIST, params).content.decode()
        return [n for n in ("Holm, Anna", "Andersen, Bo", "Jensen, Bob", "Outsider") if n in page]

    assert names() == ["Holm, Anna", "Andersen, Bo", "Jensen, Bob"]  # never company B's Anna
    assert names(q="anna") == ["Holm, Anna"]
    assert names(q="anna holm") == ["Holm, Anna"]
    assert names(q="EMP0002") == ["Andersen, Bo"]
    assert names(q="alpha.dk") == ["Holm, Anna"]
    assert names(q=card.last4) == ["Holm, Anna"]
    assert names(account_status="suspended") == ["Andersen, Bo"]
    assert names(card_status="blocked") == ["Andersen, Bo"]
    assert names(liability="individual") == ["Andersen, Bo"]
    assert names(cost_centre="sales") == ["Holm, Anna"]
    page = alice_client.get(LIST, {"sort": "-balance"}).content.decode()
    assert page.index("Andersen, Bo") < page.index("Holm, Anna") and "DKK\xa0500.00" in page
    page = alice_client.get(LIST, {"sort": "name"}).content.decode()
    assert page.index("Andersen, Bo") < page.index("Holm, Anna") < page.index("Jensen, Bob")
    page = alice_client.get(LIST, {"sort": "-employee_id"}).content.decode()
    assert page.index("Andersen, Bo") < page.index("Holm, Anna")
    page = alice_client.get(LIST, {"q": card.last4}).content.decode()
    assert card.masked_number in page and full_pans_in(page) == []


def test_fifty_per_page_and_filters_kept_across_pages(alice_client, company_a):
    for n in range(120):
        member(company_a, n, cost_centre="OPS")
    first = alice_client.get(LIST, {"cost_centre": "OPS"}).content.decode()
    assert len(rows(first)) == 50 and "120 cardmembers" in first and "Page 1 of 3" in first
    assert "cost_centre=OPS&amp;page=2" in first
    last = alice_client.get(LIST, {"cost_centre": "OPS", "page": 3}).content.decode()
    assert len(rows(last)) == 20 and "M0119" in last


@pytest.mark.parametrize("sort", ["name", "-balance", "status"])
def test_query_count_is_the_same_for_10_and_200_cardmembers(alice_client, company_a, sort,
                                                            django_assert_max_num_queries):
    def add(start: int, count: int) -> None:
        for n in range(start, start + count):
            account = member(company_a, n)
            issue_card(account)
            posting_create(account=account, kind="purchase", amount=Money(Decimal("10.00"), "DKK"),
                           posting_date=dt.date(2026, 2, 1), source_key=f"c/{n}")

    add(0, 10)
    with CaptureQueriesContext(connection) as ten:
        assert len(rows(alice_client.get(LIST, {"sort": sort, "q": "member"}).content.decode())) == 10
    assert len(ten.captured_queries) <= 12
    add(10, 190)
    with django_assert_max_num_queries(len(ten.captured_queries)):
        assert len(rows(alice_client.get(LIST, {"sort": sort, "q": "member"}).content.decode())) == 50


def test_outsider_gets_404_on_list_detail_and_edit(client, carol, bob_account):
    client.force_login(carol)
    pk = bob_account.cardmember.pk
    assert client.get(LIST).status_code == 404
    assert client.get(reverse("portal:cardmember_detail", args=["10001", pk])).status_code == 404
    assert client.get(reverse("portal:cardmember_edit", args=["10001", pk])).status_code == 404
    # Nor through her own company's URL.
    assert client.get(reverse("portal:cardmember_detail", args=["10002", pk])).status_code == 404
    response = client.post(reverse("portal:cardmember_edit", args=["10002", pk]), {"email": "x@evil.example"})
    assert response.status_code == 404
    assert Cardmember.objects.get(pk=pk).email != "x@evil.example"


def test_cardmember_page_shows_cards_masked_and_links(alice_client, bob_account, bob_card):
    posting_create(account=bob_account, kind="purchase", amount=Money(Decimal("42.00"), "DKK"),
                   posting_date=dt.date(2026, 2, 1), source_key="c/1", card=bob_card.card, merchant_name="Kiosk")
    page = alice_client.get(reverse("portal:cardmember_detail", args=["10001", bob_account.cardmember.pk]))
    page = page.content.decode()
    assert bob_card.card.masked_number in page and bob_card.pan not in page and full_pans_in(page) == []
    assert reverse("portal:card_controls", args=[bob_card.card.pk]) in page
    assert reverse("portal:account_statements", args=[bob_account.number]) in page
    assert "Kiosk" in page and "DKK\xa042.00" in page


def test_edit_saves_and_audits_and_a_bad_value_saves_nothing(alice_client, bob_account):
    cardmember = bob_account.cardmember
    url = reverse("portal:cardmember_edit", args=["10001", cardmember.pk])
    data = {"email": "bob.jensen@alpha.dk", "phone": "+45 22 33 44 55", "address_line": "Nørregade 1",
            "postal_code": "1165", "city": "København K", "country": "dk", "cost_centre": "FIN", "language": "en"}
    response = alice_client.post(url, data)
    assert response.status_code == 302
    cardmember.refresh_from_db()
    assert (cardmember.email, cardmember.city, cardmember.country, cardmember.language) == (
        "bob.jensen@alpha.dk", "København K", "DK", "en")
    entry = AuditEntry.objects.get(action="cardmember_updated")
    assert entry.details["changes"]["cost_centre"] == {"before": "", "after": "FIN"}
    detail = alice_client.get(reverse("portal:cardmember_detail", args=["10001", cardmember.pk])).content.decode()
    assert "Cardmember data changed" in detail and "FIN" in detail

    bad = alice_client.post(url, {**data, "email": "not-an-email", "city": "Aarhus"})
    assert bad.status_code == 400 and "Enter a valid email address." in bad.content.decode()
    cardmember.refresh_from_db()
    assert cardmember.city == "København K"
    assert AuditEntry.objects.count() == 1
