"""The dates of SPEC section 12: Danish bank days (across Easter), and the deadlines measured from a
statement date, with every edge written out."""

import datetime as dt
from decimal import Decimal

import pytest

from disputes.models import DisputeRules
from disputes.rules import (
    add_bank_days,
    is_bank_day,
    is_eea,
    late_from,
    refund_request_last_day,
    refused_from,
    rules_in_force,
)

D = dt.date


def test_ten_bank_days_across_easter_2026_skip_maundy_thursday_to_easter_monday():
    """Complete information on Monday 30 March 2026. Bank days: 31 Mar (1), 1 Apr (2); Maundy Thursday
    2 Apr, Good Friday 3 Apr, the weekend and Easter Monday 6 Apr are closed; 7–10 Apr (3–6),
    13–16 Apr (7–10). Without the holidays it would be 13 April."""
    assert [is_bank_day(D(2026, 4, day)) for day in range(1, 8)] == [True, False, False, False, False, False, True]
    assert add_bank_days(D(2026, 3, 30), 10) == D(2026, 4, 16)


def test_information_complete_on_a_holiday_counts_from_the_next_bank_day():
    assert add_bank_days(D(2026, 4, 3), 1) == D(2026, 4, 7)  # Good Friday → Tuesday after Easter Monday
    assert add_bank_days(D(2026, 4, 4), 10) == D(2026, 4, 20)  # Saturday before Easter


def test_danish_bank_closing_days_besides_public_holidays():
    assert not is_bank_day(D(2026, 5, 15))  # the Friday after Ascension Day (14 May)
    assert not is_bank_day(D(2026, 6, 5))  # Constitution Day
    assert not is_bank_day(D(2026, 12, 24)) and not is_bank_day(D(2026, 12, 31))
    assert is_bank_day(D(2026, 5, 1))  # Labour Day: banks are open
    assert add_bank_days(D(2026, 12, 22), 3) == D(2026, 12, 29)  # 23, (24–27 closed), 28, 29


def test_belgian_bank_days_follow_belgian_holidays():
    assert not is_bank_day(D(2026, 7, 21), "BE")  # Belgian National Day
    assert is_bank_day(D(2026, 7, 21), "DK")


@pytest.mark.django_db
def test_default_rules_are_spec_section_12s_numbers():
    rules = rules_in_force(market="DK", on=D(2026, 3, 1))
    assert (rules.late_after_months, rules.refused_after_months, rules.refund_request_weeks,
            rules.refund_decision_bank_days) == (1, 13, 8, 10)
    assert (rules.unauthorized_holder_cap, rules.currency) == (Decimal("375.00"), "DKK")


@pytest.mark.django_db
def test_deadline_edges_from_a_statement_date():
    rules = rules_in_force(market="DK", on=D(2026, 3, 1))
    # 1 month after 31 January is 28 February: that day is on time, 1 March is late.
    assert late_from(D(2026, 1, 31), rules) == D(2026, 3, 1)
    assert late_from(D(2026, 3, 5), rules) == D(2026, 4, 6)
    # 13 months after 5 March 2026 is 5 April 2027: accepted that day, refused from the 6th.
    assert refused_from(D(2026, 3, 5), rules) == D(2027, 4, 6)
    # 8 weeks after 5 March 2026 is 30 April 2026: the last day a refund can be asked for.
    assert refund_request_last_day(D(2026, 3, 5), rules) == D(2026, 4, 30)


@pytest.mark.django_db
def test_ops_change_the_numbers_as_data_with_an_effective_date():
    DisputeRules.objects.create(market="DK", currency="DKK", effective_from=D(2026, 6, 1), late_after_months=2,
                                unauthorized_holder_cap=Decimal("400.00"))
    assert rules_in_force(market="DK", on=D(2026, 5, 31)).unauthorized_holder_cap == Decimal("375.00")
    later = rules_in_force(market="DK", on=D(2026, 6, 1))
    assert later.unauthorized_holder_cap == Decimal("400.00")
    assert late_from(D(2026, 6, 5), later) == D(2026, 8, 6)


def test_the_eea_is_the_eu_plus_iceland_liechtenstein_and_norway():
    assert all(is_eea(country) for country in ("DK", "DE", "no", "IS", "LI", "BE"))
    assert not any(is_eea(country) for country in ("US", "GB", "CH", "TR", ""))
