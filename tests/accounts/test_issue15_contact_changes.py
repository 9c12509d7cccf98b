"""Issue 15 (Trust I) item 10, SPEC section 17: a holder's change of email or address is told to the old
contact; a lost-card replacement to an address changed in the last 30 days waits for the holder."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from accounts.audit import Actor, Role
from accounts.data_changes import cardmember_update
from amexprog.common.errors import ApplicationError

ON = dt.date(2026, 3, 2)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pa_actor(alice):
    return Actor(role=Role.COMPANY, label="user:alice", user_id=alice.pk)


def test_issue15_item10_an_email_change_is_told_to_the_old_address(bob_account, pa_actor,
                                                                  django_capture_on_commit_callbacks):
    cardmember = bob_account.cardmember
    old_email = cardmember.email
    with django_capture_on_commit_callbacks(execute=True):
        cardmember_update(cardmember=cardmember, by=pa_actor, on=ON, email="thief@example.net")
    assert [message.to for message in mail.outbox] == [[old_email]]
    message = mail.outbox[0]
    assert cardmember.full_name in message.body and "thief@example.net" not in message.body


def test_issue15_item10_an_address_change_is_told_to_the_holder(bob_account, django_capture_on_commit_callbacks):
    cardmember = bob_account.cardmember
    holder = Actor(role=Role.HOLDER, label="user:bob", user_id=cardmember.user_id)
    with django_capture_on_commit_callbacks(execute=True):
        cardmember_update(cardmember=cardmember, by=holder, on=ON, address_line="Nyvej 1", city="Odense")
    assert [message.to for message in mail.outbox] == [[cardmember.email]]


def test_a_phone_or_cost_centre_change_sends_no_mail(bob_account, pa_actor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        cardmember_update(cardmember=bob_account.cardmember, by=pa_actor, on=ON, phone="+45 1234", cost_centre="X")
    assert mail.outbox == []


# A lost-card replacement to an address changed in the last 30 days waits for the holder (item 10).


def _holder(cardmember) -> Actor:
    return Actor(role=Role.HOLDER, label="user:bob", user_id=cardmember.user_id)


def test_issue15_item10_replacement_to_a_new_address_waits_for_the_holder(bob_card, pa_actor):
    from accounts.lifecycle import card_replacement_confirm, card_report
    from accounts.models import Card, EmbossingOrder

    card = bob_card.card
    cardmember = card.account.cardmember
    cardmember_update(cardmember=cardmember, by=pa_actor, on=ON, address_line="Postboks 99", city="Malmö")
    issued = card_report(card=card, by=pa_actor, on=ON + dt.timedelta(days=29), status="lost")
    card.refresh_from_db()
    assert issued is None and card.status == "lost"  # cancelled at once, but no new card yet
    assert not Card.objects.filter(replaces=card).exists()
    assert not EmbossingOrder.objects.filter(card__account=card.account, reason="replacement").exists()
    # The company (or a thief with the PA's token) cannot confirm for the holder.
    with pytest.raises(ApplicationError) as refused:
        card_replacement_confirm(card=card, by=pa_actor, on=ON + dt.timedelta(days=29))
    assert refused.value.code == "not_allowed"
    issued = card_replacement_confirm(card=card, by=_holder(cardmember), on=ON + dt.timedelta(days=30))
    assert issued.card.replaces == card and issued.card.status == "active"
    assert EmbossingOrder.objects.get(card=issued.card).reason == "replacement"
    with pytest.raises(ApplicationError) as twice:
        card_replacement_confirm(card=card, by=_holder(cardmember), on=ON + dt.timedelta(days=30))
    assert twice.value.code == "no_held_replacement"


def test_an_address_changed_longer_ago_does_not_hold_the_replacement(bob_card, pa_actor):
    from accounts.lifecycle import card_report

    cardmember_update(cardmember=bob_card.card.account.cardmember, by=pa_actor, on=ON, city="Malmö")
    issued = card_report(card=bob_card.card, by=pa_actor, on=ON + dt.timedelta(days=31), status="stolen")
    assert issued is not None and issued.card.replaces == bob_card.card


def test_an_email_change_does_not_hold_the_replacement(bob_card, pa_actor):
    from accounts.lifecycle import card_report

    cardmember_update(cardmember=bob_card.card.account.cardmember, by=pa_actor, on=ON, email="new@example.com")
    assert card_report(card=bob_card.card, by=pa_actor, on=ON, status="lost") is not None


def test_issue15_item10_the_api_says_the_replacement_waits(bob_card, pa_actor, tokens):
    from tests.conftest import token_client

    card = bob_card.card
    from amexprog.common import clock

    cardmember_update(cardmember=card.account.cardmember, by=pa_actor, on=clock.today(), postal_code="9000")
    response = token_client(tokens.a).post(f"/api/v1/cards/{card.pk}/report/", {"status": "lost", "reason": "train"},
                                           format="json")
    assert response.status_code == 200, response.content
    assert response.json()["replacement"] is None and response.json()["card"]["status"] == "lost"
