"""The common app's daily step: Idempotency-Key records are purged after their retention (SPEC
sections 16, 17; issue 15 item 7). Their age is wall-clock time (when the request came), not the
business day; late in the day (96), nothing else depends on them."""

from __future__ import annotations

import datetime as dt

from amexprog.common import clock
from amexprog.common.cycle import cycle_step
from amexprog.common.idempotency import idempotency_records_purge


@cycle_step(order=96, name="idempotency_records_purge")
def idempotency_records_retention(on: dt.date) -> int:
    return idempotency_records_purge(now=clock.now())
