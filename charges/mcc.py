"""Merchant category codes (ISO 18245) and the industry each belongs to, for reports (SPEC section 14).

ISO 18245 assigns the four-digit codes in ranges by major group; the card networks use the same
groups. A few single codes that PAs look for on their own (fuel, groceries, restaurants, cash) are
named before the ranges are consulted. Industry names are translatable; reports carry the key too,
so a file read by a program does not depend on the language.
"""

from __future__ import annotations

from functools import cache

from django.utils.translation import gettext_lazy as _


class Industry:
    AGRICULTURE = "agriculture"
    CONTRACTED_SERVICES = "contracted_services"
    AIRLINES = "airlines"
    CAR_RENTAL = "car_rental"
    LODGING = "lodging"
    TRANSPORTATION = "transportation"
    TELECOM_UTILITIES = "telecom_utilities"
    RETAIL = "retail"
    GROCERIES = "groceries"
    FUEL = "fuel"
    CLOTHING = "clothing"
    RESTAURANTS = "restaurants"
    MISCELLANEOUS_STORES = "miscellaneous_stores"
    CASH = "cash"
    FINANCIAL = "financial"
    BUSINESS_SERVICES = "business_services"
    PROFESSIONAL_SERVICES = "professional_services"
    GOVERNMENT = "government"
    OTHER = "other"


INDUSTRY_NAMES = {
    Industry.AGRICULTURE: _("Agricultural services"),
    Industry.CONTRACTED_SERVICES: _("Contracted services"),
    Industry.AIRLINES: _("Airlines"),
    Industry.CAR_RENTAL: _("Car rental"),
    Industry.LODGING: _("Hotels and lodging"),
    Industry.TRANSPORTATION: _("Transportation"),
    Industry.TELECOM_UTILITIES: _("Telecommunication and utilities"),
    Industry.RETAIL: _("Retail"),
    Industry.GROCERIES: _("Groceries"),
    Industry.FUEL: _("Fuel"),
    Industry.CLOTHING: _("Clothing"),
    Industry.RESTAURANTS: _("Restaurants"),
    Industry.MISCELLANEOUS_STORES: _("Miscellaneous stores"),
    Industry.CASH: _("Cash"),
    Industry.FINANCIAL: _("Financial services"),
    Industry.BUSINESS_SERVICES: _("Business services"),
    Industry.PROFESSIONAL_SERVICES: _("Professional services and membership organisations"),
    Industry.GOVERNMENT: _("Government services"),
    Industry.OTHER: _("Other"),
}

# Single codes named before the ranges (ISO 18245 / network MCC lists).
CODES: dict[int, str] = {
    4511: Industry.AIRLINES,
    4582: Industry.AIRLINES,
    7011: Industry.LODGING,
    7512: Industry.CAR_RENTAL,
    7513: Industry.CAR_RENTAL,
    7519: Industry.CAR_RENTAL,
    5411: Industry.GROCERIES,
    5422: Industry.GROCERIES,
    5441: Industry.GROCERIES,
    5451: Industry.GROCERIES,
    5462: Industry.GROCERIES,
    5499: Industry.GROCERIES,
    5541: Industry.FUEL,
    5542: Industry.FUEL,
    5983: Industry.FUEL,
    5811: Industry.RESTAURANTS,
    5812: Industry.RESTAURANTS,
    5813: Industry.RESTAURANTS,
    5814: Industry.RESTAURANTS,
    6010: Industry.CASH,
    6011: Industry.CASH,
}

# ISO 18245 ranges by major group, (first, last, industry), in order.
RANGES: tuple[tuple[int, int, str], ...] = (
    (1, 1499, Industry.AGRICULTURE),
    (1500, 2999, Industry.CONTRACTED_SERVICES),
    (3000, 3299, Industry.AIRLINES),
    (3300, 3499, Industry.CAR_RENTAL),
    (3500, 3999, Industry.LODGING),
    (4000, 4799, Industry.TRANSPORTATION),
    (4800, 4999, Industry.TELECOM_UTILITIES),
    (5000, 5599, Industry.RETAIL),
    (5600, 5699, Industry.CLOTHING),
    (5700, 5999, Industry.MISCELLANEOUS_STORES),
    (6000, 6999, Industry.FINANCIAL),
    (7000, 7299, Industry.MISCELLANEOUS_STORES),
    (7300, 7999, Industry.BUSINESS_SERVICES),
    (8000, 8999, Industry.PROFESSIONAL_SERVICES),
    (9000, 9999, Industry.GOVERNMENT),
)


def industry_of(mcc: str | None) -> str:
    """The industry key of a merchant category code; `other` for an empty or unknown code."""
    if not mcc or not mcc.isdigit():
        return Industry.OTHER
    code = int(mcc)
    if code in CODES:
        return CODES[code]
    for first, last, industry in RANGES:
        if first <= code <= last:
            return industry
    return Industry.OTHER


def industry_name(key: str) -> str:
    """The industry's name in the active language."""
    return str(INDUSTRY_NAMES.get(key, INDUSTRY_NAMES[Industry.OTHER]))


# Codes a programme administrator often allows or blocks on their own (SPEC 18: categories picked by
# name, the code beside), from the networks' MCC lists.
NAMED_CODES: dict[str, object] = {
    "4111": _("Commuter transport"),
    "4121": _("Taxis and limousines"),
    "4829": _("Money transfers"),
    "5541": _("Service stations"),
    "5812": _("Restaurants"),
    "5813": _("Bars and nightclubs"),
    "5912": _("Pharmacies"),
    "5921": _("Liquor stores"),
    "5933": _("Pawn shops"),
    "5993": _("Tobacco shops"),
    "6011": _("Cash machines (ATM)"),
    "6051": _("Quasi-cash: crypto, money orders"),
    "7273": _("Dating services"),
    "7995": _("Gambling and betting"),
}


@cache
def industry_codes(key: str) -> tuple[str, ...]:
    """Every four-digit code of an industry (SPEC 18: a category picked by name is its codes)."""
    return tuple(f"{code:04d}" for code in range(1, 10000) if industry_of(f"{code:04d}") == key)


def industry_ranges(key: str) -> str:
    """The industry's codes as ranges, for showing beside its name: "3000–3299, 4511, 4582"."""
    codes = [int(code) for code in industry_codes(key)]
    parts: list[str] = []
    start = previous = None
    for code in [*codes, None]:
        if code is not None and previous is not None and code == previous + 1:
            previous = code
            continue
        if start is not None:
            parts.append(f"{start:04d}" if start == previous else f"{start:04d}–{previous:04d}")
        start = previous = code
    return ", ".join(parts)


def mcc_groups(codes: list[str] | tuple[str, ...]) -> tuple[list[str], list[str]]:
    """A list of codes as the industries it holds whole (keys) and the codes left over (SPEC 18: a list of
    a thousand codes reads as "Professional services")."""
    present = set(codes)
    industries = [key for key in INDUSTRY_NAMES if industry_codes(key) and set(industry_codes(key)) <= present]
    covered = {code for key in industries for code in industry_codes(key)}
    return industries, sorted(present - covered)
