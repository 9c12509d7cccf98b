"""Issue 15 (Trust I) item 10 in the portal: a cardmember whose address changed lately confirms the
replacement of a lost card before it is sent."""

import pytest
from django.urls import reverse

from accounts.models import Card

pytestmark = pytest.mark.django_db


def test_issue15_item10_the_holder_confirms_a_held_replacement_in_the_portal(client, bob, bob_card):
    client.force_login(bob)
    client.post(reverse("portal:contact_edit"), {"email": "bob@example.com", "phone": "", "address_line": "Nyvej 1",
                                                 "postal_code": "5000", "city": "Odense", "country": "DK",
                                                 "language": "da"})
    card = bob_card.card
    url = reverse("portal:card_report_confirm", args=[card.pk])
    reported = client.post(url, {"status": "lost", "reason": "", "confirm": "on"}, follow=True)
    card.refresh_from_db()
    assert card.status == "lost" and not Card.objects.filter(replaces=card).exists()
    page = reported.content.decode()
    assert 'id="replacement-held"' in page and "Nyvej 1" in page
    confirmed = client.post(url, {"confirm_replacement": "1"})
    assert confirmed.status_code == 302
    new = Card.objects.get(replaces=card)
    assert new.status == "active"
    # Nothing left to confirm.
    assert 'id="replacement-held"' not in client.get(url).content.decode()
