"""Issue 18 item 7 (SPEC 16): notices written in bulk — a published change of terms, rules or fees —
are `notice.created` events like every other notice, in the publication's transaction. Before, the
bulk INSERT bypassed the outbox, so an integrator never heard of them."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import transaction

from accounts.models import Notice
from communications.models import RuleChange
from communications.rule_changes import rule_change_publish
from events.models import Event
from tests.communications.test_rule_changes import NOW, OPS, PUBLISHED, dispute_rules

pytestmark = pytest.mark.django_db


def publish() -> RuleChange:
    return rule_change_publish(kind=RuleChange.Kind.DISPUTE_RULES, rule=dispute_rules(dt.date(2026, 6, 1)),
                               published_on=PUBLISHED, published_by=OPS)


@time_machine.travel(NOW, tick=False)
def test_issue18_item7_a_published_change_writes_a_notice_created_event_per_notice(bob_account, b_account):
    publish()
    notices = Notice.objects.filter(kind="rule_change")
    assert notices.count() >= 2  # company A's and Beta's readers
    events = Event.objects.filter(type="notice.created")
    assert sorted(event.data["id"] for event in events) == sorted(notices.values_list("pk", flat=True))
    by_notice = {event.data["id"]: event.company_id for event in events}
    for notice in notices.select_related("cardmember"):
        assert by_notice[notice.pk] == (notice.company_id or notice.cardmember.company_id)


@time_machine.travel(NOW, tick=False)
def test_issue18_item7_a_rolled_back_publication_leaves_no_notice_event(bob_account):
    with pytest.raises(RuntimeError), transaction.atomic():
        publish()
        assert Event.objects.filter(type="notice.created").exists()
        raise RuntimeError("the publication fails after the notices")
    assert not Event.objects.filter(type="notice.created").exists()
