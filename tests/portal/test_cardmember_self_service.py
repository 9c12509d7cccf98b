"""The cardmember's portal (issue 8 item 2; SPEC sections 11, 15): links to everything from the home
page, contact details through the audited service, reporting a card after confirming."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import AuditEntry, Card

pytestmark = pytest.mark.django_db


def test_home_links_every_service(client, bob, bob_card):
    client.force_login(bob)
    html = client.get(reverse("portal:cardmember_home")).content.decode()
    account = bob_card.card.account
    for name, args in (("account_transactions", [account.number]), ("account_payments", [account.number]),
                       ("account_disputes", [account.number]), ("account_eurobonus", [account.number]),
                       ("card_report_confirm", [bob_card.card.pk]), ("contact_edit", [])):
        if name == "account_eurobonus" and not account.company.eurobonus_allowed:
            continue
        assert reverse(f"portal:{name}", args=args) in html, name
    assert reverse("portal:card_detail", args=[bob_card.card.pk]) + "#authorizations" in html


def test_the_cardmember_updates_contact_details_and_it_is_audited(client, bob, bob_account):
    client.force_login(bob)
    response = client.post(reverse("portal:contact_edit"), {
        "email": "bob@new.example", "phone": "+45 12 34 56 78", "address_line": "Vesterbrogade 1",
        "postal_code": "1620", "city": "København V", "country": "dk", "language": "en"})
    assert response.status_code == 302
    cardmember = bob_account.cardmember
    cardmember.refresh_from_db()
    assert (cardmember.email, cardmember.city, cardmember.country) == ("bob@new.example", "København V", "DK")
    entry = AuditEntry.objects.get(action=AuditEntry.Action.CARDMEMBER_UPDATED)
    assert entry.actor_role == "holder" and entry.details["changes"]["email"]["after"] == "bob@new.example"


def test_a_bad_email_is_a_form_error_and_nothing_changes(client, bob, bob_account):
    client.force_login(bob)
    response = client.post(reverse("portal:contact_edit"), {"email": "not-an-email", "country": "DK",
                                                            "language": "da"})
    assert response.status_code == 200 and "Enter a valid email address." in response.content.decode()
    assert not AuditEntry.objects.exists()


def test_a_pa_has_no_contact_page_of_their_own(client, alice):
    client.force_login(alice)
    assert client.get(reverse("portal:contact_edit")).status_code == 404


def test_reporting_a_card_needs_the_confirmation(client, bob, bob_card):
    client.force_login(bob)
    url = reverse("portal:card_report_confirm", args=[bob_card.card.pk])
    assert "cancelled at once" in client.get(url).content.decode()
    response = client.post(url, {"status": "stolen"})
    assert response.status_code == 200
    assert Card.objects.get(pk=bob_card.card.pk).status != "stolen"
    response = client.post(url, {"status": "stolen", "confirm": "on"}, follow=True)
    assert Card.objects.get(pk=bob_card.card.pk).status == "stolen"
    new = Card.objects.get(replaces=bob_card.card)
    html = response.content.decode()
    assert f"Your new card ending {new.last4} is on its way" in html
    assert AuditEntry.objects.filter(card=bob_card.card, action=AuditEntry.Action.CARD_REPORTED).exists()


def test_only_the_holder_reports_through_this_page(client, alice, carol, bob_card):
    for user in (alice, carol):
        client.force_login(user)
        url = reverse("portal:card_report_confirm", args=[bob_card.card.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"status": "lost", "confirm": "on"}).status_code == 404
    assert Card.objects.get(pk=bob_card.card.pk).status not in ("lost", "stolen")
