"""Late-interest rate (SPEC section 8, terms §9i): Danmarks Nationalbank's official lending rate in
force on the last 1 January or 1 July, plus the margin of the fee schedule (7 points)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from amexprog.common.errors import ApplicationError
from fees.models import ReferenceRate
from fees.selectors import fee_schedule_in_force

NO_REFERENCE_RATE = "No reference interest rate is loaded for {half_year} (load one with load_reference_rates)."


@dataclass(frozen=True)
class AnnualRate:
    percent: Decimal
    reference_percent: Decimal
    margin_percent: Decimal
    half_year_start: dt.date
    reference_effective_date: dt.date


def half_year_start(day: dt.date) -> dt.date:
    """The most recent 1 January or 1 July on or before `day`."""
    return dt.date(day.year, 1 if day.month < 7 else 7, 1)


def late_interest_rate(*, on: dt.date, market: str) -> AnnualRate:
    """The annual rate for day `on`, fixed per half-year: a change on 15 March waits for 1 July."""
    start = half_year_start(on)
    reference = ReferenceRate.objects.filter(effective_date__lte=start).order_by("-effective_date").first()
    if reference is None:
        raise ApplicationError(NO_REFERENCE_RATE.format(half_year=start), "no_reference_rate")
    margin = fee_schedule_in_force(market=market, on=on).late_interest_margin_percent
    return AnnualRate(
        percent=reference.rate_percent + margin,
        reference_percent=reference.rate_percent,
        margin_percent=margin,
        half_year_start=start,
        reference_effective_date=reference.effective_date,
    )
