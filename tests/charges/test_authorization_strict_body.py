"""SPEC section 10's strict authorization body (issue 18 items 1 and 2): a field the call does not know
is a 400 naming it, and a transaction id sent again with another body is a 409 `transaction_id_reused`
(the same body again still returns the first decision and holds once)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from charges.models import Authorization, Hold
from tests.charges.test_authorizations import authorize
from tests.conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_day():
    with time_machine.travel(dt.datetime(2026, 3, 11, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def network(tokens):
    return token_client(tokens.network)


def test_issue18_item1_a_misspelt_field_is_a_400_naming_it(network, bob_card):
    response = authorize(network, bob_card.pan, "100.00", merchant_contry="DE", pin_verifed=True)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and set(body["fields"]) == {"merchant_contry", "pin_verifed"}
    assert bob_card.pan not in response.content.decode()
    assert not Authorization.objects.exists() and not Hold.objects.exists()


@pytest.mark.parametrize(("field", "value"), [
    ("amount", "999.00"), ("merchant_name", "Another shop"), ("merchant_city", "Aarhus"),
    ("merchant_country", "SE"), ("mcc", "5411"), ("entry_mode", "online"), ("pin_verified", False),
    ("type", "cash"), ("currency", "EUR"), ("recurring", True),
])
def test_issue18_item2_the_same_transaction_id_with_another_body_is_409(network, bob_card, field, value):
    first = authorize(network, bob_card.pan)
    assert first.status_code == 200 and first.json()["hold_amount"] == "100.00"
    again = authorize(network, bob_card.pan, **{field: value})
    assert again.status_code == 409
    assert again.json()["code"] == "transaction_id_reused"
    assert bob_card.pan not in again.content.decode()
    assert Authorization.objects.count() == 1
    assert [hold.amount for hold in Hold.objects.all()] == [Decimal("100.00")]


def test_issue18_item2_another_card_with_a_used_transaction_id_is_409(network, bob_card, company_a):
    from tests.accounts.factories import AccountFactory, CardmemberFactory, issue_card

    other = issue_card(AccountFactory(cardmember=CardmemberFactory(company=company_a)))
    assert authorize(network, bob_card.pan, "100.00").status_code == 200
    again = authorize(network, other.pan, "100.00")
    assert again.status_code == 409 and again.json()["code"] == "transaction_id_reused"
    assert Hold.objects.count() == 1


def test_issue18_item2_the_same_body_again_returns_the_first_decision(network, bob_card):
    first = authorize(network, bob_card.pan, "100.00", merchant_name="Netto")
    again = authorize(network, bob_card.pan, "100.0", merchant_name="Netto")  # the same amount, written otherwise
    assert again.status_code == 200 and again.json() == first.json()
    assert first.json()["available_spend"] == again.json()["available_spend"]
    assert Hold.objects.count() == 1 and Authorization.objects.count() == 1


@pytest.mark.postgres
def test_issue17_item5_a_decision_is_one_statement_on_postgresql(bob_card):
    """Card, controls, spend, exposure, the decision and its hold: one round trip (migration charges 0012)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from charges.authorizations import AuthorizationRequest, authorization_decide

    def decide(transaction_id: str, amount: str, **fields):
        request = AuthorizationRequest(transaction_id=transaction_id, card_number=bob_card.pan, type="purchase",
                                       amount=Decimal(amount), currency="DKK", merchant_country="DK", mcc="5812",
                                       entry_mode="chip", pin_verified=True, **fields)
        return authorization_decide(request=request, on=dt.date(2026, 3, 11),
                                    at=dt.datetime(2026, 3, 11, 10, 0, tzinfo=dt.UTC))

    decide("W-1", "1.00")  # prepares the statement on this connection
    with CaptureQueriesContext(connection) as queries:
        decision = decide("W-2", "250.00")
    assert len(queries) == 1
    assert decision.body()["hold_amount"] == "250.00" and decision.approved and not decision.replayed
    hold = Hold.objects.get(transaction_id="W-2")
    assert (hold.amount, hold.base_amount, hold.status, hold.expires_on) == (
        Decimal("250.00"), Decimal("250.00"), "open", dt.date(2026, 3, 18))
    with CaptureQueriesContext(connection) as queries:
        again = decide("W-2", "250.00")
    assert len(queries) == 1 and again.replayed and again.body() == decision.body()
    from amexprog.common.errors import ApplicationError

    with pytest.raises(ApplicationError) as reused:
        decide("W-2", "250.01")
    assert (reused.value.code, reused.value.status) == ("transaction_id_reused", 409)
    assert Hold.objects.count() == 2
