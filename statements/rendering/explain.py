"""Human-readable explanations of how a posting's amount was computed (SPEC sections 6–9).

Fee, interest and FX postings carry an `explanation` dict written when they were posted (the rule,
the base, the rate, the day counts…). Statements, transaction lists and the API show it as one
sentence in the reader's language, so a holder can check every fee by hand. The dict is the
source; the sentence is only presentation, and an unknown or incomplete dict explains nothing
rather than failing a statement.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from charges.fx import CASH_FEE_RULE, FX_FEE_RULE
from statements.rendering import formatting as fmt

MAX_REMINDERS = 3  # Danish Interest Act §9b, as fees.services posts them


class Explainable(Protocol):
    kind: str
    explanation: dict
    original_amount: Any
    usd_amount: Decimal | None
    fx_rate_to_usd: Decimal | None
    fx_rate: Decimal | None
    fx_rate_date: Any

    @property
    def amount(self) -> Any: ...


def explain_posting(posting: Explainable, language: str | None) -> str | None:
    """The sentence for one posting in `language`, or None when there is nothing to explain."""
    details = posting.explanation or {}
    rule = details.get("rule")
    amount = posting.amount
    currency = str(amount.currency)
    explainer = _RULES.get(rule) if rule else None
    with translation.override(language):
        try:
            if explainer is not None:
                return explainer(details, amount.amount, currency, language)
            text = None
            if posting.original_amount is not None and posting.fx_rate is not None:
                text = _conversion(posting, currency, language)
            if details.get("value_date"):  # a payment (or return) booked after a stated day (SPEC section 9)
                text = "; ".join(filter(None, [text, _value_date(details, language)]))
            return text
        except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError):
            return None  # an older or partial dict: show the line without an explanation
    return None


def _dec(value: Any) -> Decimal:
    return Decimal(str(value))


def _late_interest(details: dict, amount: Decimal, currency: str, language: str | None) -> str:
    runs = [
        ngettext(
            "%(days)d day on %(unpaid)s at %(rate)s",
            "%(days)d days on %(unpaid)s at %(rate)s",
            int(run["days"]),
        ) % {"days": int(run["days"]), "unpaid": fmt.money(_dec(run["unpaid"]), currency, language),
             "rate": fmt.percent(run["annual_rate_percent"], language)}
        for run in details["runs"]
    ]
    total = _dec(details["unrounded_total"])
    return _("Late interest: %(runs)s = %(total)s rounded to %(rounded)s") % {
        "runs": " + ".join(runs),
        "total": fmt.truncated(total, language),
        "rounded": fmt.number(_dec(details.get("rounded", amount)), language),
    }


def _annual_fee(details: dict, amount: Decimal, currency: str, language: str | None) -> str:
    text = _("Annual card fee for membership year %(year)s (%(start)s – %(end)s)") % {
        "year": details["membership_year"], "start": fmt.date(details["year_start"], language),
        "end": fmt.date(details["year_end"], language),
    }
    programme, maximum = details.get("programme_fee"), details.get("schedule_maximum")
    if programme is not None and maximum is not None and _dec(programme) > _dec(maximum):
        text += "; " + _("the programme's fee of %(fee)s is capped at the maximum of %(maximum)s") % {
            "fee": fmt.money(_dec(programme), currency, language),
            "maximum": fmt.money(_dec(maximum), currency, language),
        }
    return text


def _annual_fee_refund(details: dict, amount: Decimal, currency: str, language: str | None) -> str:
    return _(
        "Annual card fee refunded pro rata: %(fee)s × %(days_left)s days to %(anniversary)s "
        "÷ %(days_in_year)s days = %(refund)s"
    ) % {
        "fee": fmt.money(_dec(details["fee"]), currency, language),
        "days_left": details["days_left"],
        "anniversary": fmt.date(details["next_anniversary"], language),
        "days_in_year": details["days_in_year"],
        "refund": fmt.money(abs(amount), currency, language),
    }


def _eurobonus_fee(details: dict, amount: Decimal, currency: str, language: str | None) -> str:
    """SPEC section 7: the day after first enrolment and each anniversary; a year that began while
    participation was suspended is charged when it resumes."""
    text = _("SAS EuroBonus fee for membership year %(year)s (%(start)s – %(end)s), EuroBonus number %(number)s") % {
        "year": details["membership_year"], "start": fmt.date(details["year_start"], language),
        "end": fmt.date(details["year_end"], language), "number": details["member_number"],
    }
    if details.get("charged_late"):
        text += "; " + _("charged when participation resumed")
    return text


def _reminder_fee(details: dict, amount: Decimal, currency: str, language: str | None) -> str:
    text = _("Reminder %(number)s of at most %(maximum)s: %(unpaid)s unpaid, in arrears since %(since)s") % {
        "number": details["reminder_number"], "maximum": MAX_REMINDERS,
        "unpaid": fmt.money(_dec(details["unpaid"]), currency, language),
        "since": fmt.date(details["arrears_since"], language),
    }
    if details.get("legal_cap_applied"):
        text += "; " + _("the fee of %(schedule_fee)s is capped at %(fee)s by the Danish Interest Act §9b") % {
            "schedule_fee": fmt.money(_dec(details["schedule_fee"]), currency, language),
            "fee": fmt.money(amount, currency, language),
        }
    return text


def _fx_fee(details: dict, amount: Decimal, currency: str, language: str | None) -> str:
    return _(
        "Currency conversion fee: %(percent)s of %(base)s (%(original)s at %(rate_used)s; ECB reference "
        "rate %(ecb_rate)s of %(rate_date)s; total cost over the ECB rate %(markup)s)"
    ) % {
        "percent": fmt.percent(details["percent"], language),
        "base": fmt.money(abs(_dec(details["base_amount"])), details.get("base_currency") or currency, language),
        "original": fmt.money(abs(_dec(details["original_amount"])), details["original_currency"], language),
        "rate_used": fmt.rate(details["rate_used"], language),
        "ecb_rate": fmt.rate(details["ecb_rate"], language),
        "rate_date": fmt.date(details["rate_date"], language),
        "markup": fmt.percent(details["markup_percent"], language),
    }


def _cash_fee(details: dict, amount: Decimal, currency: str, language: str | None) -> str:
    return _("Cash withdrawal fee: %(percent)s of %(base)s, at least %(minimum)s") % {
        "percent": fmt.percent(details["percent"], language),
        "base": fmt.money(abs(_dec(details["base_amount"])), details.get("base_currency") or currency, language),
        "minimum": fmt.money(_dec(details["minimum"]), details.get("base_currency") or currency, language),
    }


def _credit_balance_refund(details: dict, amount: Decimal, currency: str, language: str | None) -> str:
    return _("Credit balance paid back to the company's bank account")


def _conversion(posting: Explainable, currency: str, language: str | None) -> str:
    """SPEC section 6: other currencies go through USD (rounded to the cent), USD converts directly."""
    original = posting.original_amount
    original_text = fmt.money(abs(original.amount), str(original.currency), language)
    billed = fmt.money(abs(posting.amount.amount), currency, language)
    values = {"original": original_text, "billed": billed, "rate": fmt.rate(posting.fx_rate, language),
              "rate_date": fmt.date(posting.fx_rate_date, language)}
    if posting.fx_rate_to_usd is not None and posting.usd_amount is not None:
        values.update(usd=fmt.money(abs(posting.usd_amount), "USD", language),
                      rate_to_usd=fmt.rate(posting.fx_rate_to_usd, language))
        return _("%(original)s → %(usd)s at %(rate_to_usd)s → %(billed)s at %(rate)s "
                 "(ECB reference rates of %(rate_date)s)") % values
    return _("%(original)s → %(billed)s at %(rate)s (ECB reference rates of %(rate_date)s)") % values


def _collection_cost(details: dict, amount: Decimal, currency: str, language: str | None) -> str:
    """Terms §9c, §27d: a documented collection cost names who invoiced it and the invoice."""
    return _("Collection costs invoiced by %(agency)s, invoice %(invoice)s (terms §9c, §27d)") % {
        "agency": details["agency"], "invoice": details["invoice"]}


def _value_date(details: dict, language: str | None) -> str:
    """SPEC section 9: received on a day whose statement was already produced, booked on the first open day."""
    return _("received on %(value_date)s, the value date from which it counts; booked on %(booked_on)s, the first "
             "day after the statement already produced") % {
        "value_date": fmt.date(details["value_date"], language), "booked_on": fmt.date(details["booked_on"], language)}


def _late_interest_given_back(details: dict, amount: Decimal, currency: str, language: str | None) -> str:
    """SPEC sections 8 and 9: interest accrued after a payment's value date, before its file came."""
    payments = "; ".join(
        _("payment %(payment)s received on %(value_date)s, booked on %(booked_on)s") % {
            "payment": payment["payment_id"], "value_date": fmt.date(payment["value_date"], language),
            "booked_on": fmt.date(payment["booked_on"], language)}
        for payment in details["payments"])
    runs = [
        _("%(start)s – %(end)s: charged on %(charged)s, owed on %(owed)s") % {
            "start": fmt.date(run["from"], language), "end": fmt.date(run["to"], language),
            "charged": fmt.money(_dec(run["charged_on"]), currency, language),
            "owed": fmt.money(_dec(run["owed_on"]), currency, language)}
        for run in details["runs"]
    ]
    return _("Late interest given back (%(payments)s): %(runs)s = %(total)s rounded to %(rounded)s") % {
        "payments": payments, "runs": " + ".join(runs),
        "total": fmt.truncated(abs(_dec(details["unrounded_total"])), language),
        "rounded": fmt.number(abs(_dec(details.get("rounded", amount))), language),
    }


def _reminder_fee_refund(details: dict, amount: Decimal, currency: str, language: str | None) -> str:
    """SPEC sections 7 and 9: the letter stays sent, its fee comes back."""
    return _("Reminder fee refunded: reminder %(number)s of %(sent_on)s went out after the arrears were paid "
             "(payment %(payment)s received on %(value_date)s)") % {
        "number": details["reminder_number"], "sent_on": fmt.date(details["sent_on"], language),
        "payment": details["payment_id"], "value_date": fmt.date(details["value_date"], language)}


_RULES: dict[str, Callable[[dict, Decimal, str, str | None], str]] = {
    "collection_cost": _collection_cost,
    "late_interest": _late_interest,
    "late_interest_given_back": _late_interest_given_back,
    "reminder_fee_refund": _reminder_fee_refund,
    "annual_fee": _annual_fee,
    "annual_fee_refund": _annual_fee_refund,
    "reminder_fee": _reminder_fee,
    "eurobonus_fee": _eurobonus_fee,
    FX_FEE_RULE: _fx_fee,
    CASH_FEE_RULE: _cash_fee,
    "credit_balance_refund": _credit_balance_refund,
}
