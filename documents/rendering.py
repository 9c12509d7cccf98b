"""The terms and the fee schedule as documents: HTML for the portal, PDF to download (terms §25).

The PDF is WeasyPrint's rendering of the standalone HTML, through the statements' helper.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import format_decimal
from django.template.loader import render_to_string
from django.utils import translation

from amexprog.common.money import LANGUAGE_LOCALES, format_money
from documents.models import TermsText, TermsVersion
from fees.models import FeeSchedule
from statements.rendering.documents import html_to_pdf

MONEY_FIELDS = ("annual_fee_max", "reminder_fee", "cash_fee_minimum", "eurobonus_fee")
PERCENT_FIELDS = ("fx_fee_percent", "cash_fee_percent", "late_interest_margin_percent")
ORDER = ("annual_fee_max", "reminder_fee", "fx_fee_percent", "cash_fee_percent", "cash_fee_minimum",
         "eurobonus_fee", "late_interest_margin_percent")


@dataclass(frozen=True)
class FeeLine:
    label: str
    value: str


def _locale(language: str) -> str:
    return LANGUAGE_LOCALES.get((language or "en").split("-")[0], "en")


def fee_lines(schedule: FeeSchedule, language: str) -> list[FeeLine]:
    """Each fee's label and amount in the reader's locale (da: `650,00 kr.`, en: `DKK 650.00`)."""
    lines = []
    with translation.override(language):
        for name in ORDER:
            value: Decimal = getattr(schedule, name)
            label = str(FeeSchedule._meta.get_field(name).verbose_name)
            if name in MONEY_FIELDS:
                text = format_money(value, schedule.currency, language)
            else:
                text = format_decimal(value, format="#,##0.###", locale=_locale(language)) + "\u00a0%"
            lines.append(FeeLine(label=label, value=text))
    return lines


def render_terms_html(terms: TermsVersion, text: TermsText, *, language: str) -> str:
    with translation.override(language):
        return render_to_string("documents/terms.html", {"terms": terms, "text": text})


def render_terms_pdf(terms: TermsVersion, text: TermsText, *, language: str) -> bytes:
    return html_to_pdf(render_terms_html(terms, text, language=language))


def render_fee_schedule_html(schedule: FeeSchedule, *, language: str) -> str:
    with translation.override(language):
        return render_to_string("documents/fee_schedule.html",
                                {"schedule": schedule, "lines": fee_lines(schedule, language)})


def render_fee_schedule_pdf(schedule: FeeSchedule, *, language: str) -> bytes:
    return html_to_pdf(render_fee_schedule_html(schedule, language=language))
