"""Unauthorized use after a loss or theft (terms §22), with the figures written out.

Bob's card is stolen and reported on 10 March 2026. The thief's charges:
    8 March   DKK   250.00   before the report
    9 March   DKK 1,250.00   before the report
   10 March   DKK   800.00   on the report day: counts as after (the issuer cannot show it came first)
   12 March   DKK 2,000.00   after the report
Each is disputed as unauthorized (DKK 4,300.00 credited at once). Resolved without gross negligence:
the holder bears min(375.00, 250.00 + 1,250.00) = 375.00, so 3,925.00 stays credited.
"""

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import Card, Notice
from amexprog.common.errors import ApplicationError
from disputes.models import Dispute, UnauthorizedUseIncident
from disputes.services import dispute_open, dispute_transition, incident_open, incident_resolve
from disputes.services.disputes import RESOLVED_WITH_INCIDENT
from disputes.services.incidents import INCIDENT_ALREADY_OPEN
from ledger.models import Posting
from ledger.selectors import account_balance
from tests.accounts.factories import issue_card
from tests.disputes.conftest import assert_ledger_clean, charge, dkk

pytestmark = pytest.mark.django_db
D = dt.date
REPORTED = D(2026, 3, 10)
THEFT = [("T1", "250.00", D(2026, 3, 8)), ("T2", "1250.00", D(2026, 3, 9)), ("T3", "800.00", D(2026, 3, 10)),
         ("T4", "2000.00", D(2026, 3, 12))]


@pytest.fixture
def stolen_card(bob_card):
    """The card as the lifecycle leaves it after a theft report (terms §22)."""
    card = bob_card.card
    Card.objects.filter(pk=card.pk).update(status=Card.Status.STOLEN, status_changed_on=REPORTED)
    card.refresh_from_db()
    return card


def thief(card, rows=THEFT) -> list[Dispute]:
    from disputes.audit import actor_of

    by = actor_of(card.account.cardmember.user)
    charges = [charge(card.account, amount, day + dt.timedelta(days=1), key, card=card, transaction_date=day,
                      merchant=f"Shop {key}") for key, amount, day in rows]
    return [dispute_open(charge=posting, reason="unauthorized", by=by, on=D(2026, 3, 14)) for posting in charges]


def credits_and_reversals(account) -> tuple[Decimal, Decimal]:
    postings = Posting.objects.filter(account=account)
    total = {kind: sum((p.amount.amount for p in postings.filter(kind=kind)), Decimal("0.00"))
             for kind in ("dispute_credit", "dispute_reversal")}
    return total["dispute_credit"], total["dispute_reversal"]


def test_the_disputes_of_a_stolen_card_gather_in_one_incident(stolen_card):
    disputes = thief(stolen_card)
    incident = UnauthorizedUseIncident.objects.get()
    assert (incident.card, incident.kind, incident.reported_on, incident.status) == (stolen_card, "stolen",
                                                                                      REPORTED, "open")
    assert {d.incident_id for d in Dispute.objects.all()} == {incident.pk}
    assert sum((d.credited.amount for d in disputes), Decimal(0)) == Decimal("4300.00")


def test_holders_share_before_the_report_is_capped_at_375(stolen_card, ops):
    thief(stolen_card)
    incident = incident_resolve(incident=UnauthorizedUseIncident.objects.get(), finding="capped", by=ops,
                                on=D(2026, 3, 20))
    assert (incident.status, incident.cap, incident.holder_share) == ("resolved", dkk("375.00"), dkk("375.00"))
    share = incident.share_posting
    assert (share.kind, share.amount, share.posting_date) == ("dispute_reversal", dkk("375.00"), D(2026, 3, 20))
    assert share.explanation["before_report"] == "1500.00" and share.explanation["after_report"] == "2800.00"
    assert set(Dispute.objects.values_list("status", flat=True)) == {"won"}
    assert credits_and_reversals(stolen_card.account) == (Decimal("-4300.00"), Decimal("375.00"))
    # Charges 4,300.00 − credits 4,300.00 + share 375.00: the holder owes exactly the share.
    assert account_balance(account=stolen_card.account).amount == Decimal("375.00")
    notice = Notice.objects.get(source_key=f"incident/{incident.pk}/resolved")
    assert "3.925,00\xa0kr. krediteret" in notice.subject  # to company A, which has no PA: in its market's language
    assert_ledger_clean()


def test_a_share_below_the_cap_is_what_was_spent_before_the_report(stolen_card, ops):
    thief(stolen_card, rows=[("S1", "120.00", D(2026, 3, 9)), ("S2", "900.00", D(2026, 3, 11))])
    incident = incident_resolve(incident=UnauthorizedUseIncident.objects.get(), finding="capped", by=ops,
                                on=D(2026, 3, 20))
    assert incident.holder_share == dkk("120.00")
    assert credits_and_reversals(stolen_card.account) == (Decimal("-1020.00"), Decimal("120.00"))
    assert_ledger_clean()


def test_only_charges_after_the_report_means_no_share(stolen_card, ops):
    thief(stolen_card, rows=[("A1", "5000.00", D(2026, 3, 10))])
    incident = incident_resolve(incident=UnauthorizedUseIncident.objects.get(), finding="capped", by=ops,
                                on=D(2026, 3, 20))
    assert (incident.holder_share, incident.share_posting) == (dkk("0.00"), None)
    assert account_balance(account=stolen_card.account).amount == Decimal("0.00")


def test_gross_negligence_lifts_the_cap_before_the_report(stolen_card, ops):
    """The PIN was written on the card: 1,500.00 before the report re-debited, 2,800.00 after it credited."""
    thief(stolen_card)
    incident = incident_resolve(incident=UnauthorizedUseIncident.objects.get(), finding="gross_negligence", by=ops,
                                on=D(2026, 3, 20), note="PIN kept with the card",
                                evidence="Holder's statement of 14 March: the PIN was written on the card")
    assert (incident.holder_share, incident.cap, incident.share_posting) == (dkk("1500.00"), None, None)
    statuses = dict(Dispute.objects.values_list("charge__source_key", "status"))
    assert statuses == {"charge/T1": "lost", "charge/T2": "lost", "charge/T3": "won", "charge/T4": "won"}
    assert credits_and_reversals(stolen_card.account) == (Decimal("-4300.00"), Decimal("1500.00"))
    assert account_balance(account=stolen_card.account).amount == Decimal("1500.00")
    assert_ledger_clean()


def test_fraud_by_the_holder_loses_every_dispute(stolen_card, ops):
    thief(stolen_card)
    incident = incident_resolve(incident=UnauthorizedUseIncident.objects.get(), finding="fraud", by=ops,
                                on=D(2026, 3, 20), evidence="Shop camera shows the holder making the charges")
    assert incident.holder_share == dkk("4300.00")
    assert set(Dispute.objects.values_list("status", flat=True)) == {"lost"}
    assert account_balance(account=stolen_card.account).amount == Decimal("4300.00")
    assert_ledger_clean()


def test_the_cap_is_per_incident(bob_card, ops):
    """Two losses, two incidents: each holder's share is capped on its own (375.00 + 375.00)."""
    first = bob_card.card
    incident_open(card=first, kind="lost", by=ops, on=D(2026, 3, 10))
    thief(first, rows=[("L1", "1000.00", D(2026, 3, 9))])
    second = issue_card(first.account, on=D(2026, 3, 11)).card
    incident_open(card=second, kind="stolen", by=ops, on=D(2026, 4, 10))
    thief(second, rows=[("L2", "1000.00", D(2026, 4, 9))])
    for incident in UnauthorizedUseIncident.objects.all():
        incident_resolve(incident=incident, finding="capped", by=ops, on=D(2026, 4, 20))
    assert list(UnauthorizedUseIncident.objects.values_list("holder_share", flat=True)) == [
        Decimal("375.00"), Decimal("375.00")]
    assert account_balance(account=first.account).amount == Decimal("750.00")
    assert_ledger_clean()


def test_incident_disputes_are_decided_with_the_incident_not_one_by_one(stolen_card, ops):
    dispute = thief(stolen_card, rows=[("X1", "100.00", D(2026, 3, 9))])[0]
    dispute_transition(dispute=dispute, to_status="investigating", by=ops, on=D(2026, 3, 15))
    with pytest.raises(ApplicationError) as error:
        dispute_transition(dispute=dispute, to_status="won", by=ops, on=D(2026, 3, 16))
    assert error.value.message == RESOLVED_WITH_INCIDENT.format(number=dispute.pk, incident=dispute.incident_id)
    with pytest.raises(ApplicationError) as error:
        incident_open(card=stolen_card, kind="stolen", by=ops, on=D(2026, 3, 16))
    assert error.value.message == INCIDENT_ALREADY_OPEN.format(card=stolen_card.masked_number,
                                                               incident=dispute.incident_id)


def test_an_incident_opened_by_ops_gathers_earlier_unauthorized_disputes(bob_card, ops):
    card = bob_card.card
    dispute = thief(card, rows=[("Y1", "300.00", D(2026, 3, 9))])[0]
    # Issue 16 item 7 (terms §22c-d): the unauthorized dispute opens a misuse incident at once (it had
    # none before); the later loss report is the same incident, now of kind lost, same report date.
    assert dispute.incident.kind == "misuse"
    incident = incident_open(card=card, kind="lost", by=ops, on=D(2026, 3, 15))
    dispute.refresh_from_db()
    assert dispute.incident == incident and incident.kind == "lost"
    assert incident.reported_on == D(2026, 3, 14)  # the dispute's own date (issue 15 item 11)
    assert dispute.events.filter(action="incident_linked").exists()
