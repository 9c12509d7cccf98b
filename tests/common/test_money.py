from decimal import Decimal

import pytest

from amexprog.common.money import format_money, has_at_most_minor_units, money, round_money


def _spaces(text: str) -> str:
    # Babel uses no-break spaces between amount and symbol, as typography wants; compare with plain ones.
    return text.replace("\xa0", " ").replace("\u202f", " ")


@pytest.mark.parametrize(
    ("language", "currency", "expected"),
    [
        ("da", "DKK", "1.234,56 kr."),  # SPEC section 2
        ("nl", "EUR", "€ 1.234,56"),
        ("en", "DKK", "DKK 1,234.56"),
        ("fr", "EUR", "1 234,56 €"),
    ],
)
def test_amounts_are_formatted_in_the_viewers_locale(language, currency, expected):
    assert _spaces(format_money(Decimal("1234.56"), currency, language)) == expected


def test_rounding_is_half_up_to_the_minor_unit():
    assert round_money(Decimal("17.1625"), "DKK") == Decimal("17.16")
    assert round_money(Decimal("0.005"), "DKK") == Decimal("0.01")
    assert round_money(Decimal("-0.005"), "DKK") == Decimal("-0.01")
    assert round_money(Decimal("1234.5"), "JPY") == Decimal("1235")
    assert money("10.005", "EUR").amount == Decimal("10.01")


def test_minor_units_per_currency():
    assert has_at_most_minor_units(Decimal("12.34"), "DKK")
    assert not has_at_most_minor_units(Decimal("12.345"), "DKK")
    assert not has_at_most_minor_units(Decimal("100.5"), "JPY")
    assert has_at_most_minor_units(Decimal("1.234"), "KWD")
