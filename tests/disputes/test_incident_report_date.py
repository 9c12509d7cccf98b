"""Issue 15 item 11: unauthorized-use dates are facts, not input (SPEC section 12, terms §22c–d).

The report date splits an incident's charges into "before" (the holder bears up to DKK 375) and
"after" (credited in full). It is the day the issuer was told — the card's lost/stolen report or
the dispute's own date — never a date the reporter types; only ops may set another, with a reason.
"""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.models import Card
from amexprog.common.errors import ApplicationError
from disputes.audit import actor_of
from disputes.models import UnauthorizedUseIncident
from disputes.services import dispute_open, incident_open
from disputes.services.incidents import REPORT_DATE_OPS_ONLY, REPORT_DATE_REASON_REQUIRED
from tests.accounts.factories import UserFactory
from tests.conftest import token_client
from tests.disputes.conftest import charge
from tests.disputes.test_admin import admin_post

pytestmark = pytest.mark.django_db
CURRENT_TIME = dt.datetime(2026, 3, 20, 10, 0, tzinfo=dt.UTC)
D = dt.date
REPORTED = D(2026, 3, 10)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(CURRENT_TIME, tick=False):
        yield


@pytest.fixture
def stolen_card(bob_card):
    card = bob_card.card
    Card.objects.filter(pk=card.pk).update(status=Card.Status.STOLEN, status_changed_on=REPORTED)
    card.refresh_from_db()
    return card


def test_issue15_item11_a_company_cannot_type_the_report_date_over_the_api(tokens, stolen_card):
    """A company token that sends an early report date (which would credit every charge in full) gets
    a 400 naming the field, and no incident is opened."""
    refused = token_client(tokens.a).post("/api/v1/incidents/", {
        "card_id": stolen_card.pk, "kind": "stolen", "reported_on": "2026-01-01"}, format="json")
    assert refused.status_code == 400, refused.json()
    assert str(REPORT_DATE_OPS_ONLY) in str(refused.json()["fields"]["reported_on"])
    assert not UnauthorizedUseIncident.objects.exists()


def test_issue15_item11_the_report_date_is_the_cards_lost_or_stolen_report(tokens, stolen_card):
    opened = token_client(tokens.a).post("/api/v1/incidents/", {"card_id": stolen_card.pk, "kind": "stolen"},
                                         format="json")
    assert opened.status_code == 201, opened.json()
    assert opened.json()["reported_on"] == "2026-03-10"
    event = UnauthorizedUseIncident.objects.get().events.get(action="opened")
    assert "report date 2026-03-10: card reported stolen" in event.note


def test_issue15_item11_without_a_card_report_the_first_unauthorized_dispute_dates_it(bob_card, holder):
    """Bob disputes a charge as unauthorized on 14 March before anyone reports the card; the incident
    opened on 18 March counts from 14 March, the day the issuer was told."""
    card = bob_card.card
    posting = charge(card.account, "300.00", D(2026, 3, 12), "U1", card=card, transaction_date=D(2026, 3, 11))
    dispute_open(charge=posting, reason="unauthorized", by=holder, on=D(2026, 3, 14))
    incident = incident_open(card=card, kind="lost", by=holder, on=D(2026, 3, 18))
    assert incident.reported_on == D(2026, 3, 14)
    assert incident.disputes.count() == 1


def test_issue15_item11_with_no_record_the_incident_report_is_the_date(bob_card, holder):
    incident = incident_open(card=bob_card.card, kind="lost", by=holder, on=D(2026, 3, 18))
    assert incident.reported_on == D(2026, 3, 18)


def test_issue15_item11_a_holder_or_staff_without_the_permission_cannot_set_it(bob_card, holder):
    with pytest.raises(ApplicationError) as error:
        incident_open(card=bob_card.card, kind="lost", by=holder, on=D(2026, 3, 18), reported_on=D(2026, 3, 1),
                      reported_on_reason="I say so")
    assert (error.value.code, error.value.extra, error.value.status) == ("ops_only", {"field": "reported_on"}, 403)
    viewer = actor_of(UserFactory(username="victor", is_staff=True))
    viewer.user.user_permissions.add(Permission.objects.get(codename="view_unauthorizeduseincident"))
    with pytest.raises(ApplicationError) as error:
        incident_open(card=bob_card.card, kind="lost", by=viewer, on=D(2026, 3, 18), reported_on=D(2026, 3, 1),
                      reported_on_reason="Phoned in")
    # Refused before the date is even looked at: a viewer may not open incidents at all (issue 15 item 3).
    assert error.value.status == 403 and error.value.message != ""
    assert not UnauthorizedUseIncident.objects.exists()


def test_issue15_item11_ops_override_needs_a_reason_which_is_recorded(tokens, stolen_card):
    ops = token_client(tokens.ops)
    body = {"card_id": stolen_card.pk, "kind": "stolen", "reported_on": "2026-03-08"}
    refused = ops.post("/api/v1/incidents/", body, format="json")
    assert refused.status_code == 400 and "reported_on_reason" in refused.json()["fields"], refused.json()
    assert str(REPORT_DATE_REASON_REQUIRED) in str(refused.json()["fields"])
    opened = ops.post("/api/v1/incidents/", {**body, "reported_on_reason": "Call log shows the 8th"}, format="json")
    assert opened.status_code == 201, opened.json()
    assert opened.json()["reported_on"] == "2026-03-08"
    note = UnauthorizedUseIncident.objects.get().events.get(action="opened").note
    assert "set by ops (the records give 2026-03-10: card reported stolen). Reason: Call log shows the 8th" in note


def test_issue15_item11_the_admin_takes_the_facts_and_asks_a_reason_for_another_date(client, ops_user, stolen_card):
    client.force_login(ops_user)
    url = reverse("admin:disputes_unauthorizeduseincident_add")
    admin_post(client, url, {"card": stolen_card.pk, "kind": "stolen", "reported_on": "2026-03-01"})
    assert not UnauthorizedUseIncident.objects.exists()
    admin_post(client, url, {"card": stolen_card.pk, "kind": "stolen"})
    assert UnauthorizedUseIncident.objects.get().reported_on == REPORTED
