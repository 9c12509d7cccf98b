"""Cards in the portal (SPEC sections 10, 11): a PA's card list and controls, the card page with its
declines for the cardmember and the PA, lifecycle actions, and outsiders kept out (404)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from accounts.models import Account, Card, Company
from charges.models import Authorization
from tests.accounts.factories import AccountFactory, CardmemberFactory, issue_card
from tests.charges.test_authorizations import authorize
from tests.conftest import token_client

pytestmark = pytest.mark.django_db

CURRENT_TIME = dt.datetime(2026, 3, 11, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen(settings, tmp_path):
    settings.EMBOSSING_DIR = tmp_path / "embossing"
    settings.LANGUAGE_CODE = "en"
    with time_machine.travel(CURRENT_TIME, tick=False):
        yield


def page(client, url: str) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_pa_lists_the_companys_cards_in_a_fixed_number_of_queries(client, alice, company_a, bob_card,
                                                                       django_assert_max_num_queries):
    for _ in range(5):
        issue_card(AccountFactory(cardmember=CardmemberFactory(company=company_a)))
    client.force_login(alice)
    with django_assert_max_num_queries(12):
        html = page(client, reverse("portal:company_cards", args=[company_a.number]))
    assert html.count("•••• •••••• •") == 6 and bob_card.card.last4 in html
    assert bob_card.pan not in html


def test_declines_show_their_reason_to_the_cardmember_and_the_pa(client, bob, alice, tokens, bob_card):
    Card.objects.filter(pk=bob_card.card.pk).update(blocked_mccs=["7995"])
    authorize(token_client(tokens.network), bob_card.pan, "50.00", mcc="7995", merchant_name="Lucky Casino")
    for viewer in (bob, alice):
        client.force_login(viewer)
        html = page(client, reverse("portal:card_detail", args=[bob_card.card.pk]))
        assert "Lucky Casino" in html and "Declined" in html
        assert "This kind of merchant is blocked for the card." in html
        assert bob_card.pan not in html


def test_the_pa_blocks_and_the_cardmember_cannot_lift_it(client, alice, bob, bob_card):
    client.force_login(alice)
    url = reverse("portal:card_action", args=[bob_card.card.pk, "block"])
    response = client.post(url, {"reason": "Expense audit"}, follow=True)
    assert "Done: the card ending" in response.content.decode()
    assert Card.objects.get(pk=bob_card.card.pk).status == "blocked"
    client.force_login(bob)
    html = page(client, reverse("portal:card_detail", args=[bob_card.card.pk]))
    assert "Expense audit" in html and "Unblock the card" not in html  # not offered to Bob
    response = client.post(reverse("portal:card_action", args=[bob_card.card.pk, "unblock"]), {"reason": "mine"},
                           follow=True)
    assert "you cannot lift that block" in response.content.decode()
    assert Card.objects.get(pk=bob_card.card.pk).status == "blocked"


def test_the_cardmember_reports_a_stolen_card_and_sees_only_the_new_last_four(client, bob, bob_card,
                                                                             django_capture_on_commit_callbacks):
    client.force_login(bob)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portal:card_action", args=[bob_card.card.pk, "report"]),
                               {"status": "stolen", "reason": "Bag taken on the train",
                                "confirm_last4": bob_card.card.last4}, follow=True)
    new = Card.objects.get(replaces=bob_card.card)
    html = response.content.decode()
    assert f"The new card ending {new.last4}" in html
    assert Card.objects.get(pk=bob_card.card.pk).status == "stolen"
    from accounts.embossing import spool_cards

    assert spool_cards(CURRENT_TIME.date())[0]["card_number"] not in html


def test_the_pa_sets_card_controls_and_a_bad_code_is_shown_at_its_field(client, alice, bob_card):
    client.force_login(alice)
    url = reverse("portal:card_controls", args=[bob_card.card.pk])
    assert "This card's own controls" in page(client, url)
    bad = client.post(url, {"blocked_mccs": "7995, 59x3", "contactless": "on"})
    assert bad.status_code == 400
    assert "Not merchant category codes (four digits): 59x3." in bad.content.decode()  # issue 19 item 6: all named
    good = client.post(url, {"blocked_mccs": "7995 5933", "blocked_countries": "ru", "daily_limit": "1500.00",
                             "contactless": "on"})
    assert good.status_code == 302
    card = Card.objects.select_related("controls").get(pk=bob_card.card.pk)
    assert (card.blocked_mccs, card.controls.blocked_countries) == (["5933", "7995"], ["RU"])
    assert str(card.controls.daily_limit) == "1500.00" and card.contactless is True


def test_the_pa_sets_company_controls(client, alice, company_a):
    client.force_login(alice)
    url = reverse("portal:company_controls", args=[company_a.number])
    assert client.post(url, {"monthly_limit": "20000.00", "allowed_countries": "DK, SE, NO"}).status_code == 302
    controls = Company.objects.get(pk=company_a.pk).controls
    assert (str(controls.monthly_limit), controls.allowed_countries) == ("20000.00", ["DK", "NO", "SE"])


def test_the_pa_closes_an_account_and_terminates_the_company(client, alice, company_a, bob_account, bob_card):
    client.force_login(alice)
    response = client.post(reverse("portal:account_close", args=[bob_account.number]),
                           {"reason": "employment_end", "confirm": "on"})
    assert response.status_code == 302
    assert Account.objects.get(pk=bob_account.pk).status == "closing"
    url = reverse("portal:company_terminate", args=[company_a.number])
    assert client.post(url, {"number": "99999"}).status_code == 200  # wrong confirmation: nothing happens
    assert Company.objects.get(pk=company_a.pk).status == "active"
    assert client.post(url, {"number": company_a.number, "reason": "Contract ended"}).status_code == 302
    assert Company.objects.get(pk=company_a.pk).status == "terminated"


def test_a_cardmember_may_close_only_for_themselves_and_not_change_controls(client, bob, bob_account, bob_card):
    client.force_login(bob)
    url = reverse("portal:account_close", args=[bob_account.number])
    html = page(client, url)
    assert "The cardmember asked to close it" in html and "employment has ended" not in html
    assert client.get(reverse("portal:card_controls", args=[bob_card.card.pk])).status_code == 404


def test_outsiders_get_404_everywhere(client, carol, company_a, bob_account, bob_card):
    client.force_login(carol)
    card = bob_card.card.pk
    for url in (reverse("portal:company_cards", args=[company_a.number]),
                reverse("portal:company_controls", args=[company_a.number]),
                reverse("portal:company_terminate", args=[company_a.number]),
                reverse("portal:card_detail", args=[card]), reverse("portal:card_controls", args=[card]),
                reverse("portal:account_close", args=[bob_account.number])):
        assert client.get(url).status_code == 404, url
    for action in ("activate", "block", "unblock", "report", "cancel", "reissue"):
        url = reverse("portal:card_action", args=[card, action])
        assert client.post(url, {"reason": "x", "status": "lost"}).status_code == 404, url
    assert Card.objects.get(pk=card).status == "active"
    assert not Authorization.objects.exists()
