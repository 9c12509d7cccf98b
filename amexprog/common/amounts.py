"""Amounts in the API (SPEC section 16): strings with exactly their currency's decimals ("1650.00" for
DKK and EUR, "1234" for JPY), everywhere, by one formatter (amexprog.common.money.amount_string).

A DecimalField shows the model's decimal places: an authorization's amount (three places, for currencies
that have three) read "120.500" in the list while the decision said "120.50" (issue 18 item 5).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from amexprog.common.money import amount_string


@extend_schema_field({"type": "string", "nullable": True, "pattern": r"^-?\d+(\.\d+)?$", "example": "1650.00"})
class AmountField(serializers.Field):
    """An amount as a string with its currency's decimals, read from the object's `amount` attribute (a
    Decimal or a Money) and its `currency_attr` attribute (or a fixed currency); dotted names follow relations."""

    def __init__(self, amount: str, *, currency: str | None = None, currency_attr: str = "currency", **kwargs):
        self.amount_attr, self.fixed_currency, self.currency_attr = amount, currency, currency_attr
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)

    @staticmethod
    def _get(obj: Any, dotted: str) -> Any:
        for name in dotted.split("."):
            obj = getattr(obj, name, None) if obj is not None else None
        return obj

    def to_representation(self, obj: Any) -> str | None:
        value = self._get(obj, self.amount_attr)
        if value is not None and hasattr(value, "amount") and hasattr(value, "currency"):  # a Money
            return amount_string(value.amount, self.fixed_currency or str(value.currency))
        return amount_string(value, self.fixed_currency or self._get(obj, self.currency_attr))
