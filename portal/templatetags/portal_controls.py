"""Names beside codes on the controls and bulk pages (SPEC 18: "picked by name, codes shown beside";
no internal key on a page)."""

from __future__ import annotations

from babel import Locale
from django import template
from django.utils.translation import get_language

from charges.authorization_models import DeclineReason
from charges.mcc import INDUSTRY_NAMES, NAMED_CODES, industry_name, industry_of, mcc_groups

register = template.Library()


@register.filter
def mcc_name(code: str) -> str:
    """The category's name: its own where PAs know it by one, else its industry's."""
    if code in NAMED_CODES:
        return str(NAMED_CODES[code])
    return industry_name(industry_of(code))


@register.filter
def country_name(code: str) -> str:
    language = (get_language() or "en").split("-")[0]
    return Locale.parse(language).territories.get(code, code)


@register.filter
def decline_reason(code: str) -> str:
    try:
        return str(DeclineReason(code).label)
    except ValueError:
        return code


@register.filter
def mcc_summary(codes) -> str:
    """A list of codes as whole industries by name (ranges would be a thousand codes) and the rest with
    their names: "Airlines; Gambling and betting (7995)"."""
    if not codes:
        return ""
    industries, rest = mcc_groups(list(codes))
    parts = [str(INDUSTRY_NAMES[key]) for key in industries]
    parts += [f"{mcc_name(code)} ({code})" for code in rest]
    return "; ".join(parts)


@register.filter
def country_summary(codes) -> str:
    return ", ".join(f"{country_name(code)} ({code})" for code in codes or [])
