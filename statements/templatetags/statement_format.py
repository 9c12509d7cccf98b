"""Template filters for statement documents: Babel formatting in the language being rendered.

Statement templates are rendered inside `translation.override(document.language)`, so the active
language is the holder's, not the viewer's (SPEC sections 2, 9).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import template
from django.utils.translation import get_language

from statements.rendering import formatting as fmt

register = template.Library()


@register.filter
def amount(value: Decimal | None, currency: str) -> str:
    """`{{ line.amount|amount:line.currency }}` → `1.650,00 kr.` in da."""
    return fmt.money(value, currency, get_language())


@register.filter
def rate(value: Decimal | None) -> str:
    return fmt.rate(value, get_language())


@register.filter
def ldate(value: dt.date | None, style: str = "medium") -> str:
    return fmt.date(value, get_language(), style)


@register.filter
def integer(value: int | None) -> str:
    return fmt.number(Decimal(value or 0), get_language(), places=0)
