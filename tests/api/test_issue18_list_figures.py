"""Issue 18 item 9: balance and available to spend on the account and card LISTS too, not only on the
detail: the same figures as each row's detail, computed for the whole page in a constant number of
queries (charges.available_page)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.audit import Actor, Role
from accounts.controls import card_controls_set
from accounts.models import Card
from tests.accounts.factories import AccountFactory, CardmemberFactory, issue_card
from tests.charges.test_authorizations import authorize
from tests.conftest import token_client
from tests.statements.scenarios import bill_on_opening_day

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 11)
ISSUER = Actor(role=Role.ISSUER, label="test")


@pytest.fixture(autouse=True)
def frozen_day():
    with time_machine.travel(dt.datetime(2026, 3, 11, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def more_cards(company, count: int, network, tag: str = "M") -> list:
    """`count` accounts of the company, each with a card that spent something today."""
    issued = []
    for number in range(count):
        account = AccountFactory(cardmember=CardmemberFactory(company=company, employee_id=f"{tag}-{number}"))
        card = issue_card(account)
        assert authorize(network, card.pan, f"{10 + number}.00", transaction_id=f"{tag}-{number}").status_code == 200
        issued.append(card)
    return issued


def figures(client, url: str, key: str) -> dict:
    rows = client.get(url, {"limit": 100}).json()["results"]
    return {row[key]: (row["balance"], row["available_to_spend"]) for row in rows}


def test_issue18_item9_list_rows_show_the_same_balance_and_available_as_their_detail(tokens, bob_card,
                                                                                     bob_account, company_a):
    network = token_client(tokens.network)
    bill_on_opening_day(bob_account)  # 1,650.00 owed
    card_controls_set(card=bob_card.card, by=ISSUER, on=TODAY, monthly_limit=Decimal("5000.00"))
    assert authorize(network, bob_card.pan, "120.00", transaction_id="T-1").json()["available_spend"] == "4880.00"
    others = more_cards(company_a, 2, network)
    Card.objects.filter(pk=others[1].card.pk).update(status=Card.Status.BLOCKED)
    client = token_client(tokens.a)
    cards = figures(client, "/api/v1/cards/", "id")
    accounts = figures(client, "/api/v1/accounts/", "number")
    assert cards[bob_card.card.pk] == ("1650.00", "4880.00")
    assert cards[others[1].card.pk][1] == "0.00"
    for card_id, shown in cards.items():
        detail = client.get(f"/api/v1/cards/{card_id}/").json()
        assert shown == (detail["balance"], detail["available_to_spend"]), card_id
    for number, shown in accounts.items():
        detail = client.get(f"/api/v1/accounts/{number}/").json()
        assert shown == (detail["balance"], detail["available_to_spend"]), number


@pytest.mark.parametrize("url", ["/api/v1/cards/", "/api/v1/accounts/"])
def test_issue18_item9_list_figures_cost_a_constant_number_of_queries(tokens, bob_card, company_a, company_b, url):
    network = token_client(tokens.network)
    more_cards(company_a, 2, network)
    client = token_client(tokens.ops)  # every company: several companies on one page
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(url, {"limit": 100}).json()["results"]) == 3
    more_cards(company_a, 5, network, tag="A")
    more_cards(company_b, 4, network, tag="B")
    with CaptureQueriesContext(connection) as more:
        assert len(client.get(url, {"limit": 100}).json()["results"]) == 12
    assert len(more.captured_queries) == len(few.captured_queries), [q["sql"][:120] for q in more.captured_queries]
