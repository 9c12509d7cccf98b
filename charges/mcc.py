"""Merchant category codes (ISO 18245) and the industry each belongs to, for reports (SPEC section 14).

ISO 18245 assigns the four-digit codes in ranges by major group; the card networks use the same
groups. A few single codes that PAs look for on their own (fuel, groceries, restaurants, cash) are
named before the ranges are consulted. Industry names are translatable; reports carry the key too,
so a file read by a program does not depend on the language.
"""

from __future__ import annotations

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
