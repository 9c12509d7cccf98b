"""Issue 18 item 9: `expand[]` on every posting list, not only an account's postings. The company-wide
`GET /api/v1/transactions` (a card's postings are `?card=ID` there) expands `card` and `authorization`
into the same objects, documented in the schema, in a constant number of queries."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from charges.services import charge_file_import
from tests.charges.conftest import charge_file, charge_row
from tests.charges.test_authorizations import authorize
from tests.conftest import token_client

pytestmark = pytest.mark.django_db
TRANSACTIONS = "/api/v1/transactions"
BOTH = {"expand[]": ["card", "authorization"]}


@pytest.fixture(autouse=True)
def frozen_day():
    with time_machine.travel(dt.datetime(2026, 3, 11, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def charged(network, card, transaction_id: str, amount: str = "120.00") -> dict:
    """An authorization, presented as a charge the next day: a posting that settled it."""
    approved = authorize(network, card.pan, amount, transaction_id=transaction_id, mcc="5812").json()
    data = charge_file([charge_row(transaction_id, card.pan, amount, transaction_date="2026-03-11",
                                   processing_date="2026-03-12")])
    charge_file_import(source=io.BytesIO(data), filename=f"{transaction_id}.csv")
    return approved


def test_issue18_item9_transactions_expand_card_and_authorization_like_account_postings(tokens, bob_card,
                                                                                          bob_account):
    network = token_client(tokens.network)
    approved = charged(network, bob_card, "T-1")
    pending = authorize(network, bob_card.pan, "30.00", transaction_id="T-2").json()
    client = token_client(tokens.a)
    rows = client.get(TRANSACTIONS, BOTH).json()["results"]
    posted = next(row for row in rows if row["source"] == "posting" and row["amount"] == "120.00")
    held = next(row for row in rows if row["source"] == "authorization")
    assert posted["expanded"]["authorization"]["transaction_id"] == approved["transaction_id"]
    assert held["expanded"]["authorization"]["transaction_id"] == pending["transaction_id"]
    assert posted["expanded"]["card"]["id"] == held["expanded"]["card"]["id"] == bob_card.card.pk
    # The same objects as on the account's postings list.
    postings = token_client(tokens.a).get(f"/api/v1/accounts/{bob_account.number}/postings/", BOTH).json()
    same = next(row for row in postings["results"] if row["source_key"] == "charge/T-1")["expanded"]
    assert posted["expanded"] == same
    assert client.get(TRANSACTIONS).json()["results"][0]["expanded"] == {}  # nothing asked, nothing added
    assert client.get(TRANSACTIONS, {"card": bob_card.card.pk, "expand[]": "card"}).status_code == 200
    refused = client.get(TRANSACTIONS, {"expand[]": "account"})
    assert refused.status_code == 400 and list(refused.json()["fields"]) == ["expand[]"]


def test_issue18_item9_transactions_expand_in_a_constant_number_of_queries(tokens, bob_card):
    network = token_client(tokens.network)
    client = token_client(tokens.a)
    charged(network, bob_card, "Q-1")
    authorize(network, bob_card.pan, "10.00", transaction_id="Q-2")
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(TRANSACTIONS, BOTH).json()["results"]) == 2
    for number in range(3, 9):
        charged(network, bob_card, f"Q-{number}", amount=f"{number}.00")
        authorize(network, bob_card.pan, "10.00", transaction_id=f"P-{number}")
    with CaptureQueriesContext(connection) as more:
        assert len(client.get(TRANSACTIONS, BOTH).json()["results"]) == 14
    assert len(more.captured_queries) == len(few.captured_queries)


def test_issue18_item9_the_schema_documents_expand_on_every_posting_list(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/v1/transactions", "/api/v1/accounts/{number}/postings/"):
        names = {parameter["name"] for parameter in schema["paths"][path]["get"]["parameters"]}
        assert "expand[]" in names, path
    assert "expanded" in schema["components"]["schemas"]["Transaction"]["properties"]
