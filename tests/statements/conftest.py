import datetime as dt
from decimal import Decimal

import pytest
from moneyed import Money

from amexprog.common.cycle import business_date, cycle_run_day, days_to_run
from ledger.services import posting_create
from tests.accounts.factories import AccountFactory, CardmemberFactory, CompanyFactory


def run_through(day: dt.date, start: dt.date | None = None) -> None:
    """`run_cycle --through day [--from start]`, in-process."""
    for each in days_to_run(through=day, start=None if business_date() else start):
        cycle_run_day(on=each)


def post(account, kind: str, amount: str, on: dt.date, key: str):
    return posting_create(account=account, kind=kind, amount=Money(Decimal(amount), account.currency),
                          posting_date=on, source_key=key)[0]


def pay(account, amount: str, on: dt.date, key: str):
    return post(account, "payment", f"-{amount}", on, key)


@pytest.fixture
def no_fee_company(db):
    return CompanyFactory(number="40001", annual_fee=Money("0.00", "DKK"))


@pytest.fixture
def overdue_account(no_fee_company):
    """DKK 10,000.00 billed on 31 January 2026, due 28 February 2026 (28 days' terms)."""
    account = AccountFactory(cardmember=CardmemberFactory(company=no_fee_company), cycle_day=31,
                             opened_on=dt.date(2026, 1, 20))
    post(account, "purchase", "10000.00", dt.date(2026, 1, 20), "charge/big")
    run_through(dt.date(2026, 1, 31), start=dt.date(2026, 1, 20))
    return account
