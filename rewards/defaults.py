"""The points rules in force from the start: SPEC section 13's DK figures, and a clearly labelled
BE demo rule (the sources give no Belgian figure; ops enter the real one). Created after every
`migrate` when missing; versions ops add later take precedence by effective date."""

import datetime as dt
from decimal import Decimal

DK = dict(market="DK", currency="DKK", effective_from=dt.date(2000, 1, 1), label="DK terms §38 (SPEC section 13)",
          spend_per_point=Decimal("10.00"), forfeit_after_days_past_due=60)
BE = dict(market="BE", currency="EUR", effective_from=dt.date(2000, 1, 1),
          label="BE demo figure — not from the sources; ops enter the real rule",
          spend_per_point=Decimal("1.35"), forfeit_after_days_past_due=60)


def ensure_default_points_rules(**kwargs) -> None:
    from rewards.models import PointsRule

    for spec in (DK, BE):
        PointsRule.objects.get_or_create(market=spec["market"], effective_from=spec["effective_from"], defaults=spec)
