"""Issue 18 item 5 (SPEC section 16): amounts are strings with their currency's decimals everywhere in the
API, written by one formatter. An authorization's amount read "120.500" in the list (the model keeps three
places) while its decision said "120.50"; a company's payments list did the same."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from amexprog.common import amounts, money
from tests.conftest import token_client

pytestmark = pytest.mark.django_db
AMOUNT_KEYS = re.compile(r"(amount|spend|balance|limit)$")


@pytest.fixture(autouse=True)
def frozen_day():
    with time_machine.travel(dt.datetime(2026, 3, 11, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def amounts_in(node, found):
    """Every (key, value) whose key names an amount, anywhere in a JSON body."""
    if isinstance(node, dict):
        for key, value in node.items():
            if AMOUNT_KEYS.search(key) and isinstance(value, str):
                found.append((key, value))
            amounts_in(value, found)
    elif isinstance(node, list):
        for item in node:
            amounts_in(item, found)
    return found


def test_issue18_item5_amounts_have_the_currencys_decimals_in_every_answer(tokens, bob_card, bob_account,
                                                                           company_a):
    client = token_client(tokens.a)
    decision = client.post("/api/v1/sandbox/authorizations/", {"card_id": bob_card.card.pk, "amount": "120.5",
                                                               "currency": "DKK"}, format="json").json()
    payment = client.post("/api/v1/sandbox/payments/", {"account_number": bob_account.number, "amount": "500"},
                          format="json").json()
    bodies = [
        decision, payment,
        client.get("/api/v1/authorizations", {"card": bob_card.card.pk}).json(),
        client.get(f"/api/v1/companies/{company_a.number}/payments/").json(),
        client.get("/api/v1/holds/").json(),
    ]
    found = amounts_in(bodies, [])
    assert {"amount", "hold_amount", "available_spend"} <= {key for key, _ in found}
    wrong = [(key, value) for key, value in found if not re.fullmatch(r"-?\d+\.\d{2}", value)]
    assert wrong == []  # every amount here is DKK: two decimals
    listed = bodies[2]["results"] if "results" in bodies[2] else bodies[2]["data"]
    assert listed[0]["amount"] == "120.50" and listed[0]["hold_amount"] == decision["hold_amount"]


def test_issue18_item5_one_formatter_of_amounts():
    from statements import serializers as statement_serializers
    from statements.rendering import formatting

    assert formatting.amount_string is money.amount_string
    assert statement_serializers.AmountField is amounts.AmountField
    assert money.amount_string(money.Decimal("120.500"), "EUR") == "120.50"
    assert money.amount_string(money.Decimal("1234"), "JPY") == "1234"
    assert money.amount_string(money.Decimal("-0.00"), "DKK") == "0.00"
