"""EuroBonus in templates: points in the viewer's locale, and the summary on the cardmember's home."""

from __future__ import annotations

from babel.numbers import format_decimal
from django import template
from django.db.models import Sum
from django.utils.translation import get_language

from accounts.models import Account
from amexprog.common.money import LANGUAGE_LOCALES
from rewards.models import Enrolment, PointsPosting

register = template.Library()


@register.filter
def points(value: int | None) -> str:
    """`12345` → `12.345` for a Danish viewer, `12,345` in English; reversals keep their sign."""
    if value is None or value == "":
        return ""
    locale = LANGUAGE_LOCALES.get((get_language() or "en").split("-")[0], "en")
    return format_decimal(int(value), locale=locale)


@register.inclusion_tag("portal/rewards/_summary.html")
def eurobonus_summary(account: Account) -> dict:
    """Status and points of one account (two small queries; a cardmember has one or two accounts)."""
    enrolment = Enrolment.objects.filter(account=account).first()
    balance = PointsPosting.objects.filter(account=account).aggregate(total=Sum("points"))["total"] or 0
    return {"account": account, "enrolment": enrolment, "balance": balance,
            "offered": account.company.eurobonus_allowed or enrolment is not None}
