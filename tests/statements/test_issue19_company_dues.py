"""Issue 19 (the PA's home at 10,000 cardmembers): a company's next amount due, its overdue amount and
its past-due accounts are computed in one set-based query (statements.selectors.company_dues) with the
same allocation as dues_for_accounts (SPEC 9: credits pay the oldest billed amounts first; a dispute
credit pays like a payment, SPEC 12; a payment counts from its value date, SPEC 8)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from moneyed import Money

from accounts.models import Account
from ledger.services import posting_create
from statements.models import Statement
from statements.selectors import ZERO, CompanyDues, company_dues, days_past_due, dues_for_accounts
from tests.accounts.factories import AccountFactory, CardmemberFactory, CompanyFactory

pytestmark = pytest.mark.django_db
D = dt.date


def post(account, kind: str, amount: str, on: dt.date, key: str, **details):
    return posting_create(account=account, kind=kind, amount=Money(Decimal(amount), account.currency),
                          posting_date=on, source_key=key, **details)[0]


def bill(account, statement_date: dt.date, billed: str, due: dt.date) -> Statement:
    return Statement.objects.create(
        account=account, statement_date=statement_date, period_start=statement_date - dt.timedelta(days=27),
        due_date=due, currency=account.currency, opening_balance=Decimal("0"), closing_balance=Decimal(billed),
        billed_amount=Decimal(billed), payments_amount=Decimal("0"))


def account_of(company) -> Account:
    return AccountFactory(cardmember=CardmemberFactory(company=company), opened_on=D(2026, 1, 1))


def reference(company, on: dt.date) -> CompanyDues:
    """The figures as the home read them before (issue 19): dues_for_accounts allocated in Python."""
    ids = list(Account.objects.filter(company=company).values_list("pk", flat=True))
    overdue, past_due, upcoming = ZERO, 0, {}
    for dues in dues_for_accounts(account_ids=ids, as_of=on, end_of_day=True).values():
        past_due += days_past_due(dues, on=on) > 0
        for due in dues:
            if due.unpaid <= 0:
                continue
            if due.due_date < on:
                overdue += due.unpaid
            else:
                upcoming[due.due_date] = upcoming.get(due.due_date, ZERO) + due.unpaid
    first = min(upcoming, default=None)
    return CompanyDues(next_due_date=first, next_due_amount=upcoming.get(first, ZERO), overdue_amount=overdue,
                       past_due_accounts=past_due)


@pytest.fixture
def company():
    """Accounts in each situation of SPEC 9's allocation, statements on 31 January and 28 February."""
    company = CompanyFactory(number="41901", annual_fee=Money("0.00", "DKK"))
    partly = account_of(company)  # January paid, February partly: 300.00 of it left
    bill(partly, D(2026, 1, 31), "1000.00", D(2026, 2, 28))
    bill(partly, D(2026, 2, 28), "500.00", D(2026, 3, 28))
    post(partly, "payment", "-1200.00", D(2026, 3, 1), "pay/partly")
    credit_first = account_of(company)  # a credit statement (-200.00) pays February's 500.00 in part
    bill(credit_first, D(2026, 1, 31), "-200.00", D(2026, 2, 28))
    bill(credit_first, D(2026, 2, 28), "500.00", D(2026, 3, 28))
    disputed = account_of(company)  # a dispute credit in February's period pays January first
    bill(disputed, D(2026, 1, 31), "1000.00", D(2026, 2, 28))
    post(disputed, "dispute_credit", "-400.00", D(2026, 2, 10), "dispute/1/credit")
    bill(disputed, D(2026, 2, 28), "-100.00", D(2026, 3, 28))  # 300.00 charged less the 400.00 credit
    returned = account_of(company)  # a payment that came back: all of January due again
    bill(returned, D(2026, 1, 31), "700.00", D(2026, 2, 28))
    post(returned, "payment", "-700.00", D(2026, 2, 20), "pay/returned")
    post(returned, "payment_return", "700.00", D(2026, 3, 3), "pay/returned/back")
    value_dated = account_of(company)  # received 27 February, booked 2 March: on time by its value date
    bill(value_dated, D(2026, 1, 31), "250.00", D(2026, 2, 28))
    post(value_dated, "payment", "-250.00", D(2026, 3, 2), "pay/value-dated", value_date=D(2026, 2, 27))
    overpaid = account_of(company)
    bill(overpaid, D(2026, 1, 31), "90.00", D(2026, 2, 28))
    post(overpaid, "payment", "-150.00", D(2026, 2, 1), "pay/over")
    account_of(company)  # never billed: owes nothing due
    return company


@pytest.mark.parametrize("on", [D(2026, 1, 30), D(2026, 1, 31), D(2026, 2, 20), D(2026, 2, 28), D(2026, 3, 1),
                                D(2026, 3, 2), D(2026, 3, 4), D(2026, 3, 28), D(2026, 3, 29)])
def test_issue19_home_company_dues_in_sql_give_the_python_allocations_figures(company, on):
    assert company_dues(company_ids=[company.pk], on=on).get(company.pk, CompanyDues()) == reference(company, on)


def test_issue19_home_company_dues_by_hand(company):
    """On 4 March: overdue January 700.00 (returned) + 1000.00 - 400.00 (disputed, 600.00 left) = 1,300.00
    on two accounts; due 28 March: 300.00 (partly) + 300.00 (credit first) + 300.00 (disputed: February
    bills 300.00 of charges, its -400.00 credit having paid January) = 900.00."""
    figures = company_dues(company_ids=[company.pk], on=D(2026, 3, 4))[company.pk]
    assert figures == CompanyDues(next_due_date=D(2026, 3, 28), next_due_amount=Decimal("900.00"),
                                  overdue_amount=Decimal("1300.00"), past_due_accounts=2)


def test_issue19_home_company_dues_one_query_for_every_company(company):
    other = CompanyFactory(number="41902", annual_fee=Money("0.00", "DKK"))
    late = account_of(other)
    bill(late, D(2026, 1, 31), "80.00", D(2026, 2, 28))
    with CaptureQueriesContext(connection) as queries:
        figures = company_dues(company_ids=[company.pk, other.pk], on=D(2026, 3, 4))
    assert len(queries.captured_queries) == 1
    assert figures[other.pk] == CompanyDues(overdue_amount=Decimal("80.00"), past_due_accounts=1)
    assert figures[company.pk] == reference(company, D(2026, 3, 4))
