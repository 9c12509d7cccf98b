"""The general ledger over the API (SPEC section 4): journal entries and the chart, ops only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts.roles import VIEWER
from ledger.models import Posting
from tests.accounts.factories import ops_user
from tests.conftest import token_client
from tests.statements.conftest import pay, post

pytestmark = pytest.mark.django_db

ENTRIES = "/api/v1/ledger/entries/"
CHART = "/api/v1/ledger/accounts/"


def session(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def booked(bob_account, b_account):
    post(bob_account, "purchase", "100.00", dt.date(2026, 1, 10), "charge/bob-1")
    post(bob_account, "purchase", "50.25", dt.date(2026, 1, 20), "charge/bob-2")
    pay(bob_account, "30.00", dt.date(2026, 1, 25), "payment/bob-1")
    post(b_account, "purchase", "7.00", dt.date(2026, 1, 15), "charge/b-1")
    return bob_account, b_account


def test_ops_read_entries_with_balanced_legs_filtered(booked, tokens):
    bob_account, _ = booked
    client = token_client(tokens.ops)
    body = client.get(ENTRIES, {"source_key": "charge/bob"}).json()
    assert [entry["source_key"] for entry in body["results"]] == ["charge/bob-2", "charge/bob-1"]
    entry = body["results"][1]
    assert entry["booked_on"] == "2026-01-10"
    assert sum(Decimal(leg["amount"]) for leg in entry["legs"]) == 0
    receivable = [leg for leg in entry["legs"] if leg["ledger_account"] == "receivable"]
    assert receivable == [{"ledger_account": "receivable", "account_number": bob_account.number,
                           "amount": "100.00", "currency": "DKK"}]
    in_range = client.get(ENTRIES, {"booked_on_from": "2026-01-15", "booked_on_to": "2026-01-20"}).json()
    # Newest recorded first (cursor pages walk by id, issue 18 item 6), not by posting date.
    assert [entry["source_key"] for entry in in_range["results"]] == ["charge/b-1", "charge/bob-2"]
    mine = client.get(ENTRIES, {"account": bob_account.number}).json()
    assert {entry["source_key"] for entry in mine["results"]} == {"charge/bob-1", "charge/bob-2", "payment/bob-1"}
    banked = client.get(ENTRIES, {"ledger_account": "bank"}).json()
    assert [entry["source_key"] for entry in banked["results"]] == ["payment/bob-1"]
    one = client.get(f"{ENTRIES}{Posting.objects.get(source_key='charge/b-1').pk}/")
    assert one.status_code == 200 and one.json()["source_key"] == "charge/b-1"


def test_the_chart_carries_each_accounts_balance(booked, tokens):
    staff = ops_user("ops-staff", VIEWER)  # reading the ledger needs its view permission (issue 15 item 3)
    rows = {row["code"]: row for row in session(staff).get(CHART, {"limit": 100}).json()["results"]}
    assert rows["receivable"]["balances"] == {"DKK": "127.25"}
    assert rows["bank"]["balances"] == {"DKK": "30.00"}  # the payment: bank debited, receivable credited
    assert sum(Decimal(row["balances"].get("DKK", "0")) for row in rows.values()) == 0
    assert rows["write_off"]["balances"] == {}


def test_nobody_but_ops_reads_the_ledger(booked, tokens, alice, carol, bob):
    entry = Posting.objects.get(source_key="charge/bob-1")
    for client in (token_client(tokens.a), token_client(tokens.b), token_client(tokens.network),
                   session(alice), session(carol), session(bob)):
        for url in (ENTRIES, f"{ENTRIES}{entry.pk}/", CHART):
            assert client.get(url).status_code == 403, url
    assert APIClient().get(ENTRIES).status_code == 401
