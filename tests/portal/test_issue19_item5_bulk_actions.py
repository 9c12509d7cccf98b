"""Issue 19 item 5: bulk actions on selected cards (SPEC 18): a preview that names what changes and what
would fail, a confirmation (typed for the irreversible cancel), all or nothing, one audit entry per card
and the notice each single action sends."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import AuditEntry, Card, Notice
from tests.accounts.factories import AccountFactory, CardmemberFactory, issue_card

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_cards(company_a, bob_card):
    other = issue_card(AccountFactory(cardmember=CardmemberFactory(company=company_a, first_name="Dora",
                                                                   last_name="Dahl")))
    return [bob_card.card, other.card]


def post(client, company, cards, action, step, **fields):
    return client.post(reverse("portal:company_cards_bulk", args=[company.number]),
                       {"cards": [card.pk for card in cards], "action": action, "step": step, **fields})


def statuses(cards):
    return [Card.objects.get(pk=card.pk).status for card in cards]


def test_issue19_item5_bulk_block_is_previewed_then_confirmed_with_an_audit_entry_and_notice_per_card(
        client, alice, company_a, two_cards):
    client.force_login(alice)
    listing = client.get(reverse("portal:company_cards", args=[company_a.number])).content.decode()
    assert 'name="cards"' in listing and "Block the cards" in listing

    chosen = post(client, company_a, two_cards, "block", "choose")
    assert chosen.status_code == 200 and 'name="reason"' in chosen.content.decode()

    preview = post(client, company_a, two_cards, "block", "preview", reason="Travel ban")
    page = preview.content.decode()
    assert preview.status_code == 200
    assert page.count("Active → Blocked") == 2 and "Would fail" not in page and 'id="bulk-confirm-button"' in page
    assert "<strong>Reason:</strong> Travel ban" in page
    assert statuses(two_cards) == [Card.Status.ACTIVE, Card.Status.ACTIVE]  # the preview changed nothing
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.CARD_BLOCKED).exists()
    assert not Notice.objects.exists()

    done = post(client, company_a, two_cards, "block", "confirm", reason="Travel ban")
    assert done.status_code == 302
    assert statuses(two_cards) == [Card.Status.BLOCKED, Card.Status.BLOCKED]
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.CARD_BLOCKED)
    assert sorted(entries.values_list("card_id", flat=True)) == sorted(card.pk for card in two_cards)
    assert set(entries.values_list("reason", flat=True)) == {"Travel ban"}
    assert Notice.objects.filter(subject__contains="is blocked").count() == 2
    assert "2 cards are blocked." in client.get(done.url).content.decode()


def test_issue19_item5_one_card_that_cannot_take_the_action_stops_every_card(client, alice, company_a, two_cards):
    from accounts.audit import Actor, Role
    from accounts.lifecycle import card_block

    card_block(card=two_cards[1], by=Actor(role=Role.ISSUER, label="ops"), on=two_cards[1].issued_on,
               reason="Fraud check")
    blocked_before = AuditEntry.objects.filter(action=AuditEntry.Action.CARD_BLOCKED).count()
    client.force_login(alice)
    preview = post(client, company_a, two_cards, "block", "preview", reason="Travel ban").content.decode()
    assert "Would fail" in preview and "Only an active card can be blocked; this card is blocked." in preview
    assert 'id="bulk-confirm-button"' not in preview and 'id="bulk-without-failures"' in preview

    # A confirmation sent anyway (the page offers none) changes nothing: all or nothing.
    refused = post(client, company_a, two_cards, "block", "confirm", reason="Travel ban")
    assert refused.status_code == 200 and "Nothing was changed" in refused.content.decode()
    assert statuses(two_cards) == [Card.Status.ACTIVE, Card.Status.BLOCKED]
    assert AuditEntry.objects.filter(action=AuditEntry.Action.CARD_BLOCKED).count() == blocked_before


def test_issue19_item5_cancel_for_good_wants_the_number_of_cards_typed(client, alice, company_a, two_cards):
    client.force_login(alice)
    preview = post(client, company_a, two_cards, "cancel", "preview", reason="Left the company").content.decode()
    assert "This cannot be undone." in preview and "Cancel 2 cards for good" in preview
    wrong = post(client, company_a, two_cards, "cancel", "confirm", reason="Left the company", confirm_count="1")
    assert wrong.status_code == 400
    assert "Type the number of cards selected, 2, to confirm: nothing was done." in wrong.content.decode()
    assert statuses(two_cards) == [Card.Status.ACTIVE, Card.Status.ACTIVE]
    done = post(client, company_a, two_cards, "cancel", "confirm", reason="Left the company", confirm_count="2")
    assert done.status_code == 302
    assert statuses(two_cards) == [Card.Status.CANCELLED, Card.Status.CANCELLED]
    assert AuditEntry.objects.filter(action=AuditEntry.Action.CARD_CANCELLED).count() == 2


def test_issue19_item5_limits_controls_and_cost_centre_in_bulk_change_only_what_is_given(
        client, alice, company_a, two_cards):
    client.force_login(alice)
    preview = post(client, company_a, two_cards, "limits", "preview", daily_limit="500.00").content.decode()
    assert preview.count("Daily limit: — → DKK\xa0500.00") == 2
    assert post(client, company_a, two_cards, "limits", "confirm", daily_limit="500.00").status_code == 302
    for card in two_cards:
        card = Card.objects.select_related("controls").get(pk=card.pk)
        assert card.controls.daily_limit == Decimal("500.00")
    assert AuditEntry.objects.filter(action=AuditEntry.Action.CONTROLS_CHANGED).count() == 2

    empty = post(client, company_a, two_cards, "controls", "preview")
    assert empty.status_code == 400 and "Fill in at least one value to change" in empty.content.decode()
    assert post(client, company_a, two_cards, "controls", "confirm", blocked_countries_pick=["RU", "BY"],
                contactless="off").status_code == 302
    for card in two_cards:
        card = Card.objects.select_related("controls").get(pk=card.pk)
        assert card.controls.blocked_countries == ["BY", "RU"] and card.contactless is False
        assert card.controls.daily_limit == Decimal("500.00")  # left as it was

    assert post(client, company_a, two_cards, "cost_centre", "confirm", cost_centre="CC-900").status_code == 302
    assert {Card.objects.get(pk=c.pk).account.cardmember.cost_centre for c in two_cards} == {"CC-900"}


def test_issue19_item5_another_companys_cards_are_never_touched(client, carol, company_b, company_a, two_cards):
    client.force_login(carol)
    response = post(client, company_b, two_cards, "block", "confirm", reason="Outsider")
    assert response.status_code == 302 and response.url == reverse("portal:company_cards", args=[company_b.number])
    assert statuses(two_cards) == [Card.Status.ACTIVE, Card.Status.ACTIVE]
    assert post(client, company_a, two_cards, "block", "confirm", reason="Outsider").status_code == 404
