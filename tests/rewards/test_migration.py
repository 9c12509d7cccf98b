"""The data migration carries card-order enrolments recorded on the cardmember into Enrolment."""

import datetime as dt
import importlib

import pytest
from django.apps import apps

from rewards.models import Enrolment
from rewards.selectors import participation

pytestmark = pytest.mark.django_db

migration = importlib.import_module("rewards.migrations.0002_enrolments_from_card_orders")


def test_existing_enrolments_become_active_enrolments(bob_account, other_account):
    cardmember = bob_account.cardmember
    cardmember.eurobonus_number, cardmember.eurobonus_enrolled_on = "EBS123456789", dt.date(2025, 11, 3)
    cardmember.save()
    migration.forwards(apps, None)
    migration.forwards(apps, None)  # running it again changes nothing
    enrolment = Enrolment.objects.get()
    assert (enrolment.account, enrolment.status, enrolment.source) == (bob_account, "active", "card_order")
    assert (enrolment.first_enrolled_on, enrolment.fee_anchor) == (dt.date(2025, 11, 3), dt.date(2025, 11, 4))
    assert participation(enrolment.events.all()).earning_on(dt.date(2025, 11, 3))
