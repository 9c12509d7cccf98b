"""`GET /api/v1/transactions` (SPEC 16 and 18; issue 18 item 6): the company-wide transactions, postings
and authorizations with declines, the portal's filters as strict query parameters, scoped to the
caller's companies, in the schema."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.charges.transaction_rows import authorization, charge
from tests.conftest import token_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/transactions"
DAY = dt.date(2026, 2, 10)


@pytest.fixture
def rows(bob_account, bob_card, b_account):
    card = bob_card.card
    charge(bob_account, card, "245.50", on=DAY)
    authorization(bob_account, card, "1200.00", on=DAY + dt.timedelta(days=1), status="declined")
    authorization(bob_account, card, "310.00", on=DAY + dt.timedelta(days=2), status="pending", currency="EUR")
    authorization(bob_account, card, "800.00", on=DAY, status="settled")
    from tests.accounts.factories import issue_card

    charge(b_account, issue_card(b_account).card, "999.00", on=DAY, merchant="Beta's own")


def test_issue18_item6_one_list_of_postings_and_authorizations_for_the_tokens_company(tokens, rows):
    response = token_client(tokens.a).get(URL)
    assert response.status_code == 200, response.json()
    results = response.json()["results"]
    # The cursor walks by id, and a posting's and an authorization's ids come from separate sequences (on
    # PostgreSQL not reset between tests): the rows, not their order across sources, are the point here.
    results = sorted(results, key=lambda row: (row["source"], row["status"] != "pending"))
    assert [(row["source"], row["status"], row["amount"]) for row in results] == [
        ("authorization", "pending", "310.00"), ("authorization", "declined", "1200.00"),
        ("posting", "posted", "245.50")]
    pending, declined, posted = results
    assert pending["original_amount"] == "310.00" and pending["original_currency"] == "EUR"
    assert declined["decline_reason"] == "card_limit_exceeded"
    assert posted["decline_reason"] is None and posted["card_last4"] and posted["industry"] == "restaurants"
    assert posted["id"].startswith("posting_") and posted["company_number"] == "10001"
    assert "Beta's own" not in response.content.decode()
    assert token_client(tokens.b).get(URL).json()["results"][0]["merchant_name"] == "Beta's own"


@pytest.mark.parametrize(("params", "expected"), [
    ({"status": "declined"}, 1),
    ({"kind": "purchase", "source": "posting"}, 1),
    ({"amount_min": "300", "amount_max": "1000"}, 1),
    ({"date_from": "2026-02-11"}, 2),
    ({"industry": "lodging"}, 2),
    ({"country": "no"}, 2),
    ({"q": "jensen"}, 3),
    ({"merchant": "café"}, 1),
    ({"mcc": "5812"}, 1),
    ({"company": "10002"}, 0),
])
def test_issue18_item6_the_portals_filters_as_query_parameters(tokens, rows, params, expected):
    response = token_client(tokens.a).get(URL, params)
    assert response.status_code == 200, response.json()
    assert len(response.json()["results"]) == expected


def test_issue18_item6_cursor_order_and_strict_parameters(tokens, rows):
    client = token_client(tokens.a)
    everything = [row["id"] for row in client.get(URL).json()["results"]]
    walked, params = [], {"limit": 1}
    while True:  # a cursor walk, one row a page, gives every row once, in the list's order (SPEC 16)
        body = client.get(URL, params).json()
        walked += [row["id"] for row in body["results"]]
        if not body["has_more"]:
            break
        params = {"limit": 1, "starting_after": body["next_starting_after"]}
    assert walked == everything and len(everything) == 3
    assert client.get(URL, {"sort": "amount"}).json()["fields"]["sort"][0]["code"] == "unknown_parameter"
    response = client.get(URL, {"stauts": "declined"})
    assert response.status_code == 400
    assert response.json()["fields"]["stauts"][0]["code"] == "unknown_parameter"
    response = client.get(URL, {"status": "approved"})
    assert response.status_code == 400 and "status" in response.json()["fields"]


def test_issue18_item6_the_query_count_does_not_grow_with_the_rows(tokens, bob_account, bob_card):
    client = token_client(tokens.a)
    for n in range(3):
        charge(bob_account, bob_card.card, f"{n + 1}.00", on=DAY)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(URL).json()["results"]) == 3
    for n in range(30):
        authorization(bob_account, bob_card.card, f"{n + 1}.00", on=DAY, status="declined")
    with CaptureQueriesContext(connection) as more:
        assert len(client.get(URL).json()["results"]) == 33
    assert len(more.captured_queries) == len(few.captured_queries)


def test_issue18_item6_the_list_is_in_the_schema(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/transactions"]["get"]
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert {"status", "kind", "industry", "amount_min", "date_from", "card_last4"} <= names
