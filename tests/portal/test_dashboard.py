"""The company dashboard a PA lands on (issue 8): spend, ageing, blocked cards, cards near their
limit, disputes, EuroBonus requests, notices; fixed query count; outsiders get 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from moneyed import Money

from accounts.models import Card, Notice
from ledger.services import posting_create
from rewards.models import Enrolment
from statements.models import Statement
from tests.accounts.factories import AccountFactory, CardmemberFactory, issue_card

CURRENT_TIME = dt.datetime(2026, 6, 20, 10, 0, tzinfo=dt.UTC)
ON = dt.date(2026, 6, 20)
URL = reverse("portal:company_detail", args=["10001"])


def charge(account, amount: str, on: dt.date, key: str, card=None):
    return posting_create(account=account, kind="purchase", amount=Money(Decimal(amount), account.currency),
                          posting_date=on, source_key=key, card=card, merchant_name="Shop")[0]


def statement(account, statement_date: dt.date, billed: str, due: dt.date):
    return Statement.objects.create(
        account=account, statement_date=statement_date, period_start=statement_date - dt.timedelta(days=30),
        due_date=due, currency=account.currency, opening_balance=Decimal("0"), closing_balance=Decimal(billed),
        billed_amount=Decimal(billed), payments_amount=Decimal("0"))


def member(company, n: int):
    return AccountFactory(cardmember=CardmemberFactory(company=company, first_name="Member", last_name=f"M{n:04d}"))


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@time_machine.travel(CURRENT_TIME, tick=False)
def test_dashboard_shows_spend_ageing_cards_and_counts(alice_client, company_a, bob_account, b_account):
    card = issue_card(bob_account, monthly_limit=Money("1000.00", "DKK")).card
    Card.objects.filter(pk=card.pk).update(status=Card.Status.ACTIVE)
    charge(bob_account, "300.00", dt.date(2026, 4, 10), "c/apr", card=card)
    statement(bob_account, dt.date(2026, 4, 30), "300.00", due=dt.date(2026, 5, 10))  # 41 days past due
    charge(bob_account, "850.00", dt.date(2026, 6, 3), "c/jun", card=card)  # 85 % of the monthly limit
    blocked_account = member(company_a, 1)
    blocked = issue_card(blocked_account).card
    Card.objects.filter(pk=blocked.pk).update(status=Card.Status.BLOCKED, blocked_by="company",
                                             block_reason="Left on leave")
    Enrolment.objects.create(account=blocked_account, member_number="EBS123456789", status="requested",
                             source="request", requested_on=ON)
    Notice.objects.create(kind="other", company=company_a, subject="Fee schedule 2027", body="…",
                          created_on=ON, source_key="t/1")
    Notice.objects.create(kind="other", company=b_account.company, subject="Beta only", body="…",
                          created_on=ON, source_key="t/2")
    charge(b_account, "777.00", dt.date(2026, 6, 3), "c/b")

    page = alice_client.get(URL).content.decode()

    assert "Spend this statement period" in page and "DKK\xa0850.00" in page  # only June: April is billed
    assert "DKK\xa01,150.00" in page  # bob's balance among the highest balances
    assert "<svg" in page and "Jun 2026" in page and "Apr 2026" in page  # the chart and its table
    assert "1 account past due" in page
    assert "31–60 days" in page and "DKK\xa0300.00" in page
    assert "1 blocked card" in page and blocked.masked_number in page and "Left on leave" in page
    assert "1 card near its monthly limit" in page and card.masked_number in page
    assert "1 EuroBonus request awaiting approval" in page
    assert "Fee schedule 2027" in page
    assert "Beta only" not in page and "777.00" not in page  # nothing of company B
    assert reverse("portal:company_cardmembers", args=["10001"]) in page


@time_machine.travel(CURRENT_TIME, tick=False)
def test_card_below_80_percent_is_not_near_its_limit(alice_client, bob_account):
    card = issue_card(bob_account, monthly_limit=Money("1000.00", "DKK")).card
    Card.objects.filter(pk=card.pk).update(status=Card.Status.ACTIVE)
    charge(bob_account, "799.99", dt.date(2026, 6, 3), "c/1", card=card)
    charge(bob_account, "500.00", dt.date(2026, 5, 30), "c/may", card=card)  # last month does not count
    page = alice_client.get(URL).content.decode()
    assert "0 cards near their monthly limit" in page


def test_outsider_gets_404(client, carol, company_a):
    client.force_login(carol)
    assert client.get(URL).status_code == 404


def add_accounts(company, start: int, count: int) -> None:
    for n in range(start, start + count):
        account = member(company, n)
        card = issue_card(account, monthly_limit=Money("100.00", "DKK")).card
        Card.objects.filter(pk=card.pk).update(status=Card.Status.ACTIVE if n % 2 else Card.Status.BLOCKED)
        charge(account, "90.00", dt.date(2026, 6, 1), f"c/{n}", card=card)
        statement(account, dt.date(2026, 5, 5), "10.00", due=dt.date(2026, 6, 2))


@time_machine.travel(CURRENT_TIME, tick=False)
def test_query_count_is_fixed_whatever_the_number_of_accounts(alice_client, company_a,
                                                             django_assert_max_num_queries):
    add_accounts(company_a, 0, 3)
    with CaptureQueriesContext(connection) as few:
        assert "3 accounts past due" in alice_client.get(URL).content.decode()
    # 25 before SPEC 18: the home's figures (portal.selectors.home, ~14 grouped queries) and the held, declined and
    # expiring lists they link to (3) came on top; the count stays the same at 43 accounts (below).
    assert len(few.captured_queries) <= 45
    add_accounts(company_a, 3, 40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = alice_client.get(URL).content.decode()
    assert "43 accounts past due" in page and "21 cards near their monthly limit" in page
