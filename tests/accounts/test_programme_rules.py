"""Programme rules as data (SPEC preamble): the hold lifetime, contactless ceilings and card
validity come from the version in force per market on the day they act, ops add versions in the
admin, and versions are history that is neither edited nor deleted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from accounts.models import ProgrammeRules
from accounts.rules import programme_rules
from accounts.services import card_issue
from amexprog.common.errors import ApplicationError
from charges.models import Hold
from tests.accounts.factories import UserFactory
from tests.charges.test_authorizations import authorize, decline_reason
from tests.conftest import token_client

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 11)


@pytest.fixture
def frozen_day():
    with time_machine.travel(dt.datetime(2026, 3, 11, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def ops(client):
    client.user = UserFactory(username="ops", is_staff=True, is_superuser=True)
    client.force_login(client.user)
    return client


def new_version(market: str = "DK", effective_from: dt.date = TODAY, **changes) -> ProgrammeRules:
    ceilings = {"DK": (Decimal("350.00"), Decimal("1100.00")), "BE": (Decimal("50.00"), Decimal("150.00"))}[market]
    fields = {"contactless_charge_limit": ceilings[0], "contactless_cumulative_limit": ceilings[1], **changes}
    rules = ProgrammeRules(market=market, effective_from=effective_from, **fields)
    rules.save()
    return rules


def test_the_starting_versions_carry_the_spec_defaults():
    dk, be = programme_rules(market="DK", on=TODAY), programme_rules(market="BE", on=TODAY)
    assert (dk.reminder_days_after_due, dk.reminder_interval_days, dk.suspend_dpd, dk.collections_dpd) == (7, 10, 30,
                                                                                                           90)
    assert (dk.hold_days, dk.card_validity_months, dk.card_unused_months, dk.card_reissue_window_months) == (7, 48,
                                                                                                             12, 12)
    assert (dk.currency, dk.contactless_charge_limit, dk.contactless_cumulative_limit, dk.contactless_count_limit) == (
        "DKK", Decimal("350.00"), Decimal("1100.00"), 5)
    assert (be.currency, be.contactless_charge_limit, be.contactless_cumulative_limit, be.contactless_count_limit) == (
        "EUR", Decimal("50.00"), Decimal("150.00"), 5)


def test_no_version_in_force_is_a_clear_error():
    with pytest.raises(ApplicationError) as error:
        programme_rules(market="DK", on=dt.date(1999, 12, 31))
    assert (error.value.code, error.value.message) == (
        "no_programme_rules", "No programme rules for market DK are in force on 1999-12-31.")


def test_card_validity_follows_the_version_in_force_on_the_issue_day(bob_account):
    new_version(effective_from=dt.date(2026, 6, 1), card_validity_months=36)
    new_version("BE", effective_from=dt.date(2026, 1, 1), card_validity_months=12)  # another market's: no effect
    before = card_issue(account=bob_account, issued_on=dt.date(2026, 5, 31)).card
    after = card_issue(account=bob_account, issued_on=dt.date(2026, 6, 1)).card
    assert (before.expiry, after.expiry) == (dt.date(2030, 5, 31), dt.date(2029, 6, 30))


def test_a_hold_lives_as_long_as_the_rules_in_force_when_it_was_made(network, bob_card, frozen_day):
    authorize(network, bob_card.pan, "50.00", transaction_id="T-1")
    new_version(hold_days=3)
    authorize(network, bob_card.pan, "50.00", transaction_id="T-2")
    expiries = dict(Hold.objects.values_list("transaction_id", "expires_on"))
    assert expiries == {"T-1": dt.date(2026, 3, 18), "T-2": dt.date(2026, 3, 14)}


def test_a_lower_contactless_ceiling_asks_for_the_pin_from_its_effective_date(network, bob_card, frozen_day):
    contactless = {"entry_mode": "contactless", "pin_verified": False}
    new_version(effective_from=dt.date(2026, 3, 12), contactless_charge_limit=Decimal("200.00"))
    assert authorize(network, bob_card.pan, "300.00", transaction_id="C-1", **contactless).json()["approved"]
    new_version(contactless_charge_limit=Decimal("200.00"))
    assert decline_reason(authorize(network, bob_card.pan, "200.01", transaction_id="C-2", **contactless)) == (
        "pin_required")
    assert authorize(network, bob_card.pan, "200.00", transaction_id="C-3", **contactless).json()["approved"]


def test_ops_add_a_version_in_the_admin_and_cannot_edit_or_delete_it(ops, frozen_day):
    add = reverse("admin:accounts_programmerules_add")
    fields = {"market": "DK", "effective_from": "2027-01-01", "reminder_days_after_due": "14",
              "reminder_interval_days": "14", "suspend_dpd": "45", "collections_dpd": "120", "hold_days": "10",
              "card_validity_months": "36", "card_renewal_lead_days": "30", "card_unused_months": "12",
              "card_reissue_window_months": "12", "card_closure_notice_months": "2",
              "contactless_charge_limit": "300.00", "contactless_cumulative_limit": "900.00",
              "contactless_count_limit": "5", "bank_details_cooling_off_days": "14",
              "final_statement_days": "0"}
    assert ops.post(add, fields).status_code == 302
    added = ProgrammeRules.objects.get(market="DK", effective_from=dt.date(2027, 1, 1))
    assert (added.currency, added.suspend_dpd, added.hold_days) == ("DKK", 45, 10)
    assert programme_rules(market="DK", on=dt.date(2026, 12, 31)).hold_days == 7
    assert programme_rules(market="DK", on=dt.date(2027, 1, 1)) == added

    refused = ops.post(add, {**fields, "effective_from": "2027-02-01", "collections_dpd": "45",
                             "reminder_interval_days": "9"})
    assert refused.status_code == 200
    assert "Collections must come after suspension" in refused.content.decode()
    assert "Ensure this value is greater than or equal to 10." in refused.content.decode()
    assert not ProgrammeRules.objects.filter(effective_from=dt.date(2027, 2, 1)).exists()
    today = ops.post(add, {**fields, "effective_from": "2026-03-11", "holder_favourable": "on",
                           "favourable_reason": "Longer reminder intervals"})
    assert "takes effect from tomorrow (2026-03-12) at the earliest" in today.content.decode()
    assert not ProgrammeRules.objects.filter(effective_from=dt.date(2026, 3, 11)).exists()
    # Terms §25b (issue 16 item 6): 2 months' notice, unless ops confirm it is solely in the holder's favour.
    soon = ops.post(add, {**fields, "effective_from": "2026-03-12"})
    assert "2026-05-11 at the earliest" in soon.content.decode()
    assert ops.post(add, {**fields, "effective_from": "2026-03-12", "holder_favourable": "on",
                          "favourable_reason": "Longer reminder intervals"}).status_code == 302

    change = reverse("admin:accounts_programmerules_change", args=[added.pk])
    assert b'name="_save"' not in ops.get(change).content
    assert ops.post(change, {**fields, "hold_days": "1"}).status_code == 403
    assert ops.post(reverse("admin:accounts_programmerules_delete", args=[added.pk]), {"post": "yes"}
                    ).status_code == 403
    assert ProgrammeRules.objects.get(pk=added.pk).hold_days == 10
    if connection.vendor == "postgresql":
        from audit.models import ProgrammeRulesEvent

        event = ProgrammeRulesEvent.objects.get(pgh_obj_id=added.pk)
        assert (event.pgh_label, event.hold_days, event.pgh_context.metadata["user"]) == ("insert", 10, ops.user.pk)


def test_the_versions_over_the_api_per_market_newest_first_with_filters(tokens):
    new_version(effective_from=dt.date(2027, 1, 1), hold_days=5, contactless_charge_limit=Decimal("300.00"))
    url = "/api/v1/programme-rules/"
    client = token_client(tokens.a)
    rows = client.get(url, {"market": "DK"}).json()["results"]
    assert [(row["effective_from"], row["hold_days"], row["contactless_charge_limit"], row["currency"])
            for row in rows] == [("2027-01-01", 5, "300.00", "DKK"), ("2000-01-01", 7, "350.00", "DKK")]
    assert [row["market"] for row in client.get(url, {"effective_from_from": "2026-01-01"}).json()["results"]] == [
        "DK"]
    assert {row["market"] for row in client.get(url).json()["results"]} == {"DK", "BE"}


def test_an_authorization_without_rules_in_force_is_refused_with_the_reason(network, bob_card, frozen_day):
    ProgrammeRules.objects.filter(market="DK").update(effective_from=dt.date(2026, 3, 12))
    response = authorize(network, bob_card.pan, "50.00", transaction_id="T-1")
    assert (response.status_code, response.json()["code"]) == (503, "no_programme_rules")
    assert response.json()["detail"] == "No programme rules for market DK are in force on 2026-03-11."
    assert not Hold.objects.exists()
