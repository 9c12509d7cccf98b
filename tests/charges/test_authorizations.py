"""POST /api/v1/authorizations (SPEC section 10): one test per decline reason with the smallest case
that triggers it, an approval that lowers available spend by its hold, and the API's edges."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from moneyed import Money

from accounts.audit import Actor, Role
from accounts.controls import card_controls_set, company_controls_set
from accounts.models import Account, Card
from charges.models import Authorization, Hold
from tests.charges.conftest import RATE_DATE, RATES_2026_03_10, store_rates
from tests.conftest import token_client
from tests.statements.conftest import no_fee_company, overdue_account, post  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 11)  # SPEC section 6's processing date: rates of 10 March apply
ISSUER = Actor(role=Role.ISSUER, label="test")


@pytest.fixture(autouse=True)
def frozen_day():
    with time_machine.travel(dt.datetime(2026, 3, 11, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def authorize(client, pan: str, amount: str = "100.00", currency: str = "DKK", transaction_id: str = "A-1",
              **fields):
    body = {"transaction_id": transaction_id, "card_number": pan, "type": "purchase", "amount": amount,
            "currency": currency, "merchant_name": "Café Nørrebro", "merchant_city": "København",
            "merchant_country": "DK", "mcc": "5812", "entry_mode": "chip", "pin_verified": True, **fields}
    return client.post("/api/v1/authorizations", body, format="json")


def decline_reason(response) -> str:
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["approved"] is False
    return body["reason"]


def set_card(issued, **controls):
    card_controls_set(card=issued.card, by=ISSUER, on=TODAY, **controls)


# ── Approval ────────────────────────────────────────────────────────────────────────────────────


def test_an_approval_holds_the_amount_and_lowers_available_spend_by_it(network, bob_card):
    set_card(bob_card, monthly_limit=Decimal("10000.00"))
    first = authorize(network, bob_card.pan, "1234.56", transaction_id="A-1").json()
    assert first == {"transaction_id": "A-1", "approved": True, "reason": None, "hold_amount": "1234.56",
                     "hold_currency": "DKK", "available_spend": "8765.44"}
    second = authorize(network, bob_card.pan, "0.44", transaction_id="A-2").json()
    assert second["available_spend"] == "8765.00"  # lowered by exactly the second hold
    hold = Hold.objects.get(transaction_id="A-1")
    assert (hold.amount, hold.status, hold.created_on, hold.expires_on) == (
        Decimal("1234.56"), "open", TODAY, dt.date(2026, 3, 18))


def test_a_foreign_purchase_holds_the_converted_amount_with_its_fx_fee(network, bob_card):
    store_rates(RATE_DATE, RATES_2026_03_10)
    body = authorize(network, bob_card.pan, "200.00", "EUR").json()
    # SPEC section 6's worked example: EUR 200.00 → USD 217.00 → DKK 1,492.20, FX fee 37.31.
    assert (body["approved"], body["hold_amount"], body["hold_currency"]) == (True, "1529.51", "DKK")
    assert Authorization.objects.get().billed_amount == Decimal("1492.20")


def test_cash_holds_the_cash_fee_too(network, bob_card, company_a):
    company_a.cash_allowed = True
    company_a.save()
    set_card(bob_card, cash_enabled=True)
    store_rates(RATE_DATE, RATES_2026_03_10)
    body = authorize(network, bob_card.pan, "100.00", "EUR", type="cash").json()
    # SPEC sections 6, 7: EUR 100.00 cash → DKK 746.10, FX fee 18.65 and cash fee 29.84.
    assert (body["approved"], body["hold_amount"]) == (True, "794.59")


def test_without_card_limits_available_spend_is_the_company_headroom(network, bob_card, bob_account):
    post(bob_account, "purchase", "1000.00", dt.date(2026, 3, 1), "charge/P-1")
    body = authorize(network, bob_card.pan, "250.00").json()
    assert body["available_spend"] == "998750.00"  # DKK 1,000,000 − 1,000 owed − 250 held


# ── One test per decline reason ─────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("status", ["ordered", "blocked", "damaged", "cancelled"])
def test_card_not_active(network, bob_card, status):
    Card.objects.filter(pk=bob_card.card.pk).update(status=status)
    assert decline_reason(authorize(network, bob_card.pan)) == "card_not_active"


@pytest.mark.parametrize("status", ["lost", "stolen"])
def test_card_lost_or_stolen(network, bob_card, status):
    Card.objects.filter(pk=bob_card.card.pk).update(status=status)
    assert decline_reason(authorize(network, bob_card.pan)) == "card_lost_or_stolen"


def test_card_expired_the_day_after_its_expiry(network, bob_card):
    Card.objects.filter(pk=bob_card.card.pk).update(expiry=dt.date(2026, 3, 10))
    assert decline_reason(authorize(network, bob_card.pan)) == "card_expired"
    Card.objects.filter(pk=bob_card.card.pk).update(expiry=TODAY)
    assert authorize(network, bob_card.pan, transaction_id="A-2").json()["approved"] is True  # valid on its last day


@pytest.mark.parametrize("status", ["suspended", "closing", "closed"])
def test_account_not_in_good_standing(network, bob_card, status):
    Account.objects.filter(pk=bob_card.card.account_id).update(status=status)
    assert decline_reason(authorize(network, bob_card.pan)) == "account_not_in_good_standing"


def test_an_account_in_default_before_suspension_still_authorizes(network, bob_card):
    Account.objects.filter(pk=bob_card.card.account_id).update(status="in_default")
    assert authorize(network, bob_card.pan).json()["approved"] is True


def test_cash_not_enabled(network, bob_card):
    assert decline_reason(authorize(network, bob_card.pan, type="cash")) == "cash_not_enabled"


def test_cash_limit_exceeded_by_a_cent_and_reached_exactly(network, bob_card, company_a):
    company_a.cash_allowed = True
    company_a.save()
    set_card(bob_card, cash_enabled=True, cash_transaction_limit=Decimal("300.00"))
    # The cash limit counts the cash itself; the DKK 25.00 fee comes on top (SPEC section 7).
    assert decline_reason(authorize(network, bob_card.pan, "300.01", type="cash")) == "cash_limit_exceeded"
    reached = authorize(network, bob_card.pan, "300.00", type="cash", transaction_id="A-2").json()
    assert (reached["approved"], reached["hold_amount"]) == (True, "325.00")


def test_mcc_blocked(network, bob_card):
    set_card(bob_card, blocked_mccs=["7995"])
    assert decline_reason(authorize(network, bob_card.pan, mcc="7995")) == "mcc_blocked"


def test_an_mcc_outside_the_companys_allowed_list_is_blocked(network, bob_card, company_a):
    company_controls_set(company=company_a, by=ISSUER, on=TODAY, allowed_mccs=["5812", "4511"])
    assert decline_reason(authorize(network, bob_card.pan, mcc="5411")) == "mcc_blocked"


def test_card_limit_exceeded_by_a_cent_and_reached_exactly(network, bob_card):
    set_card(bob_card, daily_limit=Decimal("500.00"))
    assert authorize(network, bob_card.pan, "500.00").json()["available_spend"] == "0.00"
    response = authorize(network, bob_card.pan, "0.01", transaction_id="A-2")
    assert decline_reason(response) == "card_limit_exceeded"
    assert Authorization.objects.get(transaction_id="A-2").explanation["limit"] == "daily_limit"


def test_company_credit_limit_counts_holds_and_what_is_owed_on_every_card(network, bob_card, bob_account, company_a):
    from tests.accounts.factories import AccountFactory, CardmemberFactory, issue_card

    company_a.credit_limit = Money("1000.00", "DKK")
    company_a.save()
    colleague = issue_card(AccountFactory(cardmember=CardmemberFactory(company=company_a)))
    post(bob_account, "purchase", "600.00", dt.date(2026, 3, 1), "charge/P-1")  # unbilled on Bob's account
    assert authorize(network, colleague.pan, "300.00", transaction_id="A-1").json()["approved"] is True
    response = authorize(network, bob_card.pan, "100.01", transaction_id="A-2")
    assert decline_reason(response) == "company_credit_limit_exceeded"
    assert authorize(network, bob_card.pan, "100.00", transaction_id="A-3").json()["approved"] is True


def test_merchant_country_blocked(network, bob_card):
    set_card(bob_card, blocked_countries=["RU"])
    assert decline_reason(authorize(network, bob_card.pan, merchant_country="RU")) == "merchant_country_blocked"


def test_pin_required_over_the_contactless_limit(network, bob_card):
    # The DK programme ceiling without a PIN is DKK 350.00 per payment.
    contactless = {"entry_mode": "contactless", "pin_verified": False}
    assert decline_reason(authorize(network, bob_card.pan, "350.01", **contactless)) == "pin_required"
    assert authorize(network, bob_card.pan, "350.01", transaction_id="A-2", entry_mode="contactless",
                     pin_verified=True).json()["approved"] is True


def test_pin_required_after_the_cumulative_count_since_the_last_pin(network, bob_card):
    set_card(bob_card, contactless_cumulative_count=2)
    contactless = {"entry_mode": "contactless", "pin_verified": False}
    assert authorize(network, bob_card.pan, "10.00", transaction_id="C-1", **contactless).json()["approved"]
    assert authorize(network, bob_card.pan, "10.00", transaction_id="C-2", **contactless).json()["approved"]
    assert decline_reason(authorize(network, bob_card.pan, "10.00", transaction_id="C-3", **contactless)) == (
        "pin_required")
    assert authorize(network, bob_card.pan, "10.00", transaction_id="C-4", entry_mode="chip",
                     pin_verified=True).json()["approved"]
    assert authorize(network, bob_card.pan, "10.00", transaction_id="C-5", **contactless).json()["approved"]


def test_pin_required_after_the_cumulative_amount_since_the_last_pin(network, bob_card):
    set_card(bob_card, contactless_cumulative_limit=Decimal("100.00"))
    contactless = {"entry_mode": "contactless", "pin_verified": False}
    assert authorize(network, bob_card.pan, "60.00", transaction_id="C-1", **contactless).json()["approved"]
    assert decline_reason(authorize(network, bob_card.pan, "40.01", transaction_id="C-2", **contactless)) == (
        "pin_required")
    assert authorize(network, bob_card.pan, "40.00", transaction_id="C-3", **contactless).json()["approved"]


# ── The API's edges ─────────────────────────────────────────────────────────────────────────────


def test_the_same_transaction_id_returns_the_first_decision_and_holds_once(network, bob_card):
    first = authorize(network, bob_card.pan, "100.00")
    again = authorize(network, bob_card.pan, "100.00")  # same id, same body: the first decision
    assert again.json() == first.json()
    assert Hold.objects.count() == 1 and Authorization.objects.count() == 1


def test_an_unknown_card_is_404_card_not_found(network):
    response = authorize(network, "370000000000002")
    assert response.status_code == 404
    assert response.json()["code"] == "card_not_found"
    assert "370000000000002" not in response.content.decode()


@pytest.mark.parametrize(("field", "value"), [
    ("amount", "12,50"), ("amount", "-1.00"), ("amount", "1.005"), ("amount", 12.5), ("currency", "ZZZ"),
    ("mcc", "58"), ("merchant_country", "dk"), ("entry_mode", "swipe"), ("type", "refund"),
    ("transaction_id", "A 1"), ("card_number", "371234567890123"),
])
def test_a_malformed_body_is_400_naming_the_field(network, bob_card, field, value):
    response = authorize(network, bob_card.pan, **{field: value})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and list(body["fields"]) == [field]
    assert bob_card.pan not in response.content.decode()
    assert not Authorization.objects.exists()


def test_a_missing_field_is_named(network, bob_card):
    response = network.post("/api/v1/authorizations", {"transaction_id": "A-1", "card_number": bob_card.pan},
                            format="json")
    assert response.status_code == 400
    assert {"type", "amount", "currency", "merchant_country", "mcc", "entry_mode"} <= set(response.json()["fields"])


def test_only_network_tokens_may_authorize(tokens, bob_card):
    for key in (tokens.a, tokens.ops):
        assert authorize(token_client(key), bob_card.pan).status_code == 403
    assert not Authorization.objects.exists()


def test_declines_are_kept_and_shown_to_the_cardmember_and_the_pa(network, api, bob, alice, carol, tokens, bob_card):
    Card.objects.filter(pk=bob_card.card.pk).update(status="blocked")
    authorize(network, bob_card.pan)
    for viewer in (bob, alice):
        api.force_login(viewer)
        rows = api.get("/api/v1/authorizations").json()["results"]
        assert [(row["transaction_id"], row["approved"], row["reason"]) for row in rows] == [
            ("A-1", False, "card_not_active")]
        assert rows[0]["reason_text"] == "The card is not active."
    api.force_login(carol)
    assert api.get("/api/v1/authorizations").json()["results"] == []
    assert token_client(tokens.b).get("/api/v1/authorizations").json()["results"] == []
    assert len(token_client(tokens.a).get(f"/api/v1/authorizations?card={bob_card.card.pk}").json()["results"]) == 1


def test_the_idempotency_key_replays_the_response(network, bob_card):
    first = network.post("/api/v1/authorizations", {
        "transaction_id": "A-1", "card_number": bob_card.pan, "type": "purchase", "amount": "10.00",
        "currency": "DKK", "merchant_country": "DK", "mcc": "5812", "entry_mode": "chip"},
        format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = network.post("/api/v1/authorizations", {
        "transaction_id": "A-1", "card_number": bob_card.pan, "type": "purchase", "amount": "10.00",
        "currency": "DKK", "merchant_country": "DK", "mcc": "5812", "entry_mode": "chip"},
        format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"


def test_the_company_limit_counts_unpaid_billed_amounts_and_unbilled_postings(network, overdue_account):  # noqa: F811
    """DKK 10,000.00 billed on 31 January (tests/statements), DKK 4,000.00 paid since, DKK 1,000.00 unbilled."""
    from tests.accounts.factories import issue_card
    from tests.statements.conftest import pay

    company = overdue_account.company
    company.credit_limit = Money("7500.00", "DKK")
    company.save()
    card = issue_card(overdue_account, on=dt.date(2026, 1, 20))
    pay(overdue_account, "4000.00", dt.date(2026, 2, 10), "payment/P-1")
    post(overdue_account, "purchase", "1000.00", dt.date(2026, 2, 12), "charge/P-2")
    # Owed: 6,000.00 of the statement unpaid + 1,000.00 unbilled = 7,000.00; 500.00 is left.
    refused = authorize(network, card.pan, "500.01", transaction_id="A-1")
    assert decline_reason(refused) == "company_credit_limit_exceeded"
    assert refused.json()["available_spend"] == "500.00"
    assert authorize(network, card.pan, "500.00", transaction_id="A-2").json()["available_spend"] == "0.00"


def test_a_posting_after_a_decision_counts_against_the_company_limit_at_once(network, bob_card, bob_account,
                                                                              company_a):
    from charges.models import CompanyExposure, ExposureChange

    company_a.credit_limit = Money("1000.00", "DKK")
    company_a.save()
    assert authorize(network, bob_card.pan, "100.00", transaction_id="A-1").json()["available_spend"] == "900.00"
    assert CompanyExposure.objects.get(company=company_a).owed == Decimal("0.00")
    post(bob_account, "purchase", "800.00", dt.date(2026, 3, 10), "charge/P-1")  # a charge from a file
    assert ExposureChange.objects.filter(company=company_a).exists()
    refused = authorize(network, bob_card.pan, "100.01", transaction_id="A-2")
    assert decline_reason(refused) == "company_credit_limit_exceeded"
    assert CompanyExposure.objects.get(company=company_a).owed == Decimal("800.00")
    assert not ExposureChange.objects.filter(company=company_a).exists()  # counted, so cleared


@pytest.mark.parametrize(("field", "value"), [
    (None, None), ("amount", "12,50"), ("amount", 12.5), ("amount", "1.005"), ("currency", "ZZZ"), ("mcc", "58"),
    ("merchant_country", "dk"), ("entry_mode", "swipe"), ("type", "refund"), ("transaction_id", "A 1"),
    ("card_number", "371234567890123"), ("pin_verified", "perhaps"), ("merchant_name", "x" * 101),
])
def test_the_parser_and_the_documented_serializer_agree(bob_card, field, value):
    from rest_framework.exceptions import ValidationError

    from charges.authorization_apis import AuthorizationRequestSerializer, authorization_request_parse

    body = {"transaction_id": "A-1", "card_number": bob_card.pan, "type": "purchase", "amount": "12.50",
            "currency": "DKK", "merchant_country": "DK", "mcc": "5812", "entry_mode": "chip", "pin_verified": True}
    if field:
        body[field] = value
    serializer = AuthorizationRequestSerializer(data=body)
    valid = serializer.is_valid()
    try:
        parsed = authorization_request_parse(body)
    except ValidationError as exc:
        assert not valid and set(exc.detail) == set(serializer.errors) == {field}
    else:
        assert valid and parsed == authorize_request_from(serializer.validated_data)


def authorize_request_from(validated):
    from charges.authorizations import AuthorizationRequest

    return AuthorizationRequest(**validated)
