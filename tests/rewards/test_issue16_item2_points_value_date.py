"""Issue 16 item 2: EuroBonus eligibility counts a payment from its value date (SPEC sections 9 and 13;
terms §38). A statement forfeited because its account was more than 60 days past due, when the bank's
file that came the next morning shows the arrears were paid that day, gets its spend back: it counts at
the next statement (the points ledger itself is never changed)."""

import datetime as dt
import io
from decimal import Decimal

import pytest

from charges.payments import payments_import
from ledger.models import Posting
from rewards.models import PointsPosting
from tests.rewards.conftest import JAN_5, purchase
from tests.statements.conftest import run_through

pytestmark = pytest.mark.django_db

HEADER = "payment_id,account_number,company_number,received_date,type,amount,currency,method,original_payment_id,cost\n"
APR_30, MAY_31 = dt.date(2026, 4, 30), dt.date(2026, 5, 31)


def test_issue16_item2_spec_13_a_forfeited_statement_paid_by_value_date_gets_its_spend_back(enrolled, bob_account):
    purchase(bob_account, "1000.00", dt.date(2026, 1, 10), "charge/1")  # billed 31 Jan, due 28 Feb
    purchase(bob_account, "500.00", dt.date(2026, 2, 10), "charge/2")
    purchase(bob_account, "200.00", dt.date(2026, 3, 10), "charge/3")
    purchase(bob_account, "300.00", dt.date(2026, 4, 10), "charge/4")
    run_through(APR_30, start=JAN_5)
    april = PointsPosting.objects.get(statement_date=APR_30)
    assert (april.forfeited, april.days_past_due, april.points) == (True, 61, 0)  # 30 April − 28 February

    # DKK 3,000.00 received on 30 April; the bank's file comes on 1 May, after the run of the 30th.
    row = f"P-0430,{bob_account.number},,2026-04-30,payment,3000.00,DKK,transfer,,\n"
    payments_import(stream=io.BytesIO((HEADER + row).encode()), filename="bank-2026-04-30.csv")
    payment = Posting.objects.get(kind="payment")
    assert (payment.posting_date, payment.value_date) == (dt.date(2026, 5, 1), APR_30)

    purchase(bob_account, "55.00", dt.date(2026, 5, 10), "charge/5")
    run_through(MAY_31)
    april.refresh_from_db()
    assert (april.forfeited, april.points) == (True, 0)  # the points ledger is never changed
    may = PointsPosting.objects.get(statement_date=MAY_31)
    # By value date April was 0 days past due: its 300.00 counts now. floor((0.00 + 55.00 + 300.00) ÷ 10) = 35.
    assert (may.forfeited, may.days_past_due, may.eligible_spend, may.counted_spend, may.points) == (
        False, 0, Decimal("55.00"), Decimal("355.00"), 35)
    assert (may.cumulative_spend, may.cumulative_points) == (Decimal("2055.00"), 205)
    assert may.explanation["restored"] == [april.pk] and may.explanation["restored_spend"] == "300.00"
