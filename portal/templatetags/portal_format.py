"""Babel formatting in the viewer's language (SPEC section 2)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from babel.dates import format_date
from django import template
from django.utils.timezone import localtime
from django.utils.translation import get_language
from moneyed import Money

from amexprog.common.money import date_locale, format_money

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
    return format_date(value, format=style, locale=date_locale(get_language()))


@register.filter
def local_datetime(value: dt.datetime | None) -> str:
    """A moment in the reader's locale and the project's time zone ("20 Jan 2026, 11:00" in English)."""
    if value is None:
        return ""
    moment = localtime(value)
    language = get_language()
    return f"{format_date(moment.date(), format='medium', locale=date_locale(language))} {moment:%H:%M}"


@register.filter
def actor_role(value: str) -> str:
    """Who did it, by the role's label ("Issuer ops"), never its key ("issuer"; issue 19 item 8, SPEC 18)."""
    from accounts.audit import Role

    return str(Role(value).label) if value in Role.values else value


@register.filter
def case_note(value: str) -> str:
    """A case event's note in the reader's language where the product wrote it (disputes.services'
    system notes, stored in English): the holder's and PA's own words are shown as typed."""
    from django.utils.translation import gettext

    from disputes.services.disputes import SYSTEM_NOTES

    for note in SYSTEM_NOTES:
        if note in value:
            value = value.replace(note, gettext(note))
    return value
