"""`load_reference_rates FILE`: CSV `effective_date,rate_percent` (SPEC section 8)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import BinaryIO

from django.db import transaction

from amexprog.common.csvfiles import ErrorCollector, parse_date, read_rows
from amexprog.common.errors import ApplicationError
from fees.models import ReferenceRate

COLUMNS = ["effective_date", "rate_percent"]


@transaction.atomic
def reference_rates_load(*, stream: BinaryIO) -> tuple[int, int]:
    """Validate the whole file, then create or update each rate; returns (created, updated)."""
    errors = ErrorCollector()
    rows: dict = {}
    for row_number, row in read_rows(stream, COLUMNS, errors):
        try:
            day = parse_date(row["effective_date"])
        except ValueError as exc:
            errors.add(row_number, "effective_date", str(exc))
            continue
        try:
            rate = Decimal(row["rate_percent"])
            if not rate.is_finite() or abs(rate) >= 100 or rate != rate.quantize(Decimal("0.0001")):
                raise InvalidOperation
        except InvalidOperation:
            errors.add(row_number, "rate_percent", f"{row['rate_percent']!r} is not a rate in percent (e.g. 1.60)")
            continue
        if day in rows:
            errors.add(row_number, "effective_date", f"{day} appears twice in the file")
            continue
        rows[day] = rate
    errors.raise_if_any()
    created = updated = 0
    for day, rate in rows.items():
        _obj, was_created = ReferenceRate.objects.update_or_create(effective_date=day,
                                                                   defaults={"rate_percent": rate})
        created += was_created
        updated += not was_created
    return created, updated


RATE_INVALID = "A reference rate is a percentage below 100 with at most 4 decimals (e.g. 1.60)."


def check_rate(rate_percent: Decimal) -> None:
    """A percentage below 100 with at most 4 decimals (SPEC section 8); the admin form asks the same."""
    if isinstance(rate_percent, float):
        raise TypeError("rate_percent must be a Decimal")
    if not rate_percent.is_finite() or abs(rate_percent) >= 100 or rate_percent != rate_percent.quantize(
            Decimal("0.0001")):
        raise ApplicationError(RATE_INVALID, "invalid_rate", {"field": "rate_percent"})


@transaction.atomic
def reference_rate_set(*, effective_date, rate_percent: Decimal) -> tuple[ReferenceRate, bool]:
    """Create or correct the rate in force from `effective_date` (SPEC section 8); (rate, created)."""
    check_rate(rate_percent)
    return ReferenceRate.objects.update_or_create(effective_date=effective_date,
                                                  defaults={"rate_percent": rate_percent})
