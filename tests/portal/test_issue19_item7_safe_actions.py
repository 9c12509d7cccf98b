"""Issue 19 item 7: safe actions (SPEC 18): block, report-lost and cancel for good are separate labelled
actions, the irreversible ones confirmed by typing the card's last four; cardmembers cannot open PA pages
or the PA guide; the top bar shows nothing before the second factor."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings
from django.urls import reverse

from accounts.models import Card
from tests.otp_helpers import totp_device

pytestmark = pytest.mark.django_db


def section(html: str, section_id: str) -> str:
    match = re.search(rf'<section[^>]*id="{section_id}"[^>]*>(.*?)</section>', html, re.S)
    assert match, section_id
    return match.group(1)


def test_issue19_item7_the_card_page_separates_everyday_and_irreversible_actions(client, alice, bob_card):
    client.force_login(alice)
    card = bob_card.card
    html = client.get(reverse("portal:card_detail", args=[card.pk])).content.decode()
    everyday, report, cancel = (section(html, name) for name in ("everyday-actions", "report-lost", "cancel-for-good"))
    assert "Block the card for now" in everyday and "for good" not in everyday and "/report/" not in everyday
    assert "This cannot be undone." in report and f"Report the card ending {card.last4} and replace it" in report
    assert "Type the card&#x27;s last four digits to confirm" in report
    assert "This cannot be undone." in cancel and f"Cancel the card ending {card.last4} for good" in cancel
    assert 'class="card irreversible" id="cancel-for-good"' in html


def test_issue19_item7_cancel_and_report_need_the_last_four_typed(client, alice, bob_card):
    client.force_login(alice)
    card = bob_card.card
    cancel = reverse("portal:card_action", args=[card.pk, "cancel"])
    page = client.post(cancel, {"reason": "Left the company"}, follow=True).content.decode()
    assert "Those are not the card&#x27;s last four digits: nothing was done." in page
    page = client.post(cancel, {"reason": "Left the company", "confirm_last4": "0000" if card.last4 != "0000"
                                else "1111"}, follow=True).content.decode()
    assert "nothing was done" in page
    report = reverse("portal:card_action", args=[card.pk, "report"])
    client.post(report, {"status": "lost", "reason": ""})
    assert Card.objects.get(pk=card.pk).status == "active"

    client.post(cancel, {"reason": "Left the company", "confirm_last4": card.last4})
    assert Card.objects.get(pk=card.pk).status == "cancelled"


@pytest.mark.parametrize("name", ["portal:pa_home", "portal:help_index"])
def test_issue19_item7_a_cardmember_cannot_open_pa_pages_or_the_guide(client, bob, name):
    client.force_login(bob)
    assert client.get(reverse(name)).status_code == 404
    assert client.get(reverse("portal:help_page", args=["cards"])).status_code == 404
    html = client.get(reverse("portal:cardmember_home")).content.decode()
    assert reverse("portal:help_index") not in html


@override_settings(OTP_REQUIRED_FOR_PAS=True)
def test_issue19_item7_the_top_bar_shows_nothing_before_the_second_factor(client, alice):
    totp_device(alice)
    response = client.post(reverse("portal:login"), {"username": "alice", "password": "secret-pass-123"})
    assert response["Location"].startswith(reverse("portal:otp"))
    html = client.get(response["Location"]).content.decode()
    assert 'name="otp_token"' in html
    topbar = html[html.index('<header class="topbar">'):html.index("</header>")]
    assert "Alice" not in topbar and reverse("portal:inbox") not in topbar
    assert reverse("portal:help_index") not in topbar and "Log out" not in topbar
