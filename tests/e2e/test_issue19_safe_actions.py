"""Issue 19 item 7 in a browser, at desktop and phone width (390 px), in English and Danish: the card
page's everyday and irreversible actions are separate and labelled, cancel-for-good wants the last four
typed, and Bob (cardmember) gets a 404 on the PA guide."""

import pytest
from django.urls import reverse

from accounts.demo import DEMO_PASSWORD
from accounts.models import Card

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": ("Block the card for now", "This cannot be undone.", "for good"),
    "da": ("Spær kortet midlertidigt", "Det kan ikke fortrydes.", "endeligt"),
}


def test_issue19_item7_card_actions_are_separate_and_confirmed_on_desktop_and_phone(visit, demo):
    card = Card.objects.get(account__cardmember__user__username="bob", status=Card.Status.ACTIVE)
    alice = visit()
    alice.login("alice", DEMO_PASSWORD)
    for language in ("en", "da"):
        alice.goto(reverse("portal:card_detail", args=[card.pk]), f"card-{language}")
        alice.choose_language(language, f"language-{language}")
        block, irreversible, for_good = WORDS[language]
        for width in (1280, 390):
            alice.page.set_viewport_size({"width": width, "height": 900})
            alice.goto(reverse("portal:card_detail", args=[card.pk]), f"card-{language}-{width}")
            page = alice.page
            assert block in page.locator("#everyday-actions").inner_text()
            assert irreversible in page.locator("#report-lost").inner_text()
            cancel = page.locator("#cancel-for-good")
            assert irreversible in cancel.inner_text() and card.last4 in cancel.locator("button").inner_text()
            assert for_good in cancel.locator("button").inner_text()
            assert cancel.locator("button").is_visible()
    page = alice.page
    page.fill("#cancel_reason", "Left the company")
    page.fill("#cancel_confirm_last4", "0000" if card.last4 != "0000" else "1111")
    alice.click("#cancel-for-good button[type=submit]", "cancel-wrong-last-four")
    assert Card.objects.get(pk=card.pk).status == Card.Status.ACTIVE

    bob = visit()
    bob.login("bob", DEMO_PASSWORD)
    assert bob.goto(reverse("portal:help_index"), "bob-guide-404").status == 404
    assert bob.goto(reverse("portal:pa_home"), "bob-pa-home-404").status == 404
