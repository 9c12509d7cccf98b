"""Points at each statement (SPEC section 13) with the figures written out."""

import datetime as dt
from decimal import Decimal

import pytest

from ledger.verification import verify_ledger
from rewards.models import ExportBatch, PointsPosting
from rewards.services import enrolment_end, enrolment_resume, enrolment_suspend
from statements.models import Statement
from tests.rewards.conftest import JAN_5, MEMBER, purchase, refund
from tests.statements.conftest import pay, post, run_through

pytestmark = pytest.mark.django_db

JAN_31, FEB_28, MAR_31, APR_30, MAY_31 = (dt.date(2026, 1, 31), dt.date(2026, 2, 28), dt.date(2026, 3, 31),
                                          dt.date(2026, 4, 30), dt.date(2026, 5, 31))


def statement(account, day):
    return Statement.objects.get(account=account, statement_date=day)


def assert_ledger_clean():
    assert {name: problems for name, problems in verify_ledger().items() if problems} == {}


def test_1999_99_earns_199_points_and_the_remainder_is_carried(enrolled, bob_account):
    purchase(bob_account, "1999.99", dt.date(2026, 1, 10), "charge/1")
    run_through(JAN_31, start=JAN_5)

    january = statement(bob_account, JAN_31)
    assert january.eurobonus_points == 199
    posting = PointsPosting.objects.get(statement=january)
    assert (posting.eligible_spend, posting.carried_out) == (Decimal("1999.99"), Decimal("9.99"))
    assert posting.member_number == MEMBER

    purchase(bob_account, "0.01", dt.date(2026, 2, 3), "charge/2")
    pay(bob_account, "250.00", dt.date(2026, 2, 3), "pay/1")  # a payment earns nothing
    run_through(FEB_28)
    february = PointsPosting.objects.get(statement=statement(bob_account, FEB_28))
    # floor(2,000.00 ÷ 10) − 199 = 1: the 9.99 left over in January is not lost.
    assert (february.points, february.cumulative_points, february.cumulative_spend) == (1, 200, Decimal("2000.00"))
    assert february.carried_out == Decimal("0.00")
    assert statement(bob_account, FEB_28).eurobonus_points == 1
    assert_ledger_clean()


def test_cash_fees_and_interest_earn_nothing(enrolled, bob_account):
    purchase(bob_account, "100.00", dt.date(2026, 1, 10), "charge/1")
    post(bob_account, "cash", "2000.00", dt.date(2026, 1, 11), "charge/cash")
    post(bob_account, "fee_cash", "80.00", dt.date(2026, 1, 11), "fee/cash")
    post(bob_account, "fee_fx", "17.19", dt.date(2026, 1, 12), "fee/fx")
    post(bob_account, "interest", "70.68", dt.date(2026, 1, 12), "interest/x")
    run_through(JAN_31, start=JAN_5)
    january = statement(bob_account, JAN_31)
    assert january.totals["fee_eurobonus"] == "250.00"  # posted on 6 January, earns nothing either
    assert january.eurobonus_points == 10


def test_a_refund_crossing_a_10_dkk_boundary_reverses_a_point(enrolled, bob_account):
    hotel = purchase(bob_account, "105.00", dt.date(2026, 1, 10), "charge/hotel")
    run_through(JAN_31, start=JAN_5)
    assert statement(bob_account, JAN_31).eurobonus_points == 10  # 105.00 → 10 points, 5.00 carried

    refund(bob_account, "10.00", dt.date(2026, 2, 4), "charge/hotel-refund", of=hotel)
    pay(bob_account, "345.00", dt.date(2026, 2, 4), "pay/1")
    run_through(FEB_28)
    # 105.00 − 10.00 = 95.00 → floor(9.5) = 9 points in all: February takes one back.
    february = PointsPosting.objects.get(statement=statement(bob_account, FEB_28))
    assert (february.eligible_spend, february.points, february.cumulative_points) == (Decimal("-10.00"), -1, 9)
    assert statement(bob_account, FEB_28).eurobonus_points == -1
    assert february.carried_out == Decimal("5.00")
    assert_ledger_clean()


def test_a_statement_more_than_60_days_past_due_earns_nothing_and_its_spend_is_left_out(enrolled, bob_account):
    purchase(bob_account, "1000.00", dt.date(2026, 1, 10), "charge/1")  # billed 31 Jan, due 28 Feb, never paid
    purchase(bob_account, "500.00", dt.date(2026, 2, 10), "charge/2")
    purchase(bob_account, "200.00", dt.date(2026, 3, 10), "charge/3")
    forfeited_hotel = purchase(bob_account, "300.00", dt.date(2026, 4, 10), "charge/4")
    run_through(APR_30, start=JAN_5)

    points = dict(PointsPosting.objects.filter(account=bob_account).values_list("statement_date", "points"))
    assert points == {JAN_31: 100, FEB_28: 50, MAR_31: 20, APR_30: 0}
    april = PointsPosting.objects.get(statement_date=APR_30)
    assert (april.forfeited, april.days_past_due) == (True, 61)  # 30 April − 28 February
    assert april.eligible_spend == Decimal("300.00") and april.counted_spend == Decimal("0.00")
    march = PointsPosting.objects.get(statement_date=MAR_31)
    assert (march.forfeited, march.days_past_due) == (False, 31)

    pay(bob_account, "3000.00", dt.date(2026, 5, 5), "pay/all")
    purchase(bob_account, "55.00", dt.date(2026, 5, 10), "charge/5")
    refund(bob_account, "300.00", dt.date(2026, 5, 12), "charge/4-refund", of=forfeited_hotel)
    run_through(MAY_31)
    may = PointsPosting.objects.get(statement_date=MAY_31)
    # The April 300.00 stays out for good, and so does its refund: 1,755.00 counted in all → 175 points.
    assert (may.forfeited, may.eligible_spend, may.points) == (False, Decimal("55.00"), 5)
    assert (may.cumulative_spend, may.cumulative_points) == (Decimal("1755.00"), 175)
    assert_ledger_clean()


def test_spend_while_suspended_or_after_the_end_earns_nothing(enrolled, bob_account):
    purchase(bob_account, "100.00", dt.date(2026, 1, 10), "charge/1")
    enrolment_suspend(enrolment=enrolled, on=dt.date(2026, 1, 15), by=None, reason="Arrears")
    purchase(bob_account, "100.00", dt.date(2026, 1, 15), "charge/2")  # the suspension day itself
    enrolment_resume(enrolment=enrolled, on=dt.date(2026, 1, 20), by=None)
    purchase(bob_account, "100.00", dt.date(2026, 1, 20), "charge/3")
    enrolment_end(enrolment=enrolled, on=dt.date(2026, 1, 25), by=None, reason="Left the programme")
    purchase(bob_account, "100.00", dt.date(2026, 1, 26), "charge/4")
    run_through(FEB_28, start=JAN_5)
    assert statement(bob_account, JAN_31).eurobonus_points == 20
    # February: no longer a member, so no points posting at all.
    assert not PointsPosting.objects.filter(statement_date=FEB_28).exists()
    assert statement(bob_account, FEB_28).eurobonus_points == 0


def test_refund_during_a_suspension_still_takes_back_the_points(enrolled, bob_account):
    hotel = purchase(bob_account, "100.00", dt.date(2026, 1, 10), "charge/1")
    run_through(JAN_31, start=JAN_5)
    enrolment_suspend(enrolment=enrolled, on=dt.date(2026, 2, 1), by=None, reason="Arrears")
    refund(bob_account, "100.00", dt.date(2026, 2, 3), "charge/1-refund", of=hotel)
    run_through(FEB_28)
    assert statement(bob_account, FEB_28).eurobonus_points == -10


def test_spend_before_a_pa_approved_enrolment_earns_nothing(bob_account, alice):
    from tests.rewards.conftest import request_and_approve

    purchase(bob_account, "500.00", dt.date(2026, 1, 10), "charge/before")
    run_through(dt.date(2026, 1, 14), start=JAN_5)
    request_and_approve(bob_account, on=dt.date(2026, 1, 14), by=alice)
    purchase(bob_account, "40.00", dt.date(2026, 1, 20), "charge/after")
    run_through(JAN_31)
    assert statement(bob_account, JAN_31).eurobonus_points == 4


def test_running_the_day_again_awards_nothing_twice(enrolled, bob_account):
    from amexprog.common.cycle import cycle_run_day

    purchase(bob_account, "1234.00", dt.date(2026, 1, 10), "charge/1")
    run_through(JAN_31, start=JAN_5)
    cycle_run_day(on=JAN_31)
    assert PointsPosting.objects.count() == 1
    assert statement(bob_account, JAN_31).eurobonus_points == 123
    batch = ExportBatch.objects.get()
    assert (batch.month, batch.status, batch.reference) == (dt.date(2026, 1, 1), "accrued", "AMEXPROG-EB-2026-01")
    assert list(batch.lines.values_list("points", flat=True)) == [123]


def test_unenrolled_accounts_get_no_points(bob_account, other_account):
    purchase(other_account, "1000.00", dt.date(2026, 1, 10), "charge/1")
    run_through(JAN_31, start=JAN_5)
    assert statement(other_account, JAN_31).eurobonus_points == 0
    assert not PointsPosting.objects.exists()
