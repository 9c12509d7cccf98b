"""verify_ledger's points checks (SPEC section 4: "points equal their postings"), and the cumulative
rule as a property: whatever the spend, refunds and forfeits, the points awarded so far are always
floor(counted spend ÷ 10) and the remainder is never lost."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given
from hypothesis import strategies as st

from rewards.exports import eurobonus_batch_export
from rewards.models import ExportBatch, PointsPosting, PointsRule
from rewards.points import award
from statements.models import Statement
from tests.rewards.conftest import JAN_5, purchase
from tests.statements.conftest import run_through


def problems() -> dict[str, list[str]]:
    from ledger.verification import verify_ledger

    return {name: found for name, found in verify_ledger().items() if found}


@pytest.fixture
def awarded(enrolled, bob_account):
    purchase(bob_account, "1999.99", dt.date(2026, 1, 10), "charge/1")
    purchase(bob_account, "500.00", dt.date(2026, 2, 10), "charge/2")
    run_through(dt.date(2026, 2, 28), start=JAN_5)
    assert problems() == {}
    return bob_account


@pytest.mark.django_db
def test_a_statement_showing_other_points_than_its_posting_fails(awarded):
    Statement.objects.filter(account=awarded, statement_date=dt.date(2026, 1, 31)).update(eurobonus_points=200)
    found = problems()
    assert list(found) == ["statement points equal their points postings"]
    assert "shows 200 points but its points posting has 199" in found["statement points equal their points postings"][0]
    with pytest.raises(CommandError):
        call_command("verify_ledger")


@pytest.mark.django_db
def test_a_posting_that_does_not_continue_the_previous_one_fails(awarded):
    PointsPosting.objects.filter(statement_date=dt.date(2026, 2, 28)).update(cumulative_points=251)
    assert list(problems()) == ["points postings add up per account"]


@pytest.mark.django_db
def test_a_batch_whose_lines_changed_after_export_fails(awarded):
    eurobonus_batch_export(month=dt.date(2026, 1, 1), on=dt.date(2026, 3, 1))
    ExportBatch.objects.filter(month=dt.date(2026, 1, 1)).update(control_total=198)
    assert list(problems()) == ["SAS batches equal their lines"]


RULE = PointsRule(market="DK", currency="DKK", spend_per_point=Decimal("10.00"), forfeit_after_days_past_due=60)
cents = st.integers(min_value=-50_000, max_value=500_000).map(lambda n: Decimal(n) / 100)


@given(st.lists(st.tuples(cents, st.booleans()), max_size=24))
def test_points_always_equal_the_cumulative_rule(periods):
    carried, awarded_so_far, counted = Decimal("0.00"), 0, Decimal("0.00")
    for spend, forfeited in periods:
        result = award(eligible_spend=spend, carried_in=carried, rule=RULE, forfeited=forfeited)
        if forfeited:
            assert result.points == 0 and result.carried_out == carried
        else:
            counted += spend
        awarded_so_far += result.points
        carried = result.carried_out
        # floor(total eligible spend since enrolment ÷ 10) − points already awarded, every time:
        assert awarded_so_far == (counted / 10).to_integral_value(rounding="ROUND_FLOOR")
        assert Decimal(0) <= carried < Decimal(10)
        assert counted == awarded_so_far * 10 + carried
