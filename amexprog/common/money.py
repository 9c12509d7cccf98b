"""Money helpers: Decimal only, rounded half-up to the currency's minor unit (SPEC section 2)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import format_currency, get_currency_precision
from moneyed import Money

# Languages of the portal → the Babel locale whose conventions the viewer expects (SPEC section 2).
LANGUAGE_LOCALES = {"da": "da_DK", "nl": "nl_BE", "fr": "fr_BE", "en": "en"}
# Dates in English are written the British way ("8 Sept 2026", 08/09/2026), never 9/8/26 (SPEC 18, issue 19
# item 8); money keeps the "en" format above.
DATE_LOCALES = {**LANGUAGE_LOCALES, "en": "en_GB"}


def date_locale(language: str | None) -> str:
    return DATE_LOCALES.get((language or "en").split("-")[0], "en_GB")


@lru_cache(maxsize=256)
def minor_unit_exponent(currency: str) -> Decimal:
    """Decimal('0.01') for DKK/EUR, Decimal('1') for JPY, Decimal('0.001') for KWD."""
    precision = get_currency_precision(currency)
    return Decimal(1).scaleb(-precision)


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round half-up to the currency's minor unit: the one rounding rule of the product."""
    require_decimal(amount)
    return amount.quantize(minor_unit_exponent(currency), rounding=ROUND_HALF_UP)


def money(amount: Decimal | str | int, currency: str) -> Money:
    """A rounded Money from a Decimal or a decimal string; floats are refused."""
    if isinstance(amount, float):
        raise TypeError("money amounts must be Decimal or str, never float")
    return Money(round_money(Decimal(amount), currency), currency)


def require_decimal(value: object) -> None:
    if isinstance(value, float):
        raise TypeError("money amounts must be Decimal, never float")
    if not isinstance(value, Decimal | int):
        raise TypeError(f"expected Decimal, got {type(value).__name__}")


def has_at_most_minor_units(amount: Decimal, currency: str) -> bool:
    """True when the amount is representable in the currency (e.g. no 3-decimal DKK)."""
    try:
        return amount == amount.quantize(minor_unit_exponent(currency))
    except InvalidOperation:
        return False


def amount_string(amount: Decimal | None, currency: str | None) -> str | None:
    """`1650.00`: an amount in JSON, CSV and the API, with exactly the currency's decimals (SPEC section 16:
    "amounts as strings with the currency's decimals"); the one formatter of amounts that machines read."""
    if amount is None:
        return None
    exponent = minor_unit_exponent(currency) if currency else Decimal("0.01")
    text = str(amount.quantize(exponent))
    return text[1:] if text.startswith("-") and Decimal(text) == 0 else text


def format_money(amount: Decimal, currency: str, language: str | None) -> str:
    """`1.234,56 kr.` in da, `€ 1.234,56` in nl, `DKK 1,234.56` in en (SPEC section 2)."""
    locale = LANGUAGE_LOCALES.get((language or "en").split("-")[0], "en")
    if locale == "en":
        # English shows the ISO code ("DKK 1,234.56"): unambiguous for an international card product.
        return format_currency(amount, currency, format="¤¤\xa0#,##0.00", locale=locale, currency_digits=True)
    return format_currency(amount, currency, locale=locale)
