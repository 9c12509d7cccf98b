"""Babel formatting in one language, for statements and transaction lists (SPEC section 2).

Every function takes the language explicitly: a statement is rendered in its holder's language
whoever looks at it, so nothing here reads the request's active language.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal

from babel.dates import format_date
from babel.numbers import format_decimal

# amount_string is the one formatter of machine-read amounts (API, JSON, CSV); it lives with the money helpers.
from amexprog.common.money import (  # noqa: F401 (amount_string re-exported)
    LANGUAGE_LOCALES,
    amount_string,
    date_locale,
    format_money,
    minor_unit_exponent,
)

NBSP = "\xa0"
ELLIPSIS = "…"


def locale_of(language: str | None) -> str:
    return LANGUAGE_LOCALES.get((language or "en").split("-")[0], "en")


def money(amount: Decimal | None, currency: str, language: str | None) -> str:
    """`1.234,56 kr.` (da), `€ 1.234,56` (nl), `DKK 1,234.56` (en)."""
    if amount is None:
        return ""
    return format_money(amount, currency, language)


def number(value: Decimal | None, language: str | None, *, places: int = 2, max_places: int | None = None) -> str:
    """A plain number with at least `places` and at most `max_places` decimals."""
    if value is None:
        return ""
    extra = max((max_places or places) - places, 0)
    pattern = "#,##0" + ("." + "0" * places + "#" * extra if places or extra else "")
    return format_decimal(value, format=pattern, locale=locale_of(language))


def truncated(value: Decimal, language: str | None, *, places: int = 4) -> str:
    """`51.8356…`: the first `places` decimals, with an ellipsis when more digits follow."""
    shown = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)
    text = number(shown, language, places=places)
    return text + ELLIPSIS if shown != value else text


def percent(value: Decimal | str | None, language: str | None, *, places: int = 2, max_places: int = 4) -> str:
    """`8.60 %` / `8,60 %` (a no-break space keeps the sign with its number)."""
    if value is None:
        return ""
    return number(Decimal(value), language, places=places, max_places=max_places) + NBSP + "%"


def rate(value: Decimal | str | None, language: str | None) -> str:
    """An exchange rate to six decimals, as banks print them (the full rate is in the JSON)."""
    if value is None or value == "":
        return ""
    return number(Decimal(value), language, places=6)


def date(value: dt.date | str | None, language: str | None, style: str = "medium") -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return format_date(value, format=style, locale=date_locale(language))


def plain_spaces(text: str | None) -> str | None:
    """Babel's no-break spaces as ordinary spaces, for JSON and CSV consumers."""
    if text is None:
        return None
    return text.replace(NBSP, " ").replace("\u202f", " ")


def rate_string(value: Decimal | None) -> str | None:
    return None if value is None else str(value)
