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

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_day():
    with time_machine.travel(dt.datetime(2026, 3, 11, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


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


@pytest.mark.postgres
def test_issue17_item5_the_function_and_the_python_path_decide_alike(bob_card, bob_account, company_a):
    """The same sequence of requests decided by the server-side function and by the Python path (the
    SQLite path), each in a transaction rolled back after: the same answers, rows and holds."""
    from django.db import transaction

    from accounts.audit import Actor, Role
    from accounts.controls import card_controls_set
    from charges import authorizations
    from tests.charges.conftest import RATE_DATE, RATES_2026_03_10, store_rates
    from tests.statements.conftest import post

    company_a.cash_allowed = True
    company_a.save()
    card_controls_set(card=bob_card.card, by=Actor(role=Role.ISSUER, label="test"), on=dt.date(2026, 3, 11),
                      cash_enabled=True, daily_limit=Decimal("3000.00"), cash_daily_limit=Decimal("900.00"),
                      contactless_cumulative_count=2, blocked_countries=["RU"])
    store_rates(RATE_DATE, RATES_2026_03_10)
    post(bob_account, "purchase", "400.00", dt.date(2026, 3, 11), "charge/P-1")
    on, at = dt.date(2026, 3, 11), dt.datetime(2026, 3, 11, 10, 0, tzinfo=dt.UTC)
    contactless = {"entry_mode": "contactless", "pin_verified": False}
    requests = [
        ("A-1", "100.00", "DKK", {}), ("A-2", "200.00", "EUR", {"entry_mode": "online", "pin_verified": False}),
        ("A-3", "100.00", "EUR", {"type": "cash"}), ("A-4", "20.00", "DKK", contactless),
        ("A-5", "20.00", "DKK", contactless), ("A-6", "20.00", "DKK", contactless),
        ("A-7", "9.99", "USD", {}), ("A-8", "50.00", "DKK", {"merchant_country": "RU"}),
        ("A-9", "400.00", "DKK", contactless), ("A-10", "900.00", "DKK", {}), ("A-11", "5000.00", "DKK", {}),
        ("A-12", "1.00", "DKK", {"type": "cash"}), ("A-13", "10.00", "SEK", {"type": "cash"}),
    ]

    def run(python: bool) -> list:
        results = []
        with transaction.atomic():
            for transaction_id, amount, currency, fields in requests:
                request = authorizations.AuthorizationRequest(
                    transaction_id=transaction_id, card_number=bob_card.pan, type=fields.get("type", "purchase"),
                    amount=Decimal(amount), currency=currency, merchant_country=fields.get("merchant_country", "DK"),
                    mcc="5812", entry_mode=fields.get("entry_mode", "chip"),
                    pin_verified=fields.get("pin_verified", True), merchant_name="Café")
                decision = (authorizations._decide(request, on, at) if python
                            else authorizations.authorization_decide(request=request, on=on, at=at))
                row = Authorization.objects.get(transaction_id=transaction_id)
                hold = Hold.objects.filter(transaction_id=transaction_id).values_list(
                    "amount", "base_amount", "currency", "kind", "status", "expires_on", "company_id").first()
                results.append((decision.body(), row.reason, row.billed_amount, row.hold_amount,
                                row.available_spend, row.explanation, hold))
            transaction.set_rollback(True)
        return results

    in_database, in_python = run(python=False), run(python=True)
    assert in_database == in_python
    reasons = [result[1] for result in in_python]
    assert reasons == ["", "", "", "", "", "pin_required", "", "merchant_country_blocked", "pin_required",
                       "card_limit_exceeded", "card_limit_exceeded", "", ""]
    # EUR 200.00 → DKK 1,492.20 + FX fee 37.31; EUR 100.00 cash → 746.10 + 18.65 + 29.84; DKK 1.00 cash → the
    # DKK 25.00 minimum fee.
    assert [result[0]["hold_amount"] for result in in_python] == [
        "100.00", "1529.51", "794.59", "20.00", "20.00", None, "70.42", None, None, None, None, "26.00", "31.91"]
    assert [result[0]["available_spend"] for result in in_python] == [
        "2900.00", "1370.49", "575.90", "555.90", "535.90", "535.90", "465.48", "465.48", "465.48", "465.48",
        "465.48", "439.48", "407.57"]
