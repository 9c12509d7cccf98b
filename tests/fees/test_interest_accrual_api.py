"""`GET /api/v1/interest-accruals/`: late interest day by day (SPEC section 8), scoped like accounts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from fees.models import InterestAccrual
from statements.models import Statement
from tests.conftest import token_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/interest-accruals/"
D = Decimal


def statement(account) -> Statement:
    return Statement.objects.create(
        account=account, statement_date=dt.date(2026, 1, 31), period_start=dt.date(2026, 1, 1),
        due_date=dt.date(2026, 2, 28), currency=account.currency, opening_balance=D("0"),
        closing_balance=D("1000.00"), billed_amount=D("1000.00"), payments_amount=D("0"),
    )


def accrue(account, *days: int) -> None:
    overdue = statement(account)
    for day in days:
        InterestAccrual.objects.create(
            statement=overdue, account=account, day=dt.date(2026, 3, day), unpaid=D("1000.00"),
            annual_rate_percent=D("8.6000"), reference_rate_date=dt.date(2026, 1, 1),
            amount=D("0.235616438356"))


def session(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def accruals(bob_account, b_account):
    accrue(bob_account, 1, 2, 3)
    accrue(b_account, 1)
    return bob_account, b_account


def test_a_company_token_sees_its_accounts_accruals_unrounded_newest_first(accruals, tokens):
    bob_account, _ = accruals
    rows = token_client(tokens.a).get(URL).json()["results"]
    assert [(row["account_number"], row["day"]) for row in rows] == [
        (bob_account.number, "2026-03-03"), (bob_account.number, "2026-03-02"), (bob_account.number, "2026-03-01")]
    assert (rows[0]["amount"], rows[0]["unpaid"], rows[0]["annual_rate_percent"]) == (
        "0.235616438356", "1000.00", "8.6000")


def test_filters_by_account_and_day_range(accruals, tokens):
    bob_account, b_account = accruals
    client = token_client(tokens.ops)
    rows = client.get(URL, {"account": bob_account.number, "day_from": "2026-03-02", "day_to": "2026-03-02"}).json()
    assert [(row["account_number"], row["day"]) for row in rows["results"]] == [(bob_account.number, "2026-03-02")]
    assert len(client.get(URL, {"account": b_account.number}).json()["results"]) == 1
    assert len(client.get(URL).json()["results"]) == 4


def test_outsiders_see_nothing_of_company_a(accruals, tokens, carol):
    bob_account, b_account = accruals
    for client in (token_client(tokens.b), session(carol)):
        body = client.get(URL).json()
        assert [row["account_number"] for row in body["results"]] == [b_account.number]
        assert len(client.get(URL, {"account": bob_account.number}).json()["results"]) == 0
    assert token_client(tokens.network).get(URL).status_code == 403
    assert APIClient().get(URL).status_code == 401


def test_a_cardmember_sees_only_their_own(accruals, bob):
    bob_account, _ = accruals
    rows = session(bob).get(URL).json()["results"]
    assert {row["account_number"] for row in rows} == {bob_account.number}
