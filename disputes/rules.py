"""The dates and limits of SPEC section 12: which rules are in force, the deadlines measured from a
statement date, bank days, and which merchants are in the EEA."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache

import holidays
from dateutil.easter import easter
from django.utils.translation import gettext_lazy as _

from accounts.services import add_months
from amexprog.common.errors import ApplicationError
from disputes.models import DisputeRules

NO_RULES = _("No dispute rules for market {market} are in force on {on}.")

# The starting versions (created after every migrate when missing; ops add later versions).
# DK: terms §7 and §22–§23 and the Danish Payments Act §100 (DKK 375). BE: the PSD2 figure the
# Belgian Code of Economic Law uses for the holder's share (EUR 50); the other figures as in DK.
DEFAULT_RULES = (
    dict(market="DK", currency="DKK", effective_from=dt.date(2000, 1, 1), unauthorized_holder_cap=Decimal("375.00")),
    dict(market="BE", currency="EUR", effective_from=dt.date(2000, 1, 1), unauthorized_holder_cap=Decimal("50.00")),
)

# The European Economic Area: the EU member states, Iceland, Liechtenstein and Norway (terms §23
# gives the refund right for payments to merchants inside it).
EEA_COUNTRIES = frozenset({
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU",
    "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
})


def ensure_default_rules(**kwargs) -> None:
    for spec in DEFAULT_RULES:
        DisputeRules.objects.get_or_create(market=spec["market"], effective_from=spec["effective_from"],
                                           defaults=spec)


def rules_in_force(*, market: str, on: dt.date) -> DisputeRules:
    """The latest version effective on or before `on`."""
    rules = DisputeRules.objects.filter(market=market, effective_from__lte=on).order_by("-effective_from").first()
    if rules is None:
        raise ApplicationError(str(NO_RULES).format(market=market, on=on), "no_dispute_rules")
    return rules


def late_from(statement_date: dt.date, rules: DisputeRules) -> dt.date:
    """The first day a dispute is late: 1 month after the statement date is still on time."""
    return add_months(statement_date, rules.late_after_months) + dt.timedelta(days=1)


def refused_from(statement_date: dt.date, rules: DisputeRules) -> dt.date:
    """The first day a dispute is refused: 13 months after the statement date is still accepted."""
    return add_months(statement_date, rules.refused_after_months) + dt.timedelta(days=1)


def refund_request_last_day(statement_date: dt.date, rules: DisputeRules) -> dt.date:
    """The last day a refund request is accepted: 8 weeks after the statement date (terms §23)."""
    return statement_date + dt.timedelta(weeks=rules.refund_request_weeks)


def is_eea(country: str) -> bool:
    return country.upper() in EEA_COUNTRIES


# Bank days --------------------------------------------------------------------------------------

@lru_cache(maxsize=64)
def _closing_days(market: str, year: int) -> frozenset[dt.date]:
    """The days banks are closed besides weekends, from the maintained `holidays` calendars.

    Denmark: the public holidays, plus the banks' own closing days (Constitution Day, Christmas Eve,
    New Year's Eve — `holidays` lists these as optional — and the Friday after Ascension Day), so a
    deadline counts only days a Danish bank is open. Belgium: its public holidays.
    """
    if market == "BE":
        return frozenset(holidays.Belgium(years=year))
    public = holidays.Denmark(years=year)
    optional = holidays.Denmark(years=year, categories=(holidays.OPTIONAL,))
    days = set(public)
    days |= {day for day in optional if (day.month, day.day) in {(6, 5), (12, 24), (12, 31)}}
    days.add(easter(year) + dt.timedelta(days=40))  # Ascension Day is Easter + 39 days
    return frozenset(days)


def is_bank_day(day: dt.date, market: str = "DK") -> bool:
    return day.weekday() < 5 and day not in _closing_days(market, day.year)


def add_bank_days(day: dt.date, count: int, market: str = "DK") -> dt.date:
    """The `count`-th bank day after `day` (the day itself is day 0, whatever it is)."""
    while count > 0:
        day += dt.timedelta(days=1)
        if is_bank_day(day, market):
            count -= 1
    return day
