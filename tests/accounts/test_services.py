import datetime as dt
from decimal import Decimal

import pytest
from moneyed import Money

from accounts.models import Account, Card
from accounts.services import (
    ANNUAL_FEE_TOO_HIGH,
    BAD_CYCLE_DAY,
    CARDMEMBER_EXISTS,
    WRONG_CURRENCY,
    CardOrder,
    account_open,
    card_expiry,
    card_issue,
    card_order,
    company_create,
)
from amexprog.common.errors import ApplicationError
from amexprog.common.money import money, round_money
from tests.accounts.factories import CardmemberFactory

pytestmark = pytest.mark.django_db

COMPANY = dict(number="90001", legal_name="Test A/S", vat_number="DK11223344", market="DK",
               credit_limit=Money("100000.00", "DKK"), annual_fee=Money("650.00", "DKK"),
               iban="DK5000400440116243", bic="DABADKKK")


def test_company_with_the_maximum_fee_and_valid_iban_is_created():
    company = company_create(**COMPANY)
    assert company.currency == "DKK"
    assert company.iban == "DK5000400440116243"
    assert company.annual_fee == Money("650.00", "DKK")


def test_annual_fee_above_dkk_650_is_refused():
    with pytest.raises(ApplicationError) as error:
        company_create(**{**COMPANY, "annual_fee": Money("650.01", "DKK")})
    assert error.value.message == ANNUAL_FEE_TOO_HIGH


def test_invalid_iban_is_refused_with_the_field_named():
    with pytest.raises(ApplicationError) as error:
        company_create(**{**COMPANY, "iban": "DK5000400440116244"})
    assert error.value.code == "invalid_iban"
    assert error.value.extra == {"field": "iban"}


def test_belgian_company_bills_in_euro_and_refuses_dkk_amounts():
    be = company_create(**{**COMPANY, "number": "90002", "market": "BE", "credit_limit": Money("5000.00", "EUR"),
                           "annual_fee": Money("55.00", "EUR"), "iban": "BE68539007547034", "bic": "GEBABEBB"})
    assert be.currency == "EUR"
    with pytest.raises(ApplicationError) as error:
        company_create(**{**COMPANY, "number": "90003", "market": "BE"})
    assert error.value.message == WRONG_CURRENCY.format(market="BE", currency="EUR", given="DKK")


def test_float_money_is_a_type_error():
    with pytest.raises(TypeError):
        money(1000.5, "DKK")
    with pytest.raises(TypeError):
        round_money(0.1, "DKK")


def test_card_expires_at_the_end_of_the_48th_month():
    assert card_expiry(dt.date(2026, 1, 31), 48) == dt.date(2030, 1, 31)
    assert card_expiry(dt.date(2026, 2, 15), 48) == dt.date(2030, 2, 28)


def test_account_cycle_day_must_be_1_to_28_or_31(company_a):
    cardmember = CardmemberFactory(company=company_a)
    with pytest.raises(ApplicationError) as error:
        account_open(cardmember=cardmember, opened_on=dt.date(2026, 1, 1), cycle_day=30)
    assert error.value.message == BAD_CYCLE_DAY
    account = account_open(cardmember=cardmember, opened_on=dt.date(2026, 1, 1), cycle_day=31)
    assert account.cycle_day == 31
    assert account.currency == "DKK"
    assert account.liability == company_a.default_liability


def test_issued_card_is_active_unless_the_programme_requires_activation(bob_account):
    active = card_issue(account=bob_account, issued_on=dt.date(2026, 1, 5))
    assert active.card.status == Card.Status.ACTIVE
    company = bob_account.company
    company.requires_activation = True
    company.save()
    ordered = card_issue(account=bob_account, issued_on=dt.date(2026, 1, 5), replaces=active.card)
    assert ordered.card.status == Card.Status.ORDERED
    assert ordered.card.replaces == active.card
    assert active.card.replaced_by == ordered.card
    assert ordered.pan != active.pan


def test_card_order_creates_cardmember_account_and_card_and_refuses_duplicates(company_a):
    order = CardOrder(employee_id="E-77", first_name="Ida", last_name="Berg", email="ida@example.com",
                      cycle_day=15, monthly_limit=Money(Decimal("20000.00"), "DKK"))
    issued = card_order(company=company_a, order=order, issued_on=dt.date(2026, 3, 2))
    account = Account.objects.get(cardmember__employee_id="E-77")
    assert issued.card.account == account
    assert account.cycle_day == 15
    assert issued.card.monthly_limit == Money("20000.00", "DKK")
    with pytest.raises(ApplicationError) as error:
        card_order(company=company_a, order=order, issued_on=dt.date(2026, 3, 2))
    assert error.value.message == CARDMEMBER_EXISTS.format(company="10001", employee_id="E-77")
