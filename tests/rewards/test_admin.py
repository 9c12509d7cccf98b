"""Ops in the admin: enrolments change only through the services (audited, with a reason), the
points rule is versioned data that cannot re-rate the past, and overdue SAS batches are one filter away."""

import datetime as dt

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from rewards.exports import eurobonus_batch_export
from rewards.models import EnrolmentEvent, PointsRule
from tests.accounts.factories import UserFactory
from tests.rewards.conftest import JAN_5, purchase
from tests.statements.conftest import run_through

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops(client):
    user = UserFactory(username="olga", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def test_ops_suspend_with_a_reason_through_the_service(client, ops, enrolled):
    url = reverse("admin:rewards_enrolment_changelist")
    assert client.get(url).status_code == 200
    asked = client.post(url, {"action": "enrolment_suspend", "_selected_action": [enrolled.pk]})
    assert asked.status_code == 200 and b"Reason" in asked.content
    client.post(url, {"action": "enrolment_suspend", "_selected_action": [enrolled.pk], "apply": "1",
                      "reason": "Fraud investigation"})
    enrolled.refresh_from_db()
    assert enrolled.status == "suspended"
    event = EnrolmentEvent.objects.get(kind="suspended")
    assert (event.actor, event.reason) == (ops, "Fraud investigation")
    assert LogEntry.objects.filter(object_id=str(enrolled.pk)).exists()
    assert client.get(reverse("admin:rewards_enrolment_change", args=[enrolled.pk])).status_code == 200


def test_a_points_rule_cannot_start_in_the_past(client, ops, enrolled):
    run_through(dt.date(2026, 2, 1), start=JAN_5)
    form = {"market": "DK", "currency": "DKK", "label": "x", "spend_per_point": "8.00",
            "forfeit_after_days_past_due": "60"}
    with time_machine.travel(dt.datetime(2026, 2, 2, 10, 0, tzinfo=dt.UTC), tick=False):
        page = client.post(reverse("admin:rewards_pointsrule_add"), {**form, "effective_from": "2026-02-01"})
        assert b"must start after the last completed business day" in page.content
        # Terms §25b (issue 16 item 6): 2 months' notice, so 2 April at the earliest.
        page = client.post(reverse("admin:rewards_pointsrule_add"), {**form, "effective_from": "2026-03-01"})
        assert b"2026-04-02 at the earliest" in page.content
        client.post(reverse("admin:rewards_pointsrule_add"), {**form, "effective_from": "2026-04-02"})
    assert PointsRule.objects.filter(market="DK", effective_from=dt.date(2026, 4, 2)).exists()


def test_the_overdue_filter_lists_batches_to_chase(client, ops, enrolled, bob_account):
    purchase(bob_account, "100.00", dt.date(2026, 1, 10), "charge/1")
    run_through(dt.date(2026, 1, 31), start=JAN_5)
    eurobonus_batch_export(month=dt.date(2026, 1, 1), on=dt.date(2025, 12, 1))  # long ago: unconfirmed for weeks
    page = client.get(reverse("admin:rewards_exportbatch_changelist"), {"overdue": "yes"}).content.decode()
    assert "AMEXPROG-EB-2026-01" in page
    for name in ("pointsposting", "pointsrule"):
        assert client.get(reverse(f"admin:rewards_{name}_changelist")).status_code == 200
