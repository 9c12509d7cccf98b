"""Issue 19 item 6: controls a PA sets without a manual (SPEC 18): categories and countries picked by name
with their codes beside, every bad code named, card values the company's override warned about, and a
preview of which of the last 90 days' authorizations the new controls would have declined, before saving."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from accounts.audit import Actor, Role
from accounts.controls import card_controls_set, effective_controls
from accounts.models import Card, SpendingControls
from accounts.rules import programme_rules
from amexprog.common.errors import ApplicationError
from charges.controls_preview import controls_preview, recent_authorizations
from charges.models import Authorization
from tests.charges.test_authorizations import authorize
from tests.conftest import token_client

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 11)
ISSUER = Actor(role=Role.ISSUER, label="test")


@pytest.fixture(autouse=True)
def frozen_day():
    with time_machine.travel(dt.datetime(2026, 3, 11, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def test_issue19_item6_categories_and_countries_are_picked_by_name_with_the_codes_beside(client, alice, bob_card):
    client.force_login(alice)
    url = reverse("portal:card_controls", args=[bob_card.card.pk])
    page = client.get(url).content.decode()
    assert "Gambling and betting (7995)" in page and "Airlines (3000–3299, 4511, 4582)" in page
    assert "Denmark (DK)" in page and 'value="RU"' in page
    assert client.post(url, {"blocked_mccs_pick": ["industry:airlines", "7995"], "blocked_countries_pick": ["RU"],
                             "blocked_mccs": "5933", "contactless": "on", "step": "save"}).status_code == 302
    card = Card.objects.select_related("controls").get(pk=bob_card.card.pk)
    assert {"3000", "3299", "4511", "4582", "7995", "5933"} <= set(card.blocked_mccs)
    assert card.controls.blocked_countries == ["RU"]
    page = client.get(url).content.decode()
    assert "Airlines; Pawn shops (5933); Gambling and betting (7995)" in page  # what applies, by name
    assert 'value="industry:airlines" checked' in page and 'value="RU" checked' in page
    assert 'value="5933" checked' in page  # a named category is a pick, not a typed code

    client.post(reverse("set_language"), {"language": "da", "next": url})
    assert "Danmark (DK)" in client.get(url).content.decode()


def test_issue19_item6_every_bad_code_of_every_list_is_named(client, alice, bob_card):
    client.force_login(alice)
    url = reverse("portal:card_controls", args=[bob_card.card.pk])
    response = client.post(url, {"blocked_mccs": "59x3, 7995, 12", "allowed_countries": "XX, dk, QQ",
                                 "contactless": "on", "step": "preview"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Not merchant category codes (four digits): 59x3, 12." in page
    assert "Not country codes (two letters, ISO 3166): XX, QQ." in page
    # The service (and so the API) names them all too, in each list.
    with pytest.raises(ApplicationError) as raised:
        card_controls_set(card=bob_card.card, by=ISSUER, on=TODAY, blocked_mccs=["59x3", "7995", "12"],
                          allowed_countries=["XX", "DK", "QQ"])
    assert raised.value.extra["fields"] == {
        "blocked_mccs": ["These are not merchant category codes (4 digits): '59x3', '12'."],
        "allowed_countries": ["These are not two-letter country codes: 'XX', 'QQ'."]}


def test_issue19_item6_the_preview_names_the_authorizations_the_new_controls_would_have_declined(
        client, alice, network, bob_card):
    pan = bob_card.pan
    authorize(network, pan, "100.00", transaction_id="A-1", merchant_country="DK", mcc="5812")
    authorize(network, pan, "200.00", transaction_id="A-2", merchant_country="SE", mcc="5812",
              merchant_name="Stockholm Bistro")
    authorize(network, pan, "300.00", transaction_id="A-3", merchant_country="DK", mcc="5411",
              merchant_name="Netto")
    old = authorize(network, pan, "50.00", transaction_id="A-OLD", merchant_country="SE", mcc="5812")
    assert old.json()["approved"]
    Authorization.objects.filter(transaction_id="A-OLD").update(decided_on=TODAY - dt.timedelta(days=91))
    client.force_login(alice)
    url = reverse("portal:card_controls", args=[bob_card.card.pk])
    response = client.post(url, {"blocked_countries_pick": ["SE"], "daily_limit": "350.00", "contactless": "on",
                                 "step": "preview"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Of the 3 authorizations since 12 Dec 2025, these controls would have declined 2; 2 of them were " \
           "approved." in page
    assert "Stockholm Bistro" in page and "Payments in the merchant&#x27;s country are blocked." in page
    assert "Netto" in page and "A spend limit of the card would be exceeded." in page  # 100 + 300 > 350 that day
    assert "Sweden (SE)" in page and "Groceries" in page
    card = Card.objects.get(pk=bob_card.card.pk)
    assert not SpendingControls.objects.filter(card=card).exists()  # nothing saved by the preview


def test_issue19_item6_a_card_value_the_company_overrides_is_warned_about_before_saving(client, alice, company_a,
                                                                                       bob_card):
    SpendingControls.objects.create(company=company_a, blocked_countries=["RU"], daily_limit=Decimal("1000.00"))
    client.force_login(alice)
    page = client.post(reverse("portal:card_controls", args=[bob_card.card.pk]),
                       {"allowed_countries_pick": ["DK", "RU"], "daily_limit": "5000.00", "contactless": "on",
                        "step": "preview"}).content.decode()
    assert "Allowed merchant countries: RU have no effect on this card, because the company blocks them or does " \
           "not allow them." in page
    assert "Daily limit: the card&#x27;s DKK\xa05,000.00 has no effect, because the company&#x27;s " \
           "DKK\xa01,000.00 is lower and applies." in page


def test_issue19_item6_replaying_the_controls_in_force_gives_the_live_decisions(network, company_a, bob_card):
    """The preview decides with the live decision's own rules: under the controls that decided them, the
    stored authorizations come out exactly as they were decided."""
    card_controls_set(card=bob_card.card, by=ISSUER, on=TODAY, blocked_countries=["SE"],
                      daily_limit=Decimal("400.00"), blocked_mccs=["7995"])
    bodies = [("100.00", "DK", "5812"), ("50.00", "SE", "5812"), ("20.00", "DK", "7995"), ("250.00", "DK", "5411"),
              ("60.00", "DK", "5812"), ("49.00", "DK", "5812"), ("1.00", "DK", "5812")]
    for number, (amount, country, mcc) in enumerate(bodies):
        authorize(network, bob_card.pan, amount, transaction_id=f"R-{number}", merchant_country=country, mcc=mcc)
    live = {a.transaction_id: a.reason for a in Authorization.objects.filter(approved=False)}
    assert set(live.values()) == {"merchant_country_blocked", "mcc_blocked", "card_limit_exceeded"}
    rules = programme_rules(market=company_a.market, on=TODAY)
    since, stored = recent_authorizations(on=TODAY, company_id=company_a.pk)
    preview = controls_preview(authorizations=stored, since=since,
                               controls_for=lambda card: effective_controls(card=card, rules=rules))
    assert {row.authorization.transaction_id: row.reason for row in preview.declined} == live
    assert preview.newly_declined == 0


def test_issue19_item6_the_company_page_previews_its_controls_over_every_card(client, alice, network, company_a,
                                                                               bob_card):
    from tests.accounts.factories import AccountFactory, CardmemberFactory, issue_card

    other = issue_card(AccountFactory(cardmember=CardmemberFactory(company=company_a, first_name="Dora",
                                                                   last_name="Dahl")))
    authorize(network, bob_card.pan, "80.00", transaction_id="C-1", mcc="7995", merchant_name="Lucky Casino")
    authorize(network, other.pan, "90.00", transaction_id="C-2", mcc="7995", merchant_name="Casino Royal")
    authorize(network, other.pan, "95.00", transaction_id="C-3", mcc="5812", merchant_name="Canteen")
    client.force_login(alice)
    url = reverse("portal:company_controls", args=[company_a.number])
    page = client.post(url, {"blocked_mccs_pick": ["7995"], "step": "preview"}).content.decode()
    assert "Of the 3 authorizations since 12 Dec 2025, these controls would have declined 2; 2 of them were " \
           "approved." in page
    assert "Lucky Casino" in page and "Casino Royal" in page and "Canteen" not in page
    assert "Gambling and betting <small" in page  # the category by name, its code beside
    assert not SpendingControls.objects.filter(company=company_a).exists()
    assert client.post(url, {"blocked_mccs_pick": ["7995"], "step": "save"}).status_code == 302
    assert SpendingControls.objects.get(company=company_a).blocked_mccs == ["7995"]


def test_issue19_item6_the_api_names_every_bad_code_of_every_list(tokens, company_a):
    response = token_client(tokens.a).patch(f"/api/v1/companies/{company_a.number}/controls/",
                                            {"blocked_mccs": ["7995", "79x5", "1"], "allowed_countries": ["DK", "QQ"]},
                                            format="json")
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert [error["message"] for error in fields["blocked_mccs"]] == [
        "These are not merchant category codes (4 digits): '79x5', '1'."]
    assert [error["message"] for error in fields["allowed_countries"]] == ["'QQ' is not a two-letter country code."]
