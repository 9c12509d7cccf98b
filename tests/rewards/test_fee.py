"""The EuroBonus fee (SPEC section 7): DKK 250 incl. VAT the day after first enrolment and on each
anniversary of that day, as a daily cycle step; not while suspended or after the end."""

import datetime as dt
from decimal import Decimal

import pytest

from amexprog.common.cycle import cycle_run_day
from fees.models import FeeSchedule
from ledger.models import Posting
from rewards.services import enrolment_end, enrolment_resume, enrolment_suspend
from rewards.steps import eurobonus_fee
from tests.rewards.conftest import JAN_5, MEMBER, request_and_approve
from tests.statements.conftest import run_through

pytestmark = pytest.mark.django_db


def fee_step_through(first: dt.date, last: dt.date) -> None:
    """Only the registered eurobonus_fee step, day by day: a year of the full cycle costs half a
    minute, and the first test below runs the whole cycle anyway."""
    day = first
    while day <= last:
        eurobonus_fee(day)
        day += dt.timedelta(days=1)


def fees(account):
    return list(Posting.objects.filter(account=account, kind="fee_eurobonus").order_by("posting_date")
                .values_list("posting_date", "amount"))


def test_the_fee_falls_the_day_after_enrolment_and_on_each_anniversary(bob_account, alice):
    run_through(dt.date(2026, 3, 10), start=JAN_5)
    request_and_approve(bob_account, on=dt.date(2026, 3, 10), by=alice)
    run_through(dt.date(2026, 3, 11))
    assert fees(bob_account) == [(dt.date(2026, 3, 11), Decimal("250.00"))]
    fee = Posting.objects.get(kind="fee_eurobonus")
    assert fee.source_key == f"eurobonus-fee/{bob_account.pk}/1"
    assert fee.explanation == {
        "rule": "eurobonus_fee", "fee_schedule_id": fee.explanation["fee_schedule_id"],
        "fee_schedule": "DK from 2000-01-01 (DK terms (SPEC section 7))", "schedule_fee": "250.00",
        "membership_year": 1, "year_start": "2026-03-11", "year_end": "2027-03-10",
        "first_enrolled_on": "2026-03-10", "member_number": MEMBER, "charged_late": False,
    }
    assert fee.related is None and fee.amount.currency.code == "DKK"

    run_through(dt.date(2027, 3, 11))
    assert fees(bob_account) == [(dt.date(2026, 3, 11), Decimal("250.00")), (dt.date(2027, 3, 11), Decimal("250.00"))]
    # The fee is on the statement of its period, and re-running the days posts nothing twice.
    statement = bob_account.statements.get(statement_date=dt.date(2026, 3, 31))
    assert statement.totals["fee_eurobonus"] == "250.00"
    before = Posting.objects.count()
    cycle_run_day(on=dt.date(2026, 3, 11))
    cycle_run_day(on=dt.date(2027, 3, 11))
    assert Posting.objects.count() == before


def test_a_card_order_enrolment_pays_the_next_day(enrolled, bob_account):
    run_through(dt.date(2026, 1, 7), start=JAN_5)
    assert fees(bob_account) == [(dt.date(2026, 1, 6), Decimal("250.00"))]


def test_no_fee_while_suspended_and_the_year_is_charged_when_it_resumes(enrolled, bob_account):
    fee_step_through(JAN_5, dt.date(2026, 12, 1))
    enrolment_suspend(enrolment=enrolled, on=dt.date(2026, 12, 1), by=None, reason="Arrears (terms §38g)")
    fee_step_through(dt.date(2026, 12, 2), dt.date(2027, 1, 31))
    assert fees(bob_account) == [(dt.date(2026, 1, 6), Decimal("250.00"))]  # nothing on 6 January 2027

    enrolment_resume(enrolment=enrolled, on=dt.date(2027, 2, 1), by=None)
    fee_step_through(dt.date(2027, 2, 1), dt.date(2027, 2, 5))
    assert fees(bob_account) == [(dt.date(2026, 1, 6), Decimal("250.00")), (dt.date(2027, 2, 1), Decimal("250.00"))]
    late = Posting.objects.get(source_key=f"eurobonus-fee/{bob_account.pk}/2")
    assert (late.explanation["year_start"], late.explanation["charged_late"]) == ("2027-01-06", True)


def test_no_fee_after_the_end(enrolled, bob_account):
    fee_step_through(JAN_5, dt.date(2026, 6, 1))
    enrolment_end(enrolment=enrolled, on=dt.date(2026, 6, 1), by=None, reason="Employee asked to leave")
    fee_step_through(dt.date(2026, 6, 2), dt.date(2027, 1, 10))
    assert fees(bob_account) == [(dt.date(2026, 1, 6), Decimal("250.00"))]


def test_the_fee_follows_the_schedule_in_force(enrolled, bob_account):
    FeeSchedule.objects.create(
        market="DK", currency="DKK", effective_from=dt.date(2026, 6, 1), published_on=dt.date(2026, 3, 1),
        label="DK 2026-06", annual_fee_max=Decimal("650.00"), reminder_fee=Decimal("100.00"),
        fx_fee_percent=Decimal("2.500"), cash_fee_percent=Decimal("4.000"), cash_fee_minimum=Decimal("25.00"),
        eurobonus_fee=Decimal("275.00"),
    )
    fee_step_through(JAN_5, dt.date(2027, 1, 6))
    assert fees(bob_account) == [(dt.date(2026, 1, 6), Decimal("250.00")), (dt.date(2027, 1, 6), Decimal("275.00"))]


def test_a_29_february_fee_date_falls_on_28_february_in_other_years(bob_account, alice):
    request_and_approve(bob_account, on=dt.date(2028, 2, 28), by=alice)
    fee_step_through(dt.date(2028, 2, 28), dt.date(2029, 3, 1))
    assert [day for day, _amount in fees(bob_account)] == [dt.date(2028, 2, 29), dt.date(2029, 2, 28)]


def test_the_statement_line_explains_the_fee(enrolled, bob_account):
    from statements.rendering.explain import explain_posting

    run_through(dt.date(2026, 1, 7), start=JAN_5)
    fee = Posting.objects.get(kind="fee_eurobonus")
    assert explain_posting(fee, "en") == (
        "SAS EuroBonus fee for membership year 1 (6 Jan 2026 – 5 Jan 2027), EuroBonus number EBS123456789")
