"""The sandbox (SPEC section 16; issue 18 item 8): authorize by card id, clear, expire a hold, post a
payment and advance the business date, through the production services, for a company's read-write
token on its own objects; absent under production settings."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal

import pytest
import time_machine

from accounts.services import api_token_create
from charges.models import Authorization, Hold, Payment
from ledger.models import Posting
from statements.models import Statement
from tests.charges.conftest import RATE_DATE, RATES_2026_03_10, store_rates
from tests.charges.test_authorizations import authorize
from tests.common.test_settings_fail_closed import ROOT, SECRETS, clean_env
from tests.conftest import token_client

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 11)
BASE = "/api/v1/sandbox"


@pytest.fixture(autouse=True)
def frozen_day():
    with time_machine.travel(dt.datetime(2026, 3, 11, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def client_a(tokens):
    return token_client(tokens.a)


def sandbox_authorize(client, card_id: int, amount: str = "100.00", **fields):
    body = {"card_id": card_id, "amount": amount, "currency": "DKK", **fields}
    return client.post(f"{BASE}/authorizations/", body, format="json")


def test_issue18_item8_authorize_by_card_id_is_the_networks_decision(client_a, bob_card, tokens):
    response = sandbox_authorize(client_a, bob_card.card.pk, "250.00", transaction_id="SB-1",
                                 merchant_name="Café Nørrebro", merchant_city="København", entry_mode="chip",
                                 pin_verified=True)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["transaction_id"] == "SB-1" and body["approved"] is True and body["reason"] is None
    assert body["hold_amount"] == "250.00" and body["hold_currency"] == "DKK"
    hold = Hold.objects.get(transaction_id="SB-1")
    assert hold.card_id == bob_card.card.pk and hold.status == Hold.Status.OPEN and hold.created_on == TODAY
    # The network sending the same request with the card number gets the same decision, held once: the
    # sandbox's request is the network's, by the card's number hash.
    replay = authorize(token_client(tokens.network), bob_card.pan, "250.00", transaction_id="SB-1")
    assert replay.status_code == 200 and replay.json() == body
    assert Hold.objects.filter(transaction_id="SB-1").count() == 1
    # ... and another body under the same id is transaction_id_reused, as on the network's call.
    reused = sandbox_authorize(client_a, bob_card.card.pk, "251.00", transaction_id="SB-1",
                               merchant_name="Café Nørrebro", merchant_city="København", entry_mode="chip",
                               pin_verified=True)
    assert reused.status_code == 409 and reused.json()["code"] == "transaction_id_reused"


def test_issue18_item8_authorize_declines_with_the_real_rules(client_a, bob_card):
    from accounts.audit import Actor, Role
    from accounts.controls import card_controls_set

    card_controls_set(card=bob_card.card, by=Actor(role=Role.ISSUER, label="test"), on=TODAY,
                      monthly_limit=Decimal("100.00"))
    body = sandbox_authorize(client_a, bob_card.card.pk, "100.01").json()
    assert body["approved"] is False and body["reason"] == "card_limit_exceeded" and body["hold_amount"] is None
    assert body["transaction_id"].startswith("SBX-")
    assert Authorization.objects.get(transaction_id=body["transaction_id"]).approved is False


def test_issue18_item8_only_a_companys_read_write_token_on_its_own_cards(client_a, bob_card, b_account, tokens,
                                                                         alice, company_a):
    from tests.accounts.factories import issue_card

    other_card = issue_card(b_account).card
    assert sandbox_authorize(client_a, other_card.pk).status_code == 404  # company B's card
    assert sandbox_authorize(token_client(tokens.b), bob_card.card.pk).status_code == 404
    read_only = api_token_create(name="reader", kind="company", company=company_a, scope="read-only")[1]
    refused = sandbox_authorize(token_client(read_only), bob_card.card.pk)
    assert refused.status_code == 403 and refused.json()["code"] == "insufficient_scope"
    assert sandbox_authorize(token_client(tokens.network), bob_card.card.pk).status_code == 403
    assert sandbox_authorize(token_client(tokens.ops), bob_card.card.pk).status_code == 403
    from rest_framework.test import APIClient

    pa = APIClient()
    pa.force_login(alice)
    assert sandbox_authorize(pa, bob_card.card.pk).status_code == 403
    assert sandbox_authorize(APIClient(), bob_card.card.pk).status_code == 401
    assert not Authorization.objects.exists()


def test_issue18_item8_strict_body_and_idempotency_key(client_a, bob_card):
    response = client_a.post(f"{BASE}/authorizations/", {"card_id": bob_card.card.pk, "amount": "1.00",
                                                         "currency": "DKK", "card_number": "x"}, format="json")
    assert response.status_code == 400 and response.json()["fields"]["card_number"][0]["code"] == "unknown_field"
    bad = client_a.post(f"{BASE}/authorizations/", {"card_id": bob_card.card.pk, "amount": "1.001",
                                                    "currency": "DKK"}, format="json")
    assert bad.status_code == 400 and "amount" in bad.json()["fields"]
    first = client_a.post(f"{BASE}/authorizations/", {"card_id": bob_card.card.pk, "amount": "5.00",
                                                      "currency": "DKK"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client_a.post(f"{BASE}/authorizations/", {"card_id": bob_card.card.pk, "amount": "5.00",
                                                      "currency": "DKK"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 200 and again.json() == first.json()
    assert Authorization.objects.count() == 1


def test_issue18_item8_clear_posts_the_charge_with_its_fees_and_settles_the_hold(client_a, bob_card):
    store_rates(RATE_DATE, RATES_2026_03_10)
    decision = sandbox_authorize(client_a, bob_card.card.pk, "100.00", currency="EUR", transaction_id="SB-EUR",
                                 merchant_country="DE").json()
    assert decision["approved"] is True
    response = client_a.post(f"{BASE}/authorizations/SB-EUR/clear/", {}, format="json")
    assert response.status_code == 201, response.json()
    postings = response.json()["postings"]
    assert [p["kind"] for p in postings] == ["purchase", "fee_fx"]
    charge = Posting.objects.get(source_key="charge/SB-EUR")
    assert postings[0]["amount"] == f"{charge.amount.amount:.2f}" and postings[0]["currency"] == "DKK"
    assert charge.card_id == bob_card.card.pk and charge.posting_date == TODAY
    # The hold equals what the charge posted (SPEC 10: the amount as the charge would post, with its fees).
    assert Decimal(decision["hold_amount"]) == sum(Decimal(p["amount"]) for p in postings)
    assert Hold.objects.get(transaction_id="SB-EUR").status == Hold.Status.SETTLED
    again = client_a.post(f"{BASE}/authorizations/SB-EUR/clear/", {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_cleared"
    assert Posting.objects.filter(source_key="charge/SB-EUR").count() == 1


def test_issue18_item8_clear_another_amount_and_refusals(client_a, bob_card, tokens):
    sandbox_authorize(client_a, bob_card.card.pk, "80.00", transaction_id="SB-TIP")
    assert token_client(tokens.b).post(f"{BASE}/authorizations/SB-TIP/clear/", {}, format="json").status_code == 404
    response = client_a.post(f"{BASE}/authorizations/SB-TIP/clear/", {"amount": "92.50"}, format="json")
    assert response.status_code == 201 and response.json()["postings"][0]["amount"] == "92.50"
    from accounts.audit import Actor, Role
    from accounts.controls import card_controls_set

    card_controls_set(card=bob_card.card, by=Actor(role=Role.ISSUER, label="test"), on=TODAY,
                      daily_limit=Decimal("1.00"))
    sandbox_authorize(client_a, bob_card.card.pk, "50.00", transaction_id="SB-NO")
    declined = client_a.post(f"{BASE}/authorizations/SB-NO/clear/", {}, format="json")
    assert declined.status_code == 409 and declined.json()["code"] == "authorization_declined"
    assert client_a.post(f"{BASE}/authorizations/NOPE/clear/", {}, format="json").status_code == 404


def test_issue18_item8_expire_a_hold(client_a, bob_card):
    sandbox_authorize(client_a, bob_card.card.pk, "40.00", transaction_id="SB-EXP")
    response = client_a.post(f"{BASE}/authorizations/SB-EXP/expire/", {}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "expired" and response.json()["closed_on"] == TODAY.isoformat()
    assert Hold.objects.get(transaction_id="SB-EXP").status == Hold.Status.EXPIRED
    again = client_a.post(f"{BASE}/authorizations/SB-EXP/expire/", {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "hold_not_open"
    assert client_a.post(f"{BASE}/authorizations/SB-EXP/expire/", {"x": 1}, format="json").status_code == 400


def test_issue18_item8_post_a_payment_to_an_account_and_to_the_company(client_a, bob_card, bob_account, company_a):
    response = client_a.post(f"{BASE}/payments/", {"account_number": bob_account.number, "amount": "500.00",
                                                   "payment_id": "SB-PAY-1"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["amount"] == "500.00" and body["currency"] == "DKK" and body["received_on"] == TODAY.isoformat()
    assert [(p["kind"], p["amount"]) for p in body["postings"]] == [("payment", "-500.00")]
    assert Payment.objects.get(payment_id="SB-PAY-1").account_id == bob_account.pk
    central = client_a.post(f"{BASE}/payments/", {"company_number": company_a.number, "amount": "10.00"},
                            format="json")
    assert central.status_code == 201, central.json()
    taken = client_a.post(f"{BASE}/payments/", {"account_number": bob_account.number, "amount": "1.00",
                                                "payment_id": "SB-PAY-1"}, format="json")
    assert taken.status_code == 409 and taken.json()["code"] == "payment_id_taken"
    both = client_a.post(f"{BASE}/payments/", {"account_number": bob_account.number,
                                               "company_number": company_a.number, "amount": "1.00"}, format="json")
    assert both.status_code == 400


def test_issue18_item8_payment_to_another_companys_account_is_not_found(client_a, b_account):
    response = client_a.post(f"{BASE}/payments/", {"account_number": b_account.number, "amount": "5.00"},
                             format="json")
    assert response.status_code == 404 and not Payment.objects.exists()


def test_issue18_item8_advance_the_business_date_runs_the_daily_cycle(client_a, bob_card, bob_account):
    from amexprog.common.cycle import business_date

    sandbox_authorize(client_a, bob_card.card.pk, "60.00", transaction_id="SB-LATE")
    client_a.post(f"{BASE}/authorizations/SB-LATE/clear/", {}, format="json")
    response = client_a.post(f"{BASE}/business-date/advance/", {"days": 1}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["business_date"] == TODAY.isoformat() and response.json()["days_run"] == ["2026-03-11"]
    assert {"statements", "hold_expiry"} <= set(response.json()["steps"])
    # The cycle reaches bob's statement day (the 5th): a statement with the cleared charge exists.
    response = client_a.post(f"{BASE}/business-date/advance/", {"through": "2026-04-05"}, format="json")
    assert response.status_code == 200, response.json()
    assert business_date() == dt.date(2026, 4, 5) and len(response.json()["days_run"]) == 25
    statement = Statement.objects.get(account=bob_account, statement_date=dt.date(2026, 4, 5))
    assert statement.period_start <= TODAY <= statement.period_end
    assert statement.closing_balance >= Decimal("60.00")  # the charge, and the card's fees of the period
    # The sandbox now acts on the next business day.
    sandbox_authorize(client_a, bob_card.card.pk, "1.00", transaction_id="SB-NEXT")
    assert Authorization.objects.get(transaction_id="SB-NEXT").decided_on == dt.date(2026, 4, 6)
    assert client_a.post(f"{BASE}/business-date/advance/", {"days": 1, "through": "2026-05-01"},
                         format="json").status_code == 400


def test_issue18_item8_the_sandbox_is_documented_under_its_tag(client_a):
    schema = client_a.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operations = {path: ops for path, ops in schema["paths"].items() if path.startswith("/api/v1/sandbox/")}
    assert len(operations) == 5
    assert all(op["tags"] == ["Sandbox"] for ops in operations.values() for op in ops.values())


@pytest.mark.slow
def test_issue18_item8_production_does_not_route_the_sandbox():
    """Under production settings no /api/v1/sandbox/ path resolves and the schema has none (not even a 403)."""
    script = (
        "import json, django; django.setup(); from django.conf import settings; "
        "from django.urls import resolve, Resolver404\n"
        "def routed(path):\n"
        "    try:\n        resolve(path)\n        return True\n    except Resolver404:\n        return False\n"
        "from drf_spectacular.generators import SchemaGenerator\n"
        "paths = SchemaGenerator().get_schema(request=None, public=True)['paths']\n"
        "print(json.dumps({'enabled': settings.SANDBOX_ENABLED, 'debug': settings.DEBUG,\n"
        "    'routed': [p for p in ('/api/v1/sandbox/authorizations/', '/api/v1/sandbox/payments/',\n"
        "               '/api/v1/sandbox/business-date/advance/', '/api/v1/sandbox/authorizations/X/clear/',\n"
        "               '/api/v1/sandbox/authorizations/X/expire/') if routed(p)],\n"
        "    'documented': [p for p in paths if 'sandbox' in p], 'cards_routed': routed('/api/v1/cards/')}))"
    )
    env = clean_env(**SECRETS, DJANGO_SETTINGS_MODULE="amexprog.settings.production", EMBOSSER_AGE_RECIPIENT="")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown == {"enabled": False, "debug": False, "routed": [], "documented": [], "cards_routed": True}
