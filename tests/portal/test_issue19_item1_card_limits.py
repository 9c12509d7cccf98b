"""Issue 19 item 1: a card limit looser than the company's is not saved silently, and the listings report
the limit that holds (SPEC sections 10, 18)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import SpendingControls

pytestmark = pytest.mark.django_db


def test_issue19_item1_a_looser_card_limit_warns_and_listings_show_the_limit_in_force(client, alice, company_a,
                                                                                     bob_card):
    SpendingControls.objects.create(company=company_a, monthly_limit=Decimal("20000.00"),
                                    daily_limit=Decimal("3000.00"))
    client.force_login(alice)
    url = reverse("portal:card_controls", args=[bob_card.card.pk])
    page = client.post(url, {"monthly_limit": "50000.00", "daily_limit": "1000.00", "contactless": "on"},
                       follow=True).content.decode()
    assert ("Monthly limit: the card&#x27;s DKK\xa050,000.00 has no effect, because the company&#x27;s "
            "DKK\xa020,000.00 is lower and applies.") in page
    assert "Daily limit: the card" not in page  # the card's 1,000.00 is tighter than 3,000.00: it holds

    assert "Card limits without effect" in client.get(url).content.decode()

    listing = client.get(reverse("portal:company_cards", args=["10001"])).content.decode()
    assert "DKK\xa020,000.00" in listing and "the company's limit applies (card: DKK\xa050,000.00)" in listing
    detail = client.get(reverse("portal:cardmember_detail",
                                args=["10001", bob_card.card.account.cardmember.pk])).content.decode()
    assert "DKK\xa020,000.00" in detail and "the company's limit applies (card: DKK\xa050,000.00)" in detail


def test_issue19_item1_a_tighter_card_limit_is_the_one_listed(client, alice, company_a, bob_card):
    SpendingControls.objects.create(company=company_a, monthly_limit=Decimal("20000.00"))
    client.force_login(alice)
    page = client.post(reverse("portal:card_controls", args=[bob_card.card.pk]),
                       {"monthly_limit": "7500.00", "contactless": "on"}, follow=True).content.decode()
    assert "has no effect" not in page
    listing = client.get(reverse("portal:company_cards", args=["10001"])).content.decode()
    assert "DKK\xa07,500.00" in listing and "limit applies" not in listing
