"""SPEC section 6 (conversion, FX fee) and section 7 (cash fee), with every figure written out."""

import datetime as dt
from decimal import Decimal

import pytest

from amexprog.common.errors import ApplicationError
from charges.fx import (
    NO_RATES,
    cash_fee_amount,
    fx_convert,
    fx_fee_amount,
    fx_fee_explanation,
    fx_markup_percent,
    fx_rate_date_for,
    fx_rates_for,
)
from fees.selectors import fee_schedule_in_force
from tests.charges.conftest import PROCESSING_DATE, RATE_DATE, RATES_2026_03_10, store_rates

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(spec_rates):
    return fx_rates_for(processing_date=PROCESSING_DATE)


@pytest.fixture
def dk_schedule():
    return fee_schedule_in_force(market="DK", on=PROCESSING_DATE)


@pytest.mark.parametrize(
    ("amount", "currency", "usd_step", "dkk", "fx_fee"),
    [
        ("100.00", "USD", "100.00", "687.65", "17.19"),
        ("200.00", "EUR", "217.00", "1492.20", "37.31"),
        ("1234.50", "SEK", "121.55", "835.84", "20.90"),
        ("45.99", "GBP", "59.26", "407.50", "10.19"),
        ("100.00", "EUR", "108.50", "746.10", "18.65"),
    ],
)
def test_spec_worked_example(rates, dk_schedule, amount, currency, usd_step, dkk, fx_fee):
    conversion = fx_convert(amount=Decimal(amount), currency=currency, billing_currency="DKK", rates=rates)
    assert conversion.rate_date == dt.date(2026, 3, 10)
    assert conversion.usd_amount == Decimal(usd_step)
    assert conversion.billed_amount == Decimal(dkk)
    fee = fx_fee_amount(converted=conversion.billed_amount, percent=dk_schedule.fx_fee_percent, currency="DKK")
    assert fee == Decimal(fx_fee)


def test_sek_goes_through_usd_not_a_direct_cross(rates):
    conversion = fx_convert(amount=Decimal("1234.50"), currency="SEK", billing_currency="DKK", rates=rates)
    direct = (Decimal("1234.50") * Decimal("7.4610") / Decimal("11.0200")).quantize(Decimal("0.01"))
    assert direct == Decimal("835.81")
    assert conversion.billed_amount == Decimal("835.84")


def test_usd_converts_straight_with_no_rate_to_usd(rates):
    conversion = fx_convert(amount=Decimal("100.00"), currency="USD", billing_currency="DKK", rates=rates)
    assert conversion.rate_to_usd is None
    assert conversion.usd_rate == Decimal("6.876497695853")


def test_the_billing_currency_needs_no_conversion_and_no_rates(db):
    conversion = fx_convert(amount=Decimal("300.00"), currency="DKK", billing_currency="DKK", rates=None)
    assert conversion.billed_amount == Decimal("300.00")
    assert not conversion.converted


@pytest.mark.parametrize(
    ("converted", "fee"),
    [("300.00", "25.00"), ("2000.00", "80.00"), ("746.10", "29.84")],
)
def test_spec_cash_fee_examples(dk_schedule, converted, fee):
    assert cash_fee_amount(converted=Decimal(converted), percent=dk_schedule.cash_fee_percent,
                           minimum=dk_schedule.cash_fee_minimum, currency="DKK") == Decimal(fee)


def test_eur_100_at_an_atm_costs_fx_fee_18_65_and_cash_fee_29_84(rates, dk_schedule):
    conversion = fx_convert(amount=Decimal("100.00"), currency="EUR", billing_currency="DKK", rates=rates)
    assert conversion.billed_amount == Decimal("746.10")
    assert fx_fee_amount(converted=conversion.billed_amount, percent=dk_schedule.fx_fee_percent,
                         currency="DKK") == Decimal("18.65")
    assert cash_fee_amount(converted=conversion.billed_amount, percent=dk_schedule.cash_fee_percent,
                           minimum=dk_schedule.cash_fee_minimum, currency="DKK") == Decimal("29.84")


def test_fx_line_discloses_the_rate_used_and_markup_over_the_ecb_rate(rates, dk_schedule):
    conversion = fx_convert(amount=Decimal("100.00"), currency="USD", billing_currency="DKK", rates=rates)
    explanation = fx_fee_explanation(conversion=conversion, fee=Decimal("17.19"), percent=Decimal("2.500"),
                                     fee_schedule_id=dk_schedule.pk)
    assert explanation == {
        "rule": "SPEC 6: FX fee", "fee_schedule_id": dk_schedule.pk, "percent": "2.500",
        "base_amount": "687.65", "base_currency": "DKK", "original_amount": "100.00", "original_currency": "USD",
        "rate_date": "2026-03-10", "rate_used": "6.876500000000", "ecb_rate": "6.876497695853",
        # (687.65 + 17.19) ÷ (100 × 7.4610 ÷ 1.0850) − 1 = 704.84 ÷ 687.649770 − 1 = 2.49985 %
        "markup_percent": "2.4999",
    }


def test_markup_on_a_refund_counts_the_fee_against_the_holder(rates):
    conversion = fx_convert(amount=Decimal("100.00"), currency="USD", billing_currency="DKK", rates=rates)
    # The holder gets 687.65 back but pays 17.19: 670.46 against 687.649770 at the ECB rate, 2.4998 % less.
    assert fx_markup_percent(conversion=conversion, fee=Decimal("17.19"), credit=True) == Decimal("2.4998")


def test_floats_are_refused(rates):
    with pytest.raises(TypeError):
        fx_convert(amount=100.0, currency="USD", billing_currency="DKK", rates=rates)
    with pytest.raises(TypeError):
        fx_fee_amount(converted=687.65, percent=Decimal("2.5"), currency="DKK")
    with pytest.raises(TypeError):
        cash_fee_amount(converted=Decimal("300"), percent=Decimal("4"), minimum=25.0, currency="DKK")


def test_rate_date_is_the_latest_published_day_strictly_before_processing(db):
    store_rates(dt.date(2026, 3, 6), RATES_2026_03_10)  # Friday
    store_rates(dt.date(2026, 3, 9), RATES_2026_03_10)  # Monday
    # Processed Monday: the Monday rates are not yet "before"; Friday's are used.
    assert fx_rate_date_for(processing_date=dt.date(2026, 3, 9)) == dt.date(2026, 3, 6)
    assert fx_rate_date_for(processing_date=dt.date(2026, 3, 10)) == dt.date(2026, 3, 9)
    # Over a weekend and holidays the last published day is still used, up to 7 days back.
    assert fx_rate_date_for(processing_date=dt.date(2026, 3, 16)) == dt.date(2026, 3, 9)


def test_no_rates_within_seven_days_is_an_error_never_a_guess(db):
    store_rates(RATE_DATE, RATES_2026_03_10)
    assert fx_rate_date_for(processing_date=dt.date(2026, 3, 17)) == RATE_DATE  # 7 days back: still fine
    with pytest.raises(ApplicationError) as error:
        fx_rate_date_for(processing_date=dt.date(2026, 3, 18))
    assert error.value.message == NO_RATES.format(days=7, processing_date=dt.date(2026, 3, 18))
    with pytest.raises(ApplicationError):
        fx_rate_date_for(processing_date=RATE_DATE)  # nothing strictly before
