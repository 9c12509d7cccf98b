"""Issue 19 items 5 and 6 in a browser, at desktop and phone width (390 px), in English and Danish: Alice
selects cards on the company's card list, blocks (and unblocks) them in bulk through a preview and a
confirmation; and sets a card's controls by picking a country by name, seeing before saving which of
the last 90 days' authorizations they would have declined. Screenshots go to test-artifacts/."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.demo import DEMO_PASSWORD
from accounts.models import AuditEntry, Card, SpendingControls
from tests.e2e.conftest import CURRENT_TIME, plain

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (1280, 390)
# (language, width) → the bulk action run there: block and unblock take turns, so each run is a real one.
RUNS = [("en", 1280, "block"), ("en", 390, "unblock"), ("da", 1280, "block"), ("da", 390, "unblock")]
WORDS = {
    "en": {"preview": "Preview the changes", "blocked": "Active → Blocked", "unblocked": "Blocked → Active",
           "done_block": "2 cards are blocked.", "done_unblock": "2 cards are unblocked.",
           "sweden": "Sweden (SE)", "declined": "these controls would have declined 1",
           "country_blocked": "Payments in the merchant's country are blocked."},
    "da": {"preview": "Se ændringerne", "blocked": "Aktiv → Spærret", "unblocked": "Spærret → Aktiv",
           "done_block": "2 kort er spærret.", "done_unblock": "2 kort har fået spærringen ophævet.",
           "sweden": "Sverige (SE)", "declined": "ville disse kontroller have afvist 1",
           "country_blocked": None},
}


def test_issue19_item5_bulk_block_with_preview_and_confirm_on_desktop_and_phone_in_en_and_da(visit, demo):
    cards = list(Card.objects.filter(account__company__number="10001", status=Card.Status.ACTIVE)
                 .order_by("pk")[:2])
    assert len(cards) == 2
    alice = visit()
    page = alice.page
    alice.login("alice", DEMO_PASSWORD)
    listing = reverse("portal:company_cards", args=["10001"])
    for language, width, action in RUNS:
        page.set_viewport_size({"width": width, "height": 900})
        alice.goto(listing, f"cards-{language}-{width}")
        if page.locator("html").get_attribute("lang") != language:
            alice.choose_language(language, f"language-{language}")
        words = WORDS[language]
        assert page.locator("#select-all-cards").is_visible()  # static JS: "select every card on this page"
        for card in cards:
            page.check(f"#select-card-{card.pk}")
        page.select_option("#bulk-action", action)
        alice.shot(f"selected-{language}-{width}-{action}")
        alice.click("#bulk-next", f"reason-{language}-{width}-{action}")
        assert page.locator("#bulk-selected li").count() == 2
        page.fill("input[name=reason]", "Travel ban" if action == "block" else "Back from the trip")
        alice.click("#bulk-preview-button", f"preview-{language}-{width}-{action}")
        table = plain(page.locator("#bulk-preview").inner_text())
        expected = words["blocked"] if action == "block" else words["unblocked"]
        assert table.count(expected) == 2, table
        assert page.locator("#bulk-confirm-button").is_visible()
        assert [Card.objects.get(pk=card.pk).status for card in cards] == (
            [Card.Status.ACTIVE] * 2 if action == "block" else [Card.Status.BLOCKED] * 2)  # not yet
        if width == 390:
            assert page.locator("#bulk-preview").bounding_box()["width"] <= 390
        alice.click("#bulk-confirm-button", f"done-{language}-{width}-{action}")
        assert words[f"done_{action}"] in page.locator("ul.messages").inner_text()
        assert [Card.objects.get(pk=card.pk).status for card in cards] == (
            [Card.Status.BLOCKED] * 2 if action == "block" else [Card.Status.ACTIVE] * 2)
    assert AuditEntry.objects.filter(card__in=cards, action=AuditEntry.Action.CARD_BLOCKED).count() == 4


def _authorize(demo, card: Card, *, transaction_id: str, country: str, amount: str) -> None:
    from charges.authorizations import AuthorizationRequest, authorization_decide

    request = AuthorizationRequest(
        transaction_id=transaction_id, card_number=demo.pans[card.account_id], type="purchase",
        amount=Decimal(amount), currency=card.account.currency, merchant_country=country, mcc="5812",
        entry_mode="chip", pin_verified=True, merchant_name=f"Bistro {country}", merchant_city="Somewhere")
    decision = authorization_decide(request=request, on=CURRENT_TIME.date() - dt.timedelta(days=3),
                                    at=CURRENT_TIME - dt.timedelta(days=3))
    assert decision.approved, decision


def test_issue19_item6_controls_picked_by_name_with_the_preview_on_desktop_and_phone_in_en_and_da(visit, demo):
    card = Card.objects.select_related("account").get(account__cardmember__user__username="bob",
                                                      status=Card.Status.ACTIVE)
    _authorize(demo, card, transaction_id="E2E-SE", country="SE", amount="420.00")
    _authorize(demo, card, transaction_id="E2E-DK", country="DK", amount="180.00")
    alice = visit()
    page = alice.page
    alice.login("alice", DEMO_PASSWORD)
    url = reverse("portal:card_controls", args=[card.pk])
    for language in ("en", "da"):
        alice.goto(url, f"controls-{language}")
        if page.locator("html").get_attribute("lang") != language:
            alice.choose_language(language, f"language-{language}")
        words = WORDS[language]
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            alice.goto(url, f"controls-{language}-{width}")
            picker = page.locator("#fieldset-blocked_countries_pick")
            picker.locator("[data-picker-filter]").fill("SE")  # the static picker.js narrows the list
            option = picker.locator("label.picker-option", has_text=words["sweden"])
            assert option.is_visible()
            assert picker.locator("label.picker-option:visible").count() < 20
            option.locator("input").check()
            alice.shot(f"picked-{language}-{width}")
            alice.click("#controls-preview-button", f"preview-{language}-{width}")
            preview = plain(page.locator("#controls-preview").inner_text())
            assert words["declined"] in preview and "Bistro SE" in preview and "Bistro DK" not in preview
            if words["country_blocked"]:
                assert words["country_blocked"] in preview
            assert not SpendingControls.objects.filter(card=card).exists()  # nothing saved yet
    alice.click("#controls-save-button", "saved")
    saved = Card.objects.select_related("controls").get(pk=card.pk)
    assert saved.controls.blocked_countries == ["SE"]
