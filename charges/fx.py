"""Foreign-currency conversion and the fees that depend on it (SPEC section 6, section 7, terms §9e, §9g, §11).

Every figure is a Decimal. Cross rates are never rounded before use: a conversion multiplies by one
ECB rate and divides by another with RATE_PRECISION significant digits, and rounds once, half-up,
to the target currency's minor unit. The rates stored on a posting (12 decimals) are for display.

The bulk import (charges/bulk.py) computes the same figures in SQL; tests run one file through
both paths and require identical ledgers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from django.db import connection

from amexprog.common.errors import ApplicationError
from amexprog.common.money import require_decimal, round_money
from amexprog.common.prepared import execute, row_plan
from charges.models import FxRate

# SPEC section 6: the rate date is the latest day with published rates strictly before the
# processing date; if none lies within this many days the charge is an error, never a guess.
RATE_WINDOW_DAYS = 7
RATE_PRECISION = 80  # significant digits of every intermediate product and quotient
DISPLAY_RATE = Decimal("1e-12")  # the scale of Posting.fx_rate / fx_rate_to_usd
MARKUP_PLACES = Decimal("1e-4")
USD = "USD"
EUR = "EUR"

FX_FEE_RULE = "SPEC 6: FX fee"
CASH_FEE_RULE = "SPEC 7: cash fee"
FX_FEE_DESCRIPTION = "Currency conversion fee on {currency} {amount}"
CASH_FEE_DESCRIPTION = "Cash withdrawal fee on {currency} {amount}"

NO_RATES = "No ECB rates were published in the {days} days before {processing_date}."
NO_RATE_FOR_CURRENCY = "No ECB rate for {currency} on {rate_date}."
FLOAT_REFUSED = "money amounts must be Decimal, never float"


def _require_decimals(*values: object) -> None:
    for value in values:
        if isinstance(value, float):
            raise TypeError(FLOAT_REFUSED)
        require_decimal(value)


@dataclass(frozen=True)
class RateSet:
    """The ECB rates of one day, as units per 1 EUR (EUR itself is 1)."""

    rate_date: dt.date
    per_eur: Mapping[str, Decimal]

    def rate(self, currency: str) -> Decimal:
        try:
            return self.per_eur[currency]
        except KeyError:
            raise ApplicationError(
                NO_RATE_FOR_CURRENCY.format(currency=currency, rate_date=self.rate_date), "no_fx_rate",
                {"currency": currency, "rate_date": self.rate_date.isoformat()},
            ) from None


def _no_rates(processing_date: dt.date) -> ApplicationError:
    return ApplicationError(
        NO_RATES.format(days=RATE_WINDOW_DAYS, processing_date=processing_date), "no_fx_rates",
        {"processing_date": processing_date.isoformat()},
    )


def fx_rate_date_for(*, processing_date: dt.date) -> dt.date:
    """The latest day with published rates strictly before the processing date (SPEC section 6)."""
    return fx_rates_for(processing_date=processing_date).rate_date


# The rates of the latest day with published rates strictly before the processing date and at most
# RATE_WINDOW_DAYS before it, in one statement: read on every foreign-currency authorization.
RATES_SQL = """
SELECT {columns} FROM {table} t
 WHERE t.rate_date = (SELECT MAX(rate_date) FROM {table} WHERE rate_date < %s AND rate_date >= %s)
"""


def fx_rates_for(*, processing_date: dt.date) -> RateSet:
    """The ECB rates of the rate date for this processing date (SPEC section 6)."""
    plan = row_plan(FxRate, "t", connection.vendor, ("rate_date", "currency", "rate"))
    earliest = processing_date - dt.timedelta(days=RATE_WINDOW_DAYS)
    with connection.cursor() as cursor:
        execute(cursor, "fx_rates_for", RATES_SQL.format(columns=", ".join(plan.columns), table=FxRate._meta.db_table),
                [processing_date, earliest], ["date", "date"])
        rows = [dict(zip(plan.attnames, plan.convert(row), strict=True)) for row in cursor.fetchall()]
    if not rows:
        raise _no_rates(processing_date)
    rates = {row["currency"]: row["rate"] for row in rows}
    rates.setdefault(EUR, Decimal(1))
    return RateSet(rate_date=rows[0]["rate_date"], per_eur=rates)


@dataclass
class FxRateBook:
    """Rates per processing date, read once per import instead of once per charge."""

    _by_processing_date: dict[dt.date, RateSet | ApplicationError] = field(default_factory=dict)

    def for_processing_date(self, processing_date: dt.date) -> RateSet:
        found = self._by_processing_date.get(processing_date)
        if found is None:
            try:
                found = fx_rates_for(processing_date=processing_date)
            except ApplicationError as exc:
                found = exc
            self._by_processing_date[processing_date] = found
        if isinstance(found, ApplicationError):
            raise found
        return found


@dataclass(frozen=True)
class Conversion:
    """How an amount in the charge currency became the billing-currency amount (SPEC section 6)."""

    original_amount: Decimal
    original_currency: str
    billing_currency: str
    billed_amount: Decimal  # rounded half-up to the billing currency's minor unit
    rate_date: dt.date | None = None
    usd_amount: Decimal | None = None  # the USD step, rounded to the cent (the amount itself for USD)
    rate_to_usd: Decimal | None = None  # original → USD, for display; None for USD and no conversion
    usd_rate: Decimal | None = None  # USD → billing currency, for display
    ecb_cross_rate: Decimal | None = None  # original → billing currency directly, for the markup disclosure
    # The published rates behind the cross rate, so the markup is measured against full precision.
    billing_per_eur: Decimal | None = None
    original_per_eur: Decimal | None = None

    @property
    def converted(self) -> bool:
        return self.rate_date is not None


def _display(rate: Decimal) -> Decimal:
    return rate.quantize(DISPLAY_RATE, rounding=ROUND_HALF_UP)


def fx_convert(*, amount: Decimal, currency: str, billing_currency: str, rates: RateSet | None) -> Conversion:
    """Convert a positive charge amount to the billing currency (SPEC section 6).

    USD converts straight to the billing currency; any other currency converts first to USD,
    rounded half-up to the cent, then to the billing currency, rounded half-up. A charge in the
    billing currency needs no conversion (and no rates).
    """
    _require_decimals(amount)
    if currency == billing_currency:
        return Conversion(original_amount=amount, original_currency=currency, billing_currency=billing_currency,
                          billed_amount=round_money(amount, billing_currency))
    if rates is None:
        raise ValueError("a foreign-currency charge needs the day's rates")
    original_per_eur, usd_per_eur, billing_per_eur = (
        rates.rate(currency), rates.rate(USD), rates.rate(billing_currency)
    )
    with localcontext() as context:
        context.prec = RATE_PRECISION
        if currency == USD:
            usd_amount = amount
            rate_to_usd = None
        else:
            usd_amount = round_money(amount * usd_per_eur / original_per_eur, USD)
            rate_to_usd = _display(usd_per_eur / original_per_eur)
        billed = round_money(usd_amount * billing_per_eur / usd_per_eur, billing_currency)
        usd_rate = _display(billing_per_eur / usd_per_eur)
        cross = _display(billing_per_eur / original_per_eur)
    return Conversion(
        original_amount=amount, original_currency=currency, billing_currency=billing_currency, billed_amount=billed,
        rate_date=rates.rate_date, usd_amount=usd_amount, rate_to_usd=rate_to_usd, usd_rate=usd_rate,
        ecb_cross_rate=cross, billing_per_eur=billing_per_eur, original_per_eur=original_per_eur,
    )


def percent_of(*, base: Decimal, percent: Decimal, currency: str) -> Decimal:
    _require_decimals(base, percent)
    with localcontext() as context:
        context.prec = RATE_PRECISION
        return round_money(base * percent / 100, currency)


def fx_fee_amount(*, converted: Decimal, percent: Decimal, currency: str) -> Decimal:
    """The FX fee: `percent` of the converted amount, rounded half-up (SPEC section 6)."""
    return percent_of(base=abs(converted), percent=percent, currency=currency)


def cash_fee_amount(*, converted: Decimal, percent: Decimal, minimum: Decimal, currency: str) -> Decimal:
    """`percent` of the withdrawal in the billing currency, at least `minimum` (SPEC section 7)."""
    _require_decimals(minimum)
    return max(percent_of(base=abs(converted), percent=percent, currency=currency), minimum)


def fx_markup_percent(*, conversion: Conversion, fee: Decimal, credit: bool = False) -> Decimal:
    """The total conversion cost as a percentage over the ECB reference rate (EU regulation 2019/518).

    Cost = the FX fee plus what the rate used (with its USD-step rounding) took over the ECB cross
    rate; on a refund (a credit) the holder loses what they receive less than at the ECB rate.
    """
    _require_decimals(fee)
    with localcontext() as context:
        context.prec = RATE_PRECISION
        if conversion.billing_per_eur is None or conversion.original_per_eur is None:
            raise ValueError("no markup without a conversion")
        # cost ÷ (amount at the ECB cross rate), as one exact fraction divided once:
        # (fee + s·(billed − amount·bill/orig)) ÷ (amount·bill/orig) = (fee·orig + s·(billed·orig − amount·bill))
        # ÷ (amount·bill), where s is −1 on a credit (the holder receives less than at the ECB rate).
        sign = -1 if credit else 1
        bill, orig, amount = conversion.billing_per_eur, conversion.original_per_eur, conversion.original_amount
        numerator = 100 * (fee * orig + sign * (conversion.billed_amount * orig - amount * bill))
        cost_ratio = numerator / (amount * bill)
        markup = cost_ratio.quantize(MARKUP_PLACES, rounding=ROUND_HALF_UP)
    return markup.copy_abs() if markup == 0 else markup  # never "-0.0000"


def fx_fee_explanation(
    *, conversion: Conversion, fee: Decimal, percent: Decimal, fee_schedule_id: int, credit: bool = False
) -> dict[str, Any]:
    """What the FX fee line shows: rate used and its markup over the ECB rate (EU 2019/518, SPEC section 6)."""
    with localcontext() as context:
        context.prec = RATE_PRECISION
        rate_used = _display(conversion.billed_amount / conversion.original_amount)
    return {
        "rule": FX_FEE_RULE,
        "fee_schedule_id": fee_schedule_id,
        "percent": str(percent),
        "base_amount": str(conversion.billed_amount),
        "base_currency": conversion.billing_currency,
        "original_amount": str(round_money(conversion.original_amount, conversion.original_currency)),
        "original_currency": conversion.original_currency,
        "rate_date": conversion.rate_date.isoformat() if conversion.rate_date else None,
        "rate_used": str(rate_used),
        "ecb_rate": str(conversion.ecb_cross_rate),
        "markup_percent": str(fx_markup_percent(conversion=conversion, fee=fee, credit=credit)),
    }


def cash_fee_explanation(
    *, base: Decimal, currency: str, percent: Decimal, minimum: Decimal, fee_schedule_id: int
) -> dict[str, Any]:
    return {
        "rule": CASH_FEE_RULE,
        "fee_schedule_id": fee_schedule_id,
        "percent": str(percent),
        "minimum": str(minimum),
        "base_amount": str(base),
        "base_currency": currency,
    }
