"""Which programme rules are in force (SPEC preamble: every number is data with an effective date).

The reminder timing, delinquency thresholds, hold lifetime, card lifecycle periods and contactless
ceilings live in ProgrammeRules, one version per market and effective date; each rule asks for the
version in force on the day it acts. The starting versions carry SPEC's defaults and are created
after every migrate when missing; ops add later versions in the admin.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from accounts.models import Market, ProgrammeRules
from amexprog.common.errors import ApplicationError
from amexprog.common.prepared import fetch_instance

NO_PROGRAMME_RULES = "No programme rules for market {market} are in force on {on}."

# The contactless ceilings without a PIN: PSD2 RTS (EU 2018/389) art. 11 allows EUR 50 per payment
# and EUR 150 or 5 payments since the last strong authentication; Danish terminals cap a
# contactless payment at DKK 350. A PA may set lower limits, never higher.
DEFAULT_PROGRAMME_RULES = (
    dict(market="DK", effective_from=dt.date(2000, 1, 1), contactless_charge_limit=Decimal("350.00"),
         contactless_cumulative_limit=Decimal("1100.00")),
    dict(market="BE", effective_from=dt.date(2000, 1, 1), contactless_charge_limit=Decimal("50.00"),
         contactless_cumulative_limit=Decimal("150.00")),
)


def ensure_default_programme_rules(**kwargs) -> None:
    for spec in DEFAULT_PROGRAMME_RULES:
        if not ProgrammeRules.objects.filter(market=spec["market"], effective_from=spec["effective_from"]).exists():
            ProgrammeRules(**spec).save()


def programme_rules(*, market: str, on: dt.date) -> ProgrammeRules:
    """The latest version effective on or before `on`, as a prepared statement (amexprog.common.prepared).
    The authorization reads the same version in its card look-up (charges.authorization_sql)."""
    rules = fetch_instance("programme_rules_in_force", ProgrammeRules, "t.market = %s AND t.effective_from <= %s",
                           [market, on], ["varchar", "date"], order_by="t.effective_from DESC")
    if rules is None:
        raise no_programme_rules(market=market, on=on)
    return rules


def no_programme_rules(*, market: str, on: dt.date) -> ApplicationError:
    """A configuration fault, not a bad request: answered as 503 where it reaches an API caller."""
    return ApplicationError(NO_PROGRAMME_RULES.format(market=market, on=on), "no_programme_rules", status=503)


def programme_rules_by_market(*, on: dt.date) -> dict[str, ProgrammeRules]:
    """Every market's version in force on `on`, for the daily steps that act on accounts of all markets."""
    return {market: programme_rules(market=market, on=on) for market in Market.values}
