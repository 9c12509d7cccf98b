"""The API endpoints that close the gaps with the portal and the admin: fee schedules and reference rates
(read for all, write for ops), ECB rates, authorization decisions, holds and the audit log (scoped)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from accounts.audit import Actor, Role
from accounts.lifecycle import card_block
from accounts.models import AuditEntry
from charges.models import Authorization, FxRate, Hold
from fees.models import FeeSchedule, ReferenceRate
from tests.accounts.factories import issue_card
from tests.charges.test_authorizations import authorize
from tests.conftest import token_client

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 11)
PUBLISH = {
    "market": "DK", "effective_from": "2026-06-01", "label": "DK summer", "annual_fee_max": "900.00",
    "reminder_fee": "100.00", "fx_fee_percent": "2.500", "cash_fee_percent": "4.000", "cash_fee_minimum": "50.00",
    "eurobonus_fee": "400.00",
}


@pytest.fixture(autouse=True)
def frozen_day():
    with time_machine.travel(dt.datetime(2026, 3, 11, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def decisions(tokens, bob_card, b_account):
    """An approval on Bob's card (company A) and one on a company-B card."""
    network = token_client(tokens.network)
    assert authorize(network, bob_card.pan, transaction_id="A-1").json()["approved"] is True
    b_card = issue_card(b_account)
    assert authorize(network, b_card.pan, transaction_id="B-1").json()["approved"] is True
    return Authorization.objects.get(transaction_id="A-1"), Authorization.objects.get(transaction_id="B-1")


def test_every_caller_reads_fee_schedules_but_only_ops_publish(tokens, client, alice):
    a = token_client(tokens.a)
    listed = a.get("/api/v1/fee-schedules/", {"market": "DK"})
    assert listed.status_code == 200
    assert {row["market"] for row in listed.json()["results"]} == {"DK"}
    assert a.post("/api/v1/fee-schedules/", PUBLISH, format="json").status_code == 403
    client.force_login(alice)
    assert client.post("/api/v1/fee-schedules/", PUBLISH, content_type="application/json").status_code == 403
    assert not FeeSchedule.objects.filter(label="DK summer").exists()

    published = token_client(tokens.ops).post("/api/v1/fee-schedules/", PUBLISH, format="json")
    assert published.status_code == 201, published.json()
    assert published.json()["published_on"] == "2026-03-11"
    assert published.json()["currency"] == "DKK"
    assert a.get(f"/api/v1/fee-schedules/{published.json()['id']}/").json()["label"] == "DK summer"


def test_a_fee_schedule_less_than_two_months_ahead_is_refused(tokens):
    response = token_client(tokens.ops).post("/api/v1/fee-schedules/", {**PUBLISH, "effective_from": "2026-05-10"},
                                             format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "fee_change_too_soon"
    assert "2026-05-11" in response.json()["detail"]
    assert response.json()["fields"]["effective_from"][0]["code"] == "fee_change_too_soon"


def test_reference_rates_are_listed_and_set_by_ops_only(tokens):
    a, ops = token_client(tokens.a), token_client(tokens.ops)
    row = a.get("/api/v1/reference-rates/").json()["results"][0]
    assert {key: row[key] for key in ("effective_date", "rate_percent")} == {"effective_date": "2025-07-01",
                                                                             "rate_percent": "1.6000"}
    body = {"effective_date": "2026-01-01", "rate_percent": "1.7500"}
    assert a.post("/api/v1/reference-rates/", body, format="json").status_code == 403
    assert ops.post("/api/v1/reference-rates/", body, format="json").status_code == 201
    assert ops.post("/api/v1/reference-rates/", {**body, "rate_percent": "1.8000"}, format="json").status_code == 200
    assert ReferenceRate.objects.get(effective_date=dt.date(2026, 1, 1)).rate_percent == Decimal("1.8000")
    too_fine = ops.post("/api/v1/reference-rates/", {**body, "rate_percent": "1.80001"}, format="json")
    assert too_fine.status_code == 400


def test_fx_rates_filter_by_currency_and_day(tokens):
    FxRate.objects.create(rate_date=dt.date(2026, 3, 10), currency="USD", rate=Decimal("1.0840"))
    FxRate.objects.create(rate_date=dt.date(2026, 3, 10), currency="DKK", rate=Decimal("7.4600"))
    FxRate.objects.create(rate_date=dt.date(2026, 3, 9), currency="USD", rate=Decimal("1.0800"))
    response = token_client(tokens.a).get("/api/v1/fx-rates/", {"currency": "USD", "rate_date_from": "2026-03-10"})
    rows = response.json()["results"]
    assert [(r["rate_date"], r["currency"], Decimal(r["rate"])) for r in rows] == [
        ("2026-03-10", "USD", Decimal("1.0840"))]


def test_holds_are_scoped_to_the_callers_company(tokens, decisions, client, bob, carol):
    mine, theirs = decisions
    a, b, ops = token_client(tokens.a), token_client(tokens.b), token_client(tokens.ops)
    hold = Hold.objects.get(transaction_id="A-1")
    rows = a.get("/api/v1/holds/", {"status": "open"}).json()["results"]
    assert [(h["transaction_id"], h["card_last4"], h["authorization_id"]) for h in rows] == [
        ("A-1", mine.card.last4, mine.pk)]
    assert a.get(f"/api/v1/holds/{Hold.objects.get(transaction_id='B-1').pk}/").status_code == 404
    assert b.get(f"/api/v1/holds/{hold.pk}/").status_code == 404
    assert len(b.get("/api/v1/holds/", {"company": "10001"}).json()["results"]) == 0
    assert len(ops.get("/api/v1/holds/").json()["results"]) == 2
    assert token_client(tokens.network).get("/api/v1/holds/").status_code == 403
    client.force_login(bob)
    assert len(client.get("/api/v1/holds/").json()["results"]) == 1
    client.force_login(carol)
    assert len(client.get("/api/v1/holds/", {"account": mine.account.number}).json()["results"]) == 0


def test_the_audit_log_shows_a_company_its_own_entries_only(tokens, bob_card, b_account, client, bob, carol):
    card_block(card=bob_card.card, by=Actor(role=Role.ISSUER, label="ops"), on=TODAY, reason="fraud check")
    b_card = issue_card(b_account)
    card_block(card=b_card.card, by=Actor(role=Role.ISSUER, label="ops"), on=TODAY, reason="B's block")
    a_rows = token_client(tokens.a).get("/api/v1/audit-entries/", {"action": "card_blocked"}).json()["results"]
    assert [(r["company_number"], r["reason"], r["card_last4"]) for r in a_rows] == [
        ("10001", "fraud check", bob_card.card.last4)]
    b_entry = AuditEntry.objects.get(reason="B's block")
    assert token_client(tokens.a).get(f"/api/v1/audit-entries/{b_entry.pk}/").status_code == 404
    client.force_login(bob)
    assert [r["reason"] for r in client.get("/api/v1/audit-entries/").json()["results"]] == ["fraud check"]
    client.force_login(carol)
    assert [r["reason"] for r in client.get("/api/v1/audit-entries/").json()["results"]] == ["B's block"]
    assert len(token_client(tokens.ops).get("/api/v1/audit-entries/").json()["results"]) == 2
    assert token_client(tokens.network).get("/api/v1/audit-entries/").status_code == 403


def test_reminders_are_scoped_to_the_callers_company(tokens, bob_account, bob_card, b_account, client, bob, carol):
    from fees.models import Reminder
    from tests.statements.scenarios import bill_on_opening_day

    statement, b_statement = bill_on_opening_day(bob_account, b_account)
    for account, st in ((bob_account, statement), (b_account, b_statement)):
        Reminder.objects.create(account=account, statement=st, arrears_since=dt.date(2026, 2, 3), number=1,
                                sent_on=dt.date(2026, 2, 10), unpaid=Decimal("1650.00"))
    rows = token_client(tokens.a).get("/api/v1/reminders/").json()["results"]
    assert [(r["account_number"], r["number"], r["unpaid"], r["fee"]) for r in rows] == [
        (bob_account.number, 1, "1650.00", None)]
    assert len(token_client(tokens.b).get("/api/v1/reminders/", {"account": bob_account.number}).json()["results"]) == 0
    assert len(token_client(tokens.ops).get("/api/v1/reminders/").json()["results"]) == 2
    client.force_login(bob)
    assert len(client.get("/api/v1/reminders/").json()["results"]) == 1
    client.force_login(carol)
    assert [r["account_number"] for r in client.get("/api/v1/reminders/").json()["results"]] == [b_account.number]


def test_embossing_orders_are_for_ops_only(tokens, bob_card, settings, tmp_path, client, alice):
    settings.EMBOSSING_DIR = str(tmp_path / "embossing")
    assert token_client(tokens.ops).post(f"/api/v1/cards/{bob_card.card.pk}/renew/").status_code == 200
    rows = token_client(tokens.ops).get("/api/v1/embossing-orders/", {"reason": "renewal"}).json()["results"]
    assert [(r["reason"], r["account_number"]) for r in rows] == [("renewal", bob_card.card.account.number)]
    assert "pan" not in rows[0] and bob_card.pan not in str(rows)
    assert token_client(tokens.a).get("/api/v1/embossing-orders/").status_code == 403
    client.force_login(alice)
    assert client.get("/api/v1/embossing-orders/").status_code == 403
