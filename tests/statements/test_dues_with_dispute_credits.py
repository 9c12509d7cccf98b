"""A dispute credit pays the oldest billed amount from the day it is posted, like a payment, whatever
statement bills it; its re-debit is billed on the next statement with that statement's due date
(SPEC sections 9 and 12). Amounts below: tests/statements/conftest's DKK 10,000.00 billed 31 January,
due 28 February."""

import datetime as dt
from decimal import Decimal

import pytest
from moneyed import Money

from fees.models import InterestAccrual
from ledger.services import posting_create
from statements.models import Statement
from statements.selectors import account_dues
from tests.statements.conftest import post, run_through

pytestmark = pytest.mark.django_db
D = dt.date


def dispute_credit(account, amount: str, on: dt.date, key: str):
    return posting_create(account=account, kind="dispute_credit", amount=Money(Decimal(amount), "DKK"),
                          posting_date=on, source_key=key)[0]


def unpaid(account, as_of: dt.date, end_of_day: bool = True) -> list[Decimal]:
    return [due.unpaid for due in account_dues(account=account, as_of=as_of, end_of_day=end_of_day)]


def test_a_credit_after_the_statement_pays_the_disputed_statement_at_once(overdue_account):
    dispute_credit(overdue_account, "-10000.00", D(2026, 2, 10), "dispute/1/credit")
    assert unpaid(overdue_account, D(2026, 2, 9)) == [Decimal("10000.00")]
    assert unpaid(overdue_account, D(2026, 2, 10), end_of_day=False) == [Decimal("10000.00")]
    assert unpaid(overdue_account, D(2026, 2, 10)) == [Decimal("0.00")]
    run_through(D(2026, 3, 31))
    assert not InterestAccrual.objects.filter(account=overdue_account).exists()
    # February's statement bills the credit (-10,000.00) but it is counted once, not twice.
    assert Statement.objects.get(account=overdue_account, statement_date=D(2026, 2, 28)).billed_amount == Decimal(
        "-10000.00")
    assert unpaid(overdue_account, D(2026, 3, 31)) == [Decimal("0.00")] * 2  # no March statement: nothing posted


def test_a_credit_netted_with_new_charges_still_pays_the_older_statement(overdue_account):
    """February bills a 3,000.00 charge and the 10,000.00 credit (-7,000.00 net). Counted as billed, the
    credit would only pay January once February's statement exists and, netted, only 7,000.00 of it;
    as a credit it pays January in full on 10 February and February's 3,000.00 stays due 28 March."""
    post(overdue_account, "purchase", "3000.00", D(2026, 2, 5), "charge/feb")
    dispute_credit(overdue_account, "-10000.00", D(2026, 2, 10), "dispute/2/credit")
    run_through(D(2026, 3, 28))
    assert unpaid(overdue_account, D(2026, 3, 28)) == [Decimal("0.00"), Decimal("3000.00")]
    assert not InterestAccrual.objects.filter(account=overdue_account).exists()


def test_a_re_debit_is_due_with_the_statement_that_bills_it(overdue_account):
    dispute_credit(overdue_account, "-10000.00", D(2026, 2, 10), "dispute/3/credit")
    post(overdue_account, "dispute_reversal", "10000.00", D(2026, 3, 2), "dispute/3/reversal")
    run_through(D(2026, 4, 29))
    assert unpaid(overdue_account, D(2026, 4, 28)) == [Decimal("0.00"), Decimal("0.00"), Decimal("10000.00")]
    assert list(InterestAccrual.objects.filter(account=overdue_account).values_list("day", flat=True)) == [
        D(2026, 4, 29)]
