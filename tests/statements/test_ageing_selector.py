"""statements.selectors_ageing: unpaid amounts and accounts by ageing bucket (SPEC section 9)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from moneyed import Money

from ledger.services import posting_create
from statements.models import Statement
from statements.selectors_ageing import ageing_buckets, bucket_for
from tests.accounts.factories import AccountFactory, CardmemberFactory

ON = dt.date(2026, 6, 30)
D = Decimal


def statement(account, due: dt.date, billed: str) -> Statement:
    day = due - dt.timedelta(days=28)
    return Statement.objects.create(
        account=account, statement_date=day, period_start=day - dt.timedelta(days=30), due_date=due,
        currency=account.currency, opening_balance=D("0"), closing_balance=D(billed), billed_amount=D(billed),
        payments_amount=D("0"),
    )


@pytest.mark.parametrize(("days", "bucket"), [
    (-5, "current"), (0, "current"), (1, "1_30"), (30, "1_30"), (31, "31_60"), (60, "31_60"),
    (61, "61_90"), (90, "61_90"), (91, "90_plus"), (400, "90_plus"),
])
def test_bucket_edges(days, bucket):
    assert bucket_for(days) == bucket


@pytest.mark.django_db
def test_amounts_fall_by_due_date_and_accounts_by_their_oldest_due(company_a, company_b,
                                                                    django_assert_max_num_queries):
    late = AccountFactory(cardmember=CardmemberFactory(company=company_a))
    statement(late, ON - dt.timedelta(days=95), "100.00")   # 90+
    statement(late, ON - dt.timedelta(days=45), "200.00")   # 31–60
    statement(late, ON + dt.timedelta(days=3), "50.00")     # current (not yet due)
    paid_part = AccountFactory(cardmember=CardmemberFactory(company=company_a))
    statement(paid_part, ON - dt.timedelta(days=10), "300.00")  # 1–30 after a part payment
    posting_create(account=paid_part, kind="payment", amount=Money("-120.00", "DKK"),
                   posting_date=ON - dt.timedelta(days=2), source_key="pay/1")
    on_due_day = AccountFactory(cardmember=CardmemberFactory(company=company_a))
    statement(on_due_day, ON, "75.00")  # due today: paying today is on time, so current
    settled = AccountFactory(cardmember=CardmemberFactory(company=company_a))
    statement(settled, ON - dt.timedelta(days=70), "40.00")
    posting_create(account=settled, kind="payment", amount=Money("-40.00", "DKK"),
                   posting_date=ON - dt.timedelta(days=69), source_key="pay/2")
    outsider = AccountFactory(cardmember=CardmemberFactory(company=company_b))
    statement(outsider, ON - dt.timedelta(days=40), "999.00")

    with django_assert_max_num_queries(4):
        ageing = ageing_buckets(company_a, ON)

    assert set(ageing.accounts) == {late.pk, paid_part.pk, on_due_day.pk}  # settled and outsider owe nothing here
    assert ageing.accounts[late.pk].amounts == {
        "current": D("50.00"), "1_30": D("0.00"), "31_60": D("200.00"), "61_90": D("0.00"), "90_plus": D("100.00"),
    }
    assert ageing.accounts[late.pk].bucket == "90_plus"
    assert ageing.accounts[late.pk].days_past_due == 95
    assert ageing.accounts[late.pk].past_due == D("300.00")
    assert ageing.accounts[paid_part.pk].amounts["1_30"] == D("180.00")
    assert ageing.accounts[paid_part.pk].bucket == "1_30"
    assert ageing.accounts[on_due_day.pk].bucket == "current"
    assert ageing.totals == {
        "current": D("125.00"), "1_30": D("180.00"), "31_60": D("200.00"), "61_90": D("0.00"), "90_plus": D("100.00"),
    }
    assert ageing.total == D("605.00")
    assert ageing.account_counts == {"current": 1, "1_30": 1, "31_60": 0, "61_90": 0, "90_plus": 1}
    assert ageing.past_due_accounts == 2
    assert [row["key"] for row in ageing.rows()] == ["current", "1_30", "31_60", "61_90", "90_plus"]


@pytest.mark.django_db
def test_query_count_does_not_grow_with_accounts(company_a, django_assert_max_num_queries):
    for n in range(30):
        account = AccountFactory(cardmember=CardmemberFactory(company=company_a))
        statement(account, ON - dt.timedelta(days=n * 5), "10.00")
    with django_assert_max_num_queries(4):
        ageing = ageing_buckets(company_a, ON)
    assert sum(ageing.account_counts.values()) == 30
