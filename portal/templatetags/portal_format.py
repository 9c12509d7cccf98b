"""Babel formatting in the viewer's language (SPEC section 2)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from babel.dates import format_date
from django import template
from django.utils.translation import get_language
from moneyed import Money

from amexprog.common.money import LANGUAGE_LOCALES, format_money

register = template.Library()


@register.filter
def money(value: Money | None, currency: str | None = None) -> str:
    """`{{ posting.amount|money }}` → `1.234,56 kr.` for a Danish viewer."""
    if value is None or value == "":
        return ""
    if isinstance(value, Money):
        return format_money(value.amount, str(value.currency), get_language())
    return format_money(Decimal(value), currency or "DKK", get_language())


@register.filter
def local_date(value: dt.date | None, style: str = "medium") -> str:
    if value is None:
        return ""
    locale = LANGUAGE_LOCALES.get((get_language() or "en").split("-")[0], "en")
    return format_date(value, format=style, locale=locale)
