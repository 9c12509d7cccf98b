"""Issue 18 item 7 (SPEC 16): the changes that had no event. A returned payment reverses a payment
(`payment.returned`), and an account closing and then closed moves its status outside a standing
decision (`account.status_changed`); each written in the change's transaction, so a rollback leaves none."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from moneyed import Money

from accounts.audit import Actor, Role
from accounts.lifecycle import account_close, accounts_finish_closing
from events.models import Event
from events.services import events_sequence
from ledger.selectors import account_balance
from tests.accounts.factories import AccountFactory, CardmemberFactory, CompanyFactory
from tests.charges.test_payments import load
from tests.statements.conftest import post, run_through

pytestmark = pytest.mark.django_db
ISSUER = Actor(role=Role.ISSUER, label="test")


def events_of(company, type: str) -> list[dict]:
    events_sequence(company_id=company.pk)
    return [event.data for event in Event.objects.filter(company=company, type=type).order_by("seq")]


@pytest.fixture
def paid(tmp_path):
    """Account 600000000010 billed 1,000.00 in March and paid on 1 April (payment P-1)."""
    company = CompanyFactory(number="60002", annual_fee=Money("0.00", "DKK"))
    account = AccountFactory(cardmember=CardmemberFactory(company=company), cycle_day=10,
                             opened_on=dt.date(2026, 3, 1), number="600000000010")
    post(account, "purchase", "1000.00", dt.date(2026, 3, 2), "charge/r1")
    run_through(dt.date(2026, 3, 31), start=dt.date(2026, 3, 1))
    load(tmp_path, "P-1,600000000010,,2026-04-01,payment,1000.00,DKK,transfer,,\n", "in.csv")
    return company, account


RETURN_ROW = "R-1,600000000010,,2026-04-03,return,1000.00,DKK,transfer,P-1,35.00\n"


def test_issue18_item7_a_returned_payment_is_a_payment_returned_event(paid, tmp_path):
    company, account = paid
    assert [event["payment_id"] for event in events_of(company, "payment.received")] == ["P-1"]
    load(tmp_path, RETURN_ROW, "returns.csv")
    [returned] = events_of(company, "payment.returned")
    assert returned["payment_id"] == "R-1" and returned["original_payment_id"] == "P-1"
    assert (returned["amount"], returned["currency"], returned["cost"]) == ("1000.00", "DKK", "35.00")
    assert [(row["account_number"], row["amount"]) for row in returned["reversal"]] == [(account.number, "1000.00")]


def test_issue18_item7_a_rolled_back_return_leaves_no_payment_returned_event(paid, tmp_path):
    with pytest.raises(RuntimeError), transaction.atomic():
        load(tmp_path, RETURN_ROW, "returns.csv")
        assert Event.objects.filter(type="payment.returned").count() == 1
        raise RuntimeError("the run fails after the return")
    assert not Event.objects.filter(type="payment.returned").exists()


def test_issue18_item7_an_account_closing_then_closed_is_an_account_status_changed_event(bob_account, company_a):
    on = dt.date(2026, 4, 1)
    account_close(account=bob_account, on=on, reason="company_request", by=ISSUER)
    assert [event["status"] for event in events_of(company_a, "account.status_changed")] == ["closing"]
    owed = account_balance(account=bob_account).amount  # the annual fee the closure charged or refunded
    if owed:
        post(bob_account, "payment", str(-owed), on + dt.timedelta(days=1), "payment/settles-closure")
    accounts_finish_closing(on=on + dt.timedelta(days=1))  # nothing owed now: closed
    closed = events_of(company_a, "account.status_changed")
    assert [(event["number"], event["status"]) for event in closed] == [(bob_account.number, "closing"),
                                                                         (bob_account.number, "closed")]


def test_issue18_item7_a_rolled_back_closure_leaves_no_account_status_changed_event(bob_account):
    with pytest.raises(RuntimeError), transaction.atomic():
        account_close(account=bob_account, on=dt.date(2026, 4, 1), reason="company_request", by=ISSUER)
        assert Event.objects.filter(type="account.status_changed").count() == 1
        raise RuntimeError("the request fails after the closure")
    assert not Event.objects.filter(type="account.status_changed").exists()


def test_issue18_item7_a_change_of_a_cards_controls_is_a_card_updated_event(bob_card, company_a):
    from decimal import Decimal

    from accounts.controls import card_controls_set

    card_controls_set(card=bob_card.card, by=ISSUER, on=dt.date(2026, 3, 11), monthly_limit=Decimal("5000.00"),
                      daily_limit=Decimal("800.00"))
    [updated] = events_of(company_a, "card.updated")
    assert (updated["object"], updated["id"]) == ("card", bob_card.card.pk)
    assert (updated["controls"]["monthly_limit"], updated["controls"]["daily_limit"]) == ("5000.00", "800.00")
    assert bob_card.pan not in str(updated)


def test_issue18_item7_a_rolled_back_change_of_controls_leaves_no_card_updated_event(bob_card):
    from decimal import Decimal

    from accounts.controls import card_controls_set

    with pytest.raises(RuntimeError), transaction.atomic():
        card_controls_set(card=bob_card.card, by=ISSUER, on=dt.date(2026, 3, 11), monthly_limit=Decimal("100.00"))
        assert Event.objects.filter(type="card.updated").count() == 1
        raise RuntimeError("the request fails after the change")
    assert not Event.objects.filter(type="card.updated").exists()
