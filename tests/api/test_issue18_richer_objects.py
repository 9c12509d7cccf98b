"""Richer API objects (SPEC section 16; issue 18 item 9): balance and available to spend, postings with
their merchant, MCC, card and authorization (`expand[]`), statement detail as complete as its list
item, the business date in whoami, the `Amexprog-Version` header, `X-Request-ID` and rate limits."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings as django_settings

from accounts.audit import Actor, Role
from accounts.controls import card_controls_set
from amexprog.common.models import BusinessDate
from charges.services import charge_file_import
from tests.charges.conftest import charge_file, charge_row
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


def test_issue18_item9_account_and_card_show_balance_and_available_to_spend(tokens, network, bob_card, bob_account):
    bill_on_opening_day(bob_account)  # 1,650.00 owed
    card_controls_set(card=bob_card.card, by=ISSUER, on=TODAY, monthly_limit=Decimal("5000.00"))
    decision = authorize(network, bob_card.pan, "120.00", transaction_id="T-1").json()
    client = token_client(tokens.a)
    card = client.get(f"/api/v1/cards/{bob_card.card.pk}/").json()
    account = client.get(f"/api/v1/accounts/{bob_account.number}/").json()
    # The same figure the authorization decided with, in the account's currency with its decimals.
    assert card["available_to_spend"] == decision["available_spend"] == "4880.00"
    assert account["available_to_spend"] == "4880.00"
    assert card["balance"] == account["balance"] == "1650.00"


def test_issue18_item9_a_blocked_card_has_nothing_to_spend(tokens, bob_card):
    from accounts.models import Card

    Card.objects.filter(pk=bob_card.card.pk).update(status=Card.Status.BLOCKED)
    card = token_client(tokens.a).get(f"/api/v1/cards/{bob_card.card.pk}/").json()
    assert card["available_to_spend"] == "0.00"


def test_issue18_item9_postings_carry_merchant_mcc_card_and_authorization_expandable(tokens, network, bob_card,
                                                                                     bob_account):
    approved = authorize(network, bob_card.pan, "120.00", transaction_id="T-1", mcc="5812").json()
    data = charge_file([charge_row("T-1", bob_card.pan, "120.00", transaction_date="2026-03-11",
                                   processing_date="2026-03-12")])
    charge_file_import(source=io.BytesIO(data), filename="day.csv")
    url = f"/api/v1/accounts/{bob_account.number}/postings/"
    client = token_client(tokens.a)
    row = next(row for row in client.get(url).json()["results"] if row["source_key"] == "charge/T-1")
    assert row["card_id"] == bob_card.card.pk
    assert row["merchant_name"] and row["mcc"]
    authorization_id = row["authorization_id"]
    assert authorization_id is not None
    assert row["expanded"] == {}
    assert row["created_at"] == row["updated_at"]
    expanded = next(row for row in client.get(url, {"expand[]": ["card", "authorization"]}).json()["results"]
                    if row["source_key"] == "charge/T-1")["expanded"]
    assert expanded["card"]["id"] == bob_card.card.pk
    assert expanded["authorization"]["id"] == authorization_id
    assert expanded["authorization"]["transaction_id"] == approved["transaction_id"]
    response = client.get(url, {"expand[]": "account"})
    assert response.status_code == 400 and list(response.json()["fields"]) == ["expand[]"]


def test_issue18_item9_statement_detail_has_every_field_of_its_list_item(tokens, bob_account):
    statement = bill_on_opening_day(bob_account)[0]
    client = token_client(tokens.a)
    listed = client.get("/api/v1/statements/").json()["results"][0]
    detail = client.get(f"/api/v1/statements/{statement.pk}/").json()
    assert {key: detail.get(key) for key in listed} == listed
    company_listed = client.get("/api/v1/company-statements/").json()["results"]
    for row in company_listed:
        company_detail = client.get(f"/api/v1/company-statements/{row['id']}/").json()
        assert {key: company_detail.get(key) for key in row} == row


def test_issue18_item9_whoami_names_the_business_date(tokens):
    BusinessDate.objects.update_or_create(pk=1, defaults={"last_completed": dt.date(2026, 3, 10)})
    body = token_client(tokens.a).get("/api/v1/whoami").json()
    assert (body["business_date"], body["today"]) == ("2026-03-10", "2026-03-11")


def test_issue18_item9_the_version_header_is_echoed_and_an_unknown_one_refused(tokens):
    client = token_client(tokens.a)
    current = client.get("/api/v1/whoami")
    assert current["Amexprog-Version"] == "2026-12-01" == current.json()["api_version"]
    pinned = client.get("/api/v1/cards/", HTTP_AMEXPROG_VERSION="2026-12-01")
    assert pinned.status_code == 200 and pinned["Amexprog-Version"] == "2026-12-01"
    assert client.get("/api/v1/no-such-route/")["Amexprog-Version"] == "2026-12-01"  # errors carry it too
    refused = client.get("/api/v1/cards/", HTTP_AMEXPROG_VERSION="2019-01-01")
    body = refused.json()
    assert refused.status_code == 400 and body["code"] == "unsupported_version"
    assert list(body["fields"]) == ["Amexprog-Version"] and body["request_id"] == refused["X-Request-ID"]


def test_issue18_item9_over_the_rate_limit_is_a_429_with_retry_after(settings, tokens):
    settings.REST_FRAMEWORK = {**django_settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        "token": "3/min", "session": "3/min", "anonymous": "3/min"}}
    client = token_client(tokens.a)
    assert [client.get("/api/v1/cards/").status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get("/api/v1/cards/")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    body = refused.json()
    assert body["code"] == "throttled" and body["request_id"] == refused["X-Request-ID"]
    assert token_client(tokens.b).get("/api/v1/cards/").status_code == 200  # per token
    network = token_client(tokens.network)
    assert all(network.get("/api/v1/whoami").status_code == 200 for _ in range(5))  # never the network's


def test_issue18_item9_every_operation_documents_request_id_version_and_429(api):
    schema = json.loads(api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content)
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            responses = operation["responses"]
            assert "429" in responses and "Retry-After" in responses["429"]["headers"], (method, path)
            for code, response in responses.items():
                assert {"X-Request-ID", "Amexprog-Version"} <= set(response["headers"]), (method, path, code)
            assert "Amexprog-Version" in [parameter["name"] for parameter in operation["parameters"]]
