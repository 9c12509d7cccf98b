"""Stopping a merchant's recurring charges on a card (terms §16, SPEC sections 10–12; issue 16 item 9).

Terms §16: the cardmember may stop a merchant's recurring charges; from the next bank day the issuer
declines them, and a charge the merchant presents anyway is disputed as a cancelled recurring charge,
with the temporary credit of terms §22g.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from moneyed import Money
from rest_framework.test import APIClient

from accounts.models import AuditEntry
from accounts.roles import VIEWER
from accounts.services import api_token_create
from charges.services import charge_file_import
from disputes.audit import SYSTEM
from disputes.models import Dispute, RecurringStop
from disputes.recurring_stops import merchant_key
from ledger.models import Posting
from tests.accounts.factories import ops_user
from tests.charges.conftest import charge_file, charge_row, spec_rates  # noqa: F401  (fixture)
from tests.charges.test_authorizations import authorize
from tests.conftest import token_client

pytestmark = pytest.mark.django_db

FRIDAY = dt.datetime(2026, 3, 13, 10, 0, tzinfo=dt.UTC)      # the stop is registered
SATURDAY = dt.datetime(2026, 3, 14, 10, 0, tzinfo=dt.UTC)    # not a bank day: the stop waits
MONDAY = dt.datetime(2026, 3, 16, 10, 0, tzinfo=dt.UTC)      # the next bank day: the stop applies


def register(client, card, merchant="Netflix", **fields):
    return client.post(f"/api/v1/cards/{card.pk}/recurring-stops/", {"merchant_name": merchant, **fields},
                       format="json")


def signed_in(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def approved(response) -> bool:
    assert response.status_code == 200, response.json()
    return response.json()["approved"]


def test_issue16_item9_recurring_stop_declines_from_the_next_bank_day_terms_16(api, bob, bob_card, tokens):
    """Terms §16: registered on Friday 13 March 2026 → effective Monday 16 March (the next bank day).
    Before then a recurring authorization still approves; from Monday the merchant's recurring
    authorization declines `recurring_stopped`, while a non-recurring one from the same merchant and a
    recurring one from another merchant still approve."""
    network = token_client(tokens.network)
    api.force_login(bob)
    with time_machine.travel(FRIDAY, tick=False):
        response = register(api, bob_card.card, merchant="  NETFLIX   International ")
        assert response.status_code == 201, response.json()
        body = response.json()
        assert (body["registered_on"], body["effective_from"], body["active"]) == ("2026-03-13", "2026-03-16", True)
        assert approved(authorize(network, bob_card.pan, "129.00", transaction_id="R-FRI",
                                  merchant_name="Netflix International", recurring=True))
    with time_machine.travel(SATURDAY, tick=False):
        assert approved(authorize(network, bob_card.pan, "129.00", transaction_id="R-SAT",
                                  merchant_name="netflix international", recurring=True))
    with time_machine.travel(MONDAY, tick=False):
        declined = authorize(network, bob_card.pan, "129.00", transaction_id="R-MON",
                             merchant_name="Netflix  International", recurring=True)
        assert declined.status_code == 200
        assert declined.json()["approved"] is False
        assert declined.json()["reason"] == "recurring_stopped"
        assert approved(authorize(network, bob_card.pan, "129.00", transaction_id="N-MON",
                                  merchant_name="Netflix International"))  # not recurring
        assert approved(authorize(network, bob_card.pan, "99.00", transaction_id="S-MON",
                                  merchant_name="Spotify", recurring=True))  # another merchant
    stop = RecurringStop.objects.get()
    assert (stop.merchant_name, stop.merchant_key) == ("NETFLIX International", "netflix international")
    entry = AuditEntry.objects.get(action=AuditEntry.Action.RECURRING_STOPPED)
    assert (entry.card_id, entry.actor, entry.actor_role) == (bob_card.card.pk, "user:bob", "holder")


def test_issue16_item9_a_lifted_stop_approves_again_terms_16(api, alice, bob_card, tokens):
    """Terms §16: the PA registers and later lifts the stop; from the day it is lifted the merchant's
    recurring authorizations approve again."""
    network = token_client(tokens.network)
    api.force_login(alice)
    with time_machine.travel(FRIDAY, tick=False):
        stop_id = register(api, bob_card.card).json()["id"]
    with time_machine.travel(MONDAY, tick=False):
        assert not approved(authorize(network, bob_card.pan, transaction_id="R1", merchant_name="Netflix",
                                      recurring=True))
        response = api.delete(f"/api/v1/cards/{bob_card.card.pk}/recurring-stops/{stop_id}/")
        assert response.status_code == 200, response.json()
        assert (response.json()["revoked_on"], response.json()["active"]) == ("2026-03-16", False)
        assert approved(authorize(network, bob_card.pan, transaction_id="R2", merchant_name="Netflix",
                                  recurring=True))


@pytest.mark.parametrize("bulk", [False, pytest.param(True, marks=pytest.mark.postgres)])
def test_issue16_item9_presented_charge_from_stopped_merchant_is_disputed_with_credit_terms_16(
        bulk, spec_rates, bob_account, bob_card, tokens):  # noqa: F811
    """Terms §16 with §22g: a stop registered on Friday 6 March 2026 is effective Monday 9 March. The
    charge file processed on 11 March carries Netflix DKK 129.00 of 9 March, Netflix DKK 129.00 of
    6 March (before the stop applied) and Café Nørrebro DKK 250.00 of 9 March. Only the first is
    disputed, on its own, by the system, as cancelled_recurring: a dispute_credit of DKK -129.00 on
    11 March; the account owes 129.00 + 129.00 + 250.00 - 129.00 = DKK 379.00."""
    with time_machine.travel(dt.datetime(2026, 3, 6, 10, 0, tzinfo=dt.UTC), tick=False):
        assert register(token_client(tokens.a), bob_card.card).status_code == 201
    rows = [
        charge_row("NF-9", bob_card.pan, "129.00", merchant_name="NETFLIX", transaction_date="2026-03-09"),
        charge_row("NF-6", bob_card.pan, "129.00", merchant_name="Netflix", transaction_date="2026-03-06"),
        charge_row("CAFE", bob_card.pan, "250.00", transaction_date="2026-03-09"),
    ]
    with time_machine.travel(dt.datetime(2026, 3, 11, 10, 0, tzinfo=dt.UTC), tick=False):
        charge_file_import(source=io.BytesIO(charge_file(rows)), filename="c.csv", bulk=bulk)
    dispute = Dispute.objects.get()
    assert dispute.charge.source_key == "charge/NF-9"
    assert (dispute.reason, dispute.amount, dispute.opened_on, dispute.opened_by) == (
        "cancelled_recurring", Money("129.00", "DKK"), dt.date(2026, 3, 11), SYSTEM)
    credit = Posting.objects.get(kind="dispute_credit")
    assert (credit.amount, credit.posting_date) == (Money("-129.00", "DKK"), dt.date(2026, 3, 11))
    total = sum(p.amount.amount for p in Posting.objects.filter(account=bob_account))
    assert str(total) == "379.00"


def test_issue16_item9_outsiders_and_view_only_ops_may_not_stop_terms_16(api, carol, bob_card, company_a, tokens):
    """Terms §16 is the holder's and the company's right: another company's PA and token see no card
    (404), a read-only token and a view-only ops person are refused (403), nothing is registered."""
    card = bob_card.card
    api.force_login(carol)
    assert register(api, card).status_code == 404
    assert register(token_client(tokens.b), card).status_code == 404
    read_only = api_token_create(name="A-ro", kind="company", company=company_a, scope="read-only")[1]
    assert register(token_client(read_only), card).status_code == 403
    assert register(token_client(tokens.network), card).status_code == 403
    viewer = signed_in(ops_user("viewer", VIEWER))
    assert viewer.get(f"/api/v1/cards/{card.pk}/recurring-stops/").status_code == 200
    assert register(viewer, card).status_code == 403
    assert not RecurringStop.objects.exists()


def test_issue16_item9_merchant_key_casefolds_and_collapses_whitespace():
    assert merchant_key("  Netflix\t INTERNATIONAL ") == "netflix international"
    assert merchant_key("STRASSE") == merchant_key("straße")


@pytest.mark.parametrize("who", ["bob", "alice"])
def test_issue16_item9_holder_and_pa_stop_and_lift_in_the_portal_terms_16(client, who, request, bob_card):
    """Terms §16 in the portal: the card page offers the form to the holder and to the PA; a stop on
    Friday 13 March 2026 reads "from 2026-03-16" and can be lifted again."""
    from django.urls import reverse

    client.force_login(request.getfixturevalue(who))
    card = bob_card.card
    with time_machine.travel(FRIDAY, tick=False):
        page = client.get(reverse("portal:card_detail", args=[card.pk])).content.decode()
        assert reverse("portal:card_recurring_stop_add", args=[card.pk]) in page
        response = client.post(reverse("portal:card_recurring_stop_add", args=[card.pk]),
                               {"merchant_name": "Netflix", "mcc": ""}, follow=True)
        assert "Netflix" in response.content.decode()
        stop = RecurringStop.objects.get()
        assert (stop.effective_from, stop.registered_by) == (dt.date(2026, 3, 16), f"user:{who}")
        client.post(reverse("portal:card_recurring_stop_revoke", args=[card.pk, stop.pk]))
    stop.refresh_from_db()
    assert stop.revoked_on == dt.date(2026, 3, 13)


def test_issue16_item9_the_stop_follows_the_replacement_card_terms_16(api, bob, bob_card, tokens):
    """SPEC 11: recurring charges follow the replacement, so does the stop. Stopped on Friday 13 March
    2026, the card reported lost on Monday 16 March: the replacement's recurring authorization from the
    merchant declines `recurring_stopped` too."""
    from accounts import lifecycle
    from accounts.audit import Actor, Role

    holder = Actor(role=Role.HOLDER, label="user:bob", user_id=bob.pk)
    api.force_login(bob)
    with time_machine.travel(FRIDAY, tick=False):
        assert register(api, bob_card.card).status_code == 201
    with time_machine.travel(MONDAY, tick=False):
        issued = lifecycle.card_report(card=bob_card.card, by=holder, on=MONDAY.date(), status="lost")
        if issued.card.status != "active":
            lifecycle.card_activate(card=issued.card, by=holder, on=MONDAY.date())
        response = authorize(token_client(tokens.network), issued.pan, transaction_id="R-NEW",
                             merchant_name="Netflix", recurring=True)
        assert response.json()["reason"] == "recurring_stopped"


def test_issue16_item9_recurring_must_be_a_boolean(bob_card, tokens):
    """SPEC 10: the body may carry `"recurring": true`; anything but a boolean is a 400 naming the field."""
    response = authorize(token_client(tokens.network), bob_card.pan, transaction_id="R-BAD", recurring="maybe")
    assert response.status_code == 400
    assert "recurring" in str(response.json())
