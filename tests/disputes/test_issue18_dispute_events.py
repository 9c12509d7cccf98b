"""Issue 18 item 7 (SPEC 16): a dispute moving to investigating is an event, `dispute.updated`, written in
the same transaction as the move; resolved ones stay `dispute.resolved`. Before, an integrator learnt
of the investigation only by polling the dispute."""

import datetime as dt

import pytest
import time_machine
from django.db import transaction

from disputes.services import dispute_open, dispute_transition
from events.models import Event
from events.services import events_sequence
from tests.disputes.conftest import charge

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 4, 20, 10, 0, tzinfo=dt.UTC)
D = dt.date


def dispute_events(company) -> list[tuple[str, str]]:
    events_sequence(company_id=company.pk)
    return [(event.type, event.data["status"]) for event in
            Event.objects.filter(company=company, type__startswith="dispute.").order_by("seq")]


@time_machine.travel(NOW, tick=False)
def test_issue18_item7_a_dispute_moving_to_investigating_is_a_dispute_updated_event(bob_account, bob_card, holder,
                                                                                     ops):
    posting = charge(bob_account, "100.00", D(2026, 4, 2), "EV1", card=bob_card.card, merchant="Shop")
    dispute = dispute_open(charge=posting, reason="duplicate", by=holder, on=D(2026, 4, 3))
    dispute = dispute_transition(dispute=dispute, to_status="investigating", by=ops, on=D(2026, 4, 4))
    company = bob_account.company
    assert dispute_events(company) == [("dispute.opened", "open"), ("dispute.updated", "investigating")]
    updated = Event.objects.get(company=company, type="dispute.updated").data
    assert (updated["object"], updated["id"], updated["account_number"]) == ("dispute", dispute.pk,
                                                                             bob_account.number)
    dispute_transition(dispute=dispute, to_status="won", by=ops, on=D(2026, 4, 5))
    assert dispute_events(company)[-1] == ("dispute.resolved", "won")


@time_machine.travel(NOW, tick=False)
def test_issue18_item7_a_rolled_back_investigation_leaves_no_dispute_updated_event(bob_account, bob_card, holder,
                                                                                   ops):
    posting = charge(bob_account, "100.00", D(2026, 4, 2), "EV2", card=bob_card.card, merchant="Shop")
    dispute = dispute_open(charge=posting, reason="duplicate", by=holder, on=D(2026, 4, 3))
    with pytest.raises(RuntimeError), transaction.atomic():
        dispute_transition(dispute=dispute, to_status="investigating", by=ops, on=D(2026, 4, 4))
        assert Event.objects.filter(type="dispute.updated").count() == 1
        raise RuntimeError("the request fails after the move")
    assert not Event.objects.filter(type="dispute.updated").exists()
    assert dispute_events(bob_account.company) == [("dispute.opened", "open")]
