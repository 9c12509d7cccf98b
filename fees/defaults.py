"""The schedules in force from the start: SPEC section 7's DK figures, and clearly labelled BE demo
amounts (the Belgian sources give none; ops enter the real ones). Created after every `migrate`
when missing; versions ops publish later take precedence by effective date."""

import datetime as dt
from decimal import Decimal

DK = dict(market="DK", currency="DKK", effective_from=dt.date(2000, 1, 1), published_on=dt.date(2000, 1, 1),
          label="DK terms (SPEC section 7)", annual_fee_max=Decimal("650.00"), reminder_fee=Decimal("100.00"),
          fx_fee_percent=Decimal("2.500"), cash_fee_percent=Decimal("4.000"), cash_fee_minimum=Decimal("25.00"),
          eurobonus_fee=Decimal("250.00"), late_interest_margin_percent=Decimal("7.000"))
BE = dict(market="BE", currency="EUR", effective_from=dt.date(2000, 1, 1), published_on=dt.date(2000, 1, 1),
          label="BE demo amounts — not from the sources; ops enter the real schedule",
          annual_fee_max=Decimal("90.00"), reminder_fee=Decimal("7.50"), fx_fee_percent=Decimal("2.500"),
          cash_fee_percent=Decimal("4.000"), cash_fee_minimum=Decimal("3.50"), eurobonus_fee=Decimal("35.00"),
          late_interest_margin_percent=Decimal("7.000"))


def ensure_default_schedules(**kwargs) -> None:
    from fees.models import FeeSchedule

    for spec in (DK, BE):
        FeeSchedule.objects.get_or_create(market=spec["market"], effective_from=spec["effective_from"], defaults=spec)
