"""EuroBonus fixtures: company A allows EuroBonus and charges no annual card fee, so every
statement below shows only the spend and the EuroBonus fee the tests are about."""

from __future__ import annotations

import datetime as dt

import pytest
from moneyed import Money

from rewards.services import enrolment_approve, enrolment_enrol_by_card_order, enrolment_request
from tests.accounts.factories import AccountFactory, CardmemberFactory, UserFactory
from tests.statements.conftest import post

JAN_5 = dt.date(2026, 1, 5)
MEMBER = "EBS123456789"


@pytest.fixture
def company_a(company_a):
    company_a.eurobonus_allowed = True
    company_a.annual_fee = Money("0.00", "DKK")
    company_a.billing_type = "individual"
    company_a.save()
    return company_a


@pytest.fixture
def bob_account(company_a):
    """Bob's account opens on 5 January 2026; his statements fall on the last day of each month."""
    user = UserFactory(username="bob", first_name="Bob")
    cardmember = CardmemberFactory(company=company_a, user=user, first_name="Bob", last_name="Jensen")
    return AccountFactory(cardmember=cardmember, opened_on=JAN_5, cycle_day=31)


@pytest.fixture
def enrolled(bob_account):
    """Bob enrolled by his card order on the issue date, 5 January 2026."""
    return enrolment_enrol_by_card_order(account=bob_account, member_number=MEMBER, on=JAN_5)


def request_and_approve(account, *, on: dt.date, by, number: str = MEMBER):
    enrolment = enrolment_request(account=account, member_number=number, on=on, by=account.cardmember.user)
    return enrolment_approve(enrolment=enrolment, on=on, by=by)


def purchase(account, amount: str, on: dt.date, key: str):
    return post(account, "purchase", amount, on, key)


def refund(account, amount: str, on: dt.date, key: str, *, of):
    from ledger.services import posting_create

    return posting_create(account=account, kind="refund", amount=Money(f"-{amount}", account.currency),
                          posting_date=on, source_key=key, related=of)[0]


@pytest.fixture
def other_account(company_a):
    return AccountFactory(cardmember=CardmemberFactory(company=company_a, first_name="Ditte", last_name="Dahl"),
                          opened_on=JAN_5, cycle_day=31)
