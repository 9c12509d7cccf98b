import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from accounts.models import Notice
from amexprog.common.errors import ApplicationError
from fees.models import FeeSchedule
from fees.publishing import TOO_SOON, fee_schedule_publish
from fees.selectors import fee_schedule_in_force
from tests.accounts.factories import AccountFactory, CardmemberFactory, CompanyFactory
from tests.test_translations import compiled_locale  # noqa: F401  (the catalogues, compiled for the test)

pytestmark = pytest.mark.django_db
VALUES = dict(annual_fee_max=Decimal("650.00"), reminder_fee=Decimal("100.00"), fx_fee_percent=Decimal("2.750"),
              cash_fee_percent=Decimal("4.000"), cash_fee_minimum=Decimal("25.00"),
              eurobonus_fee=Decimal("250.00"), late_interest_margin_percent=Decimal("7.000"))


def test_a_change_less_than_two_months_ahead_is_refused():
    with pytest.raises(ApplicationError) as error:
        fee_schedule_publish(market="DK", effective_from=dt.date(2026, 5, 14), published_on=dt.date(2026, 3, 15),
                             **VALUES)
    assert error.value.message == TOO_SOON.format(earliest=dt.date(2026, 5, 15))
    assert FeeSchedule.objects.filter(market="DK").count() == 1


@pytest.mark.usefixtures("compiled_locale")
def test_publishing_notifies_every_affected_holder_and_takes_effect_on_its_date():
    individual = AccountFactory(cardmember=CardmemberFactory(company=CompanyFactory(number="70001")))
    central = CompanyFactory(number="70002", billing_type="central", default_liability="corporate")
    AccountFactory(cardmember=CardmemberFactory(company=central))
    AccountFactory(cardmember=CardmemberFactory(company=central))
    belgian = CompanyFactory(number="70003", market="BE")
    AccountFactory(cardmember=CardmemberFactory(company=belgian), currency="EUR")

    schedule = fee_schedule_publish(market="DK", effective_from=dt.date(2026, 5, 15),
                                    published_on=dt.date(2026, 3, 15), label="DK 2026-05", **VALUES)
    to_cardmembers = Notice.objects.filter(cardmember__isnull=False)
    assert list(to_cardmembers.values_list("cardmember", flat=True)) == [individual.cardmember_id]
    assert list(Notice.objects.filter(company__isnull=False).values_list("company__number", flat=True)) == ["70002"]
    danish = to_cardmembers.get()  # the factory's cardmembers speak Danish: the notice is in Danish
    assert danish.subject == "Ændring af gebyrer fra 15. maj 2026"
    assert "valutakursgebyr (%): 2,75\xa0%" in danish.body
    assert fee_schedule_in_force(market="DK", on=dt.date(2026, 5, 14)).fx_fee_percent == Decimal("2.500")
    assert fee_schedule_in_force(market="DK", on=dt.date(2026, 5, 15)) == schedule


@time_machine.travel(dt.datetime(2026, 3, 15, 12, 0, tzinfo=dt.UTC), tick=False)
def test_ops_publish_in_the_admin_and_a_too_early_date_is_a_form_error(admin_client):
    url = reverse("admin:fees_feeschedule_add")
    form = {"market": "DK", "label": "x", **{k: str(v) for k, v in VALUES.items()}}
    response = admin_client.post(url, {**form, "effective_from": "2026-04-01"})
    assert response.status_code == 200
    assert TOO_SOON.format(earliest=dt.date(2026, 5, 15)) in response.content.decode()
    response = admin_client.post(url, {**form, "effective_from": "2026-06-01"})
    assert response.status_code == 302
    assert FeeSchedule.objects.get(effective_from=dt.date(2026, 6, 1)).published_on == dt.date(2026, 3, 15)


def test_issue16_item5_margin_above_the_statutory_rate_is_refused():
    """Trust II item 5, terms §9i and SPEC section 8: late interest is at most the Interest Act's
    late-payment rate, reference rate + 8 points (Renteloven §5). A margin of 8.000 is the ceiling
    itself and is accepted; 8.001 is refused by the service and, if it got past it, by the database."""
    from django.db import IntegrityError, transaction

    with pytest.raises(ApplicationError) as error:
        fee_schedule_publish(market="DK", effective_from=dt.date(2026, 6, 1), published_on=dt.date(2026, 3, 15),
                             **{**VALUES, "late_interest_margin_percent": Decimal("8.001")})
    assert error.value.code == "interest_margin_above_ceiling"
    assert "8 percentage points" in error.value.message
    assert not FeeSchedule.objects.filter(effective_from=dt.date(2026, 6, 1)).exists()

    at_ceiling = fee_schedule_publish(market="DK", effective_from=dt.date(2026, 6, 1),
                                      published_on=dt.date(2026, 3, 15),
                                      **{**VALUES, "late_interest_margin_percent": Decimal("8.000")})
    assert at_ceiling.late_interest_margin_percent == Decimal("8.000")

    with pytest.raises(IntegrityError), transaction.atomic():
        FeeSchedule.objects.filter(pk=at_ceiling.pk).update(late_interest_margin_percent=Decimal("9.500"))


@time_machine.travel(dt.datetime(2026, 3, 15, 12, 0, tzinfo=dt.UTC), tick=False)
def test_issue16_item5_the_admin_refuses_a_margin_above_the_ceiling(admin_client):
    """Trust II item 5 (terms §9i): ops entering 10 points over the reference rate get a form error."""
    url = reverse("admin:fees_feeschedule_add")
    form = {"market": "DK", "label": "x", **{k: str(v) for k, v in VALUES.items()}, "effective_from": "2026-06-01"}
    response = admin_client.post(url, {**form, "late_interest_margin_percent": "10.000"})
    assert response.status_code == 200
    assert "may not exceed 8 percentage points" in response.content.decode()
    assert not FeeSchedule.objects.filter(effective_from=dt.date(2026, 6, 1)).exists()
