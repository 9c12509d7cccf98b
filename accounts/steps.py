"""The accounts app's daily step (SPEC section 11, terms §31): card renewals before expiry, expiry,
and closure of accounts left without a card after the request window and a notice; the embossing
spool's retention."""

from __future__ import annotations

import datetime as dt

from accounts.embossing import embossing_spool_purge
from accounts.lifecycle import cards_lifecycle_run
from amexprog.common.cycle import cycle_step


@cycle_step(order=75, name="card_lifecycle")
def card_lifecycle(on: dt.date) -> int:
    return cards_lifecycle_run(on=on)


@cycle_step(order=97, name="embossing_spool_retention")
def embossing_spool_retention(on: dt.date) -> int:
    """Spool files never collected are deleted after EMBOSSING_SPOOL_RETENTION_DAYS (SPEC section 16,
    issue 15 item 6)."""
    return embossing_spool_purge(on=on)


@cycle_step(order=35, name="issuer_closures")
def issuer_closures(on: dt.date) -> int:
    """Closures by the issuer with notice, on the date the notice named (terms §31a): after the day's fees
    and interest, before the statement day, so the final statement (terms §32) is the day's statement."""
    from accounts.issuer_closure import issuer_closures_due

    return issuer_closures_due(on=on)
