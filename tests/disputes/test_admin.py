"""Ops' queues in the admin (SPEC section 12): disputes oldest first with status and reason filters,
decisions through the services (audited, posted, notified), incidents opened and resolved, overdue
refund decisions filtered out for attention."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from accounts.models import Card
from disputes.models import Dispute, RefundRequest, UnauthorizedUseIncident
from disputes.services import dispute_open, refund_request_submit
from tests.disputes.conftest import assert_ledger_clean, charge, dkk

pytestmark = pytest.mark.django_db
CURRENT_TIME = dt.datetime(2026, 4, 20, 10, 0, tzinfo=dt.UTC)
D = dt.date


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(CURRENT_TIME, tick=False):
        yield


@pytest.fixture
def disputes(bob_account, bob_card, holder):
    """Three disputes opened on 2, 10 and 5 April: the queue shows 2, 5, 10 April."""
    made = []
    for key, day, reason in (("Q1", D(2026, 4, 2), "duplicate"), ("Q2", D(2026, 4, 10), "not_received"),
                             ("Q3", D(2026, 4, 5), "duplicate")):
        posting = charge(bob_account, "100.00", day, key, card=bob_card.card, merchant=f"Shop {key}")
        with time_machine.travel(dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC), tick=False):
            made.append(dispute_open(charge=posting, reason=reason, by=holder, on=day))
    return made


def admin_post(client, url: str, data: dict):
    """Post a change form as a browser would: with the inlines' management fields the page carries."""
    page = client.get(url).content.decode()
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)" '
                             r'value="(\d*)"', page))
    hidden.update({name: value for name, value in re.findall(r'<input type="hidden" name="([^"]+-\d+-id)" '
                                                             r'value="(\d*)"', page)})
    return client.post(url, {**hidden, **data})


def ids_in(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'/admin/disputes/dispute/(\d+)/change/', html)]


def test_the_queue_is_oldest_first_and_filters_by_status_and_reason(client, ops_user, disputes):
    client.force_login(ops_user)
    url = reverse("admin:disputes_dispute_changelist")
    first, second, third = disputes
    assert ids_in(client.get(url).content.decode()) == [first.pk, third.pk, second.pk]
    assert ids_in(client.get(url, {"reason": "duplicate"}).content.decode()) == [first.pk, third.pk]
    assert ids_in(client.get(url, {"status": "investigating"}).content.decode()) == []


def test_ops_decide_on_the_change_form_and_the_service_does_the_rest(client, ops_user, disputes):
    client.force_login(ops_user)
    dispute = disputes[0]
    url = reverse("admin:disputes_dispute_change", args=[dispute.pk])
    assert admin_post(client, url, {"next_status": "investigating", "note": "Asked the merchant"}).status_code == 302
    assert admin_post(client, url, {"next_status": "lost", "note": "Merchant proved it"}).status_code == 302
    dispute.refresh_from_db()
    assert dispute.status == "lost" and dispute.reversal_posting.amount == dkk("100.00")
    assert list(dispute.events.filter(action="status_changed").values_list("by", "to_status", "note")) == [
        ("Olga Ops (olga)", "investigating", "Asked the merchant"), ("Olga Ops (olga)", "lost", "Merchant proved it")]
    assert_ledger_clean()


def test_the_bulk_action_starts_investigating(client, ops_user, disputes):
    client.force_login(ops_user)
    response = client.post(reverse("admin:disputes_dispute_changelist"), {
        "action": "mark_investigating", "_selected_action": [d.pk for d in disputes[:2]]})
    assert response.status_code == 302
    assert sorted(Dispute.objects.values_list("status", flat=True)) == ["investigating", "investigating", "open"]


def test_ops_open_and_resolve_an_incident_in_the_admin(client, ops_user, bob_card, holder):
    card = bob_card.card
    client.force_login(ops_user)
    response = admin_post(client, reverse("admin:disputes_unauthorizeduseincident_add"),
                          {"card": card.pk, "kind": "stolen", "reported_on": "2026-04-10",
                           "reported_on_reason": "Phoned in on the 10th", "note": "Phoned in"})
    assert response.status_code == 302
    incident = UnauthorizedUseIncident.objects.get()
    Card.objects.filter(pk=card.pk).update(status="stolen", status_changed_on=D(2026, 4, 10))
    before = charge(card.account, "1000.00", D(2026, 4, 9), "S1", card=card)
    dispute_open(charge=before, reason="unauthorized", by=holder, on=D(2026, 4, 12))
    response = admin_post(client, reverse("admin:disputes_unauthorizeduseincident_change", args=[incident.pk]),
                          {"resolve_with": "capped", "note": ""})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert (incident.status, incident.holder_share) == ("resolved", dkk("375.00"))
    assert_ledger_clean()


def test_overdue_refund_decisions_have_their_own_filter(client, ops_user, bob_account, holder):
    rental = charge(bob_account, "900.00", D(2026, 3, 25), "R1", country="FR")
    late = refund_request_submit(charge=rental, expected_amount=dkk("100.00"), explanation="x", by=holder,
                                 on=D(2026, 3, 30))  # due 16 April: overdue on 20 April
    other = charge(bob_account, "900.00", D(2026, 4, 15), "R2", country="FR")
    on_time = refund_request_submit(charge=other, expected_amount=dkk("100.00"), explanation="x", by=holder,
                                    on=D(2026, 4, 15))
    client.force_login(ops_user)
    url = reverse("admin:disputes_refundrequest_changelist")
    page = client.get(url, {"decision": "overdue"}).content.decode()
    assert f"/admin/disputes/refundrequest/{late.pk}/change/" in page
    assert f"/admin/disputes/refundrequest/{on_time.pk}/change/" not in page
    response = admin_post(client, reverse("admin:disputes_refundrequest_change", args=[late.pk]),
                          {"step": "refuse", "reason": "Price was in the contract"})
    assert response.status_code == 302
    assert RefundRequest.objects.get(pk=late.pk).status == "refused"
