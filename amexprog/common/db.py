"""Exact money aggregates on every database.

SQLite stores decimals as binary floats, so SUM(0.10 + 0.20 - 0.30) is 5.55e-17 there, not 0.
Ledger amounts have two decimals (DKK, EUR), so summing them as integer minor units is exact on
SQLite and PostgreSQL alike; `from_minor` turns the integer back into a Decimal.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import BigIntegerField, F, Sum
from django.db.models.functions import Cast, Round

CENTS = Decimal("0.01")


def minor_sum(field: str) -> Sum:
    """SUM(field) in minor units (øre/cent) as an integer."""
    return Sum(Cast(Round(F(field) * 100), BigIntegerField()))


def from_minor(total: int | None) -> Decimal:
    return (Decimal(total or 0) * CENTS).quantize(CENTS)
