"""Issue 16 item 7: disputes as the terms say (SPEC section 12; terms §21a, §22c–d, §22g), figures written out.

Bob's card stays in his pocket; a fraudster uses its number online (card-not-present). Three charges
before Bob tells the issuer on 14 March 2026: DKK 200.00 (8 March), DKK 300.00 (9 March) and DKK 400.00
(10 March), DKK 900.00 in all. Bob bears min(375.00, 900.00) = DKK 375.00 (terms §22c); DKK 525.00 stays
credited. A charge after he told the issuer (DKK 1,000.00 on 20 March) costs him DKK 0.00 (terms §22d).
"""

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import Card
from amexprog.common.errors import ApplicationError
from disputes.models import Dispute, UnauthorizedUseIncident
from disputes.services import dispute_open, dispute_transition, incident_open, incident_resolve
from disputes.services.incidents import CAUSE_EVIDENCE_REQUIRED
from ledger.models import Posting
from ledger.selectors import account_balance
from tests.disputes.conftest import assert_ledger_clean, charge, dkk

pytestmark = pytest.mark.django_db
D = dt.date
TOLD = D(2026, 3, 14)
FRAUD = [("F1", "200.00", D(2026, 3, 8)), ("F2", "300.00", D(2026, 3, 9)), ("F3", "400.00", D(2026, 3, 10))]


def fraud(card, holder, rows=FRAUD, on=TOLD) -> list[Dispute]:
    postings = [charge(card.account, amount, day + dt.timedelta(days=1), key, card=card, transaction_date=day,
                       merchant=f"Web shop {key}") for key, amount, day in rows]
    return [dispute_open(charge=posting, reason="unauthorized", by=holder, on=on) for posting in postings]


def test_issue16_item7_goods_complaints_post_no_temporary_credit(bob_card, holder):
    """Terms §21a: a DKK 1,000.00 hotel not received and a DKK 250.00 defective item: no credit, DKK 1,250.00
    still owed; a DKK 80.00 duplicate (an error, terms §22g) is credited at once."""
    account = bob_card.card.account
    hotel = charge(account, "1000.00", D(2026, 3, 2), "G1", card=bob_card.card)
    item = charge(account, "250.00", D(2026, 3, 3), "G2", card=bob_card.card)
    twice = charge(account, "80.00", D(2026, 3, 4), "G3", card=bob_card.card)
    for posting, reason in ((hotel, "not_received"), (item, "defective")):
        dispute = dispute_open(charge=posting, reason=reason, by=holder, on=D(2026, 3, 6))
        assert dispute.credit_posting is None
        assert list(dispute.events.values_list("action", flat=True)) == ["opened"]
    duplicate = dispute_open(charge=twice, reason="duplicate", by=holder, on=D(2026, 3, 6))
    assert duplicate.credit_posting.amount == dkk("-80.00")
    assert not Posting.objects.filter(kind="dispute_credit").exclude(pk=duplicate.credit_posting_id).exists()
    assert account_balance(account=account).amount == Decimal("1250.00")
    assert_ledger_clean()


def test_issue16_item7_every_error_or_misuse_reason_credits_at_once(bob_card, holder):
    """Terms §22g: unauthorized, duplicate, wrong amount, cancelled recurring and other: DKK 10.00 each credited."""
    account = bob_card.card.account
    for index, reason in enumerate(("unauthorized", "duplicate", "wrong_amount", "cancelled_recurring", "other")):
        posting = charge(account, "10.00", D(2026, 3, 2), f"E{index}", card=bob_card.card)
        assert dispute_open(charge=posting, reason=reason, by=holder, on=D(2026, 3, 6)).credit_posting.amount == \
            dkk("-10.00")


def test_issue16_item7_a_goods_complaint_won_is_credited_then_lost_stays_due(bob_card, holder, ops):
    """Terms §21a: ops may still credit a goods complaint when they resolve it for the holder: DKK 1,000.00
    credited on 20 March; a lost one (DKK 250.00) re-debits nothing because nothing was credited."""
    account = bob_card.card.account
    won = dispute_open(charge=charge(account, "1000.00", D(2026, 3, 2), "W1", card=bob_card.card),
                       reason="not_received", by=holder, on=D(2026, 3, 6))
    lost = dispute_open(charge=charge(account, "250.00", D(2026, 3, 3), "W2", card=bob_card.card),
                        reason="defective", by=holder, on=D(2026, 3, 6))
    for dispute in (won, lost):
        dispute_transition(dispute=dispute, to_status="investigating", by=ops, on=D(2026, 3, 10))
    dispute_transition(dispute=won, to_status="won", by=ops, on=D(2026, 3, 20), note="Merchant never delivered")
    dispute_transition(dispute=lost, to_status="lost", by=ops, on=D(2026, 3, 20), note="Item was fine")
    won.refresh_from_db()
    lost.refresh_from_db()
    assert (won.credit_posting.amount, won.credit_posting.posting_date) == (dkk("-1000.00"), D(2026, 3, 20))
    assert (lost.credit_posting, lost.reversal_posting) == (None, None)
    assert account_balance(account=account).amount == Decimal("250.00")
    assert_ledger_clean()


def test_issue16_item7_three_unauthorized_charges_before_the_report_cost_375(bob_card, holder, ops):
    """Terms §22c: DKK 200.00 + 300.00 + 400.00 = 900.00 on a card the holder still has; he bears DKK 375.00."""
    card = bob_card.card
    disputes = fraud(card, holder)
    incident = UnauthorizedUseIncident.objects.get()
    assert (incident.kind, incident.reported_on, card.status) == ("misuse", TOLD, Card.Status.ACTIVE)
    assert {d.incident_id for d in disputes} == {incident.pk}
    incident = incident_resolve(incident=incident, finding="capped", by=ops, on=D(2026, 3, 25))
    assert (incident.holder_share, incident.cap) == (dkk("375.00"), dkk("375.00"))
    assert incident.share_posting.amount == dkk("375.00")
    assert account_balance(account=card.account).amount == Decimal("375.00")  # 900.00 − 900.00 + 375.00
    assert_ledger_clean()


def test_issue16_item7_after_the_report_unauthorized_charges_cost_nothing(bob_card, holder, ops):
    """Terms §22d: after Bob told the issuer on 14 March (first incident, DKK 375.00 borne), a DKK 1,000.00
    charge on 20 March, disputed on 22 March in a second incident, costs him DKK 0.00."""
    card = bob_card.card
    fraud(card, holder)
    incident_resolve(incident=UnauthorizedUseIncident.objects.get(), finding="capped", by=ops, on=D(2026, 3, 18))
    fraud(card, holder, rows=[("F4", "1000.00", D(2026, 3, 20))], on=D(2026, 3, 22))
    second = UnauthorizedUseIncident.objects.get(status="open")
    assert second.reported_on == TOLD  # once told, always told
    second = incident_resolve(incident=second, finding="capped", by=ops, on=D(2026, 3, 25))
    assert (second.holder_share, second.share_posting) == (dkk("0.00"), None)
    assert account_balance(account=card.account).amount == Decimal("375.00")
    assert_ledger_clean()


def test_issue16_item7_the_cap_covers_all_unauthorized_use_of_one_card(bob_card, holder, ops):
    """Terms §22c: the DKK 375.00 cap is for the card, not per incident: DKK 200.00 borne in a first incident
    leaves DKK 175.00 of the cap for a charge of DKK 300.00 that came before the first report."""
    card = bob_card.card
    fraud(card, holder, rows=[("C1", "200.00", D(2026, 3, 8))])
    incident_resolve(incident=UnauthorizedUseIncident.objects.get(), finding="capped", by=ops, on=D(2026, 3, 18))
    fraud(card, holder, rows=[("C2", "300.00", D(2026, 3, 9))], on=D(2026, 3, 22))
    second = incident_resolve(incident=UnauthorizedUseIncident.objects.get(status="open"), finding="capped", by=ops,
                              on=D(2026, 3, 25))
    assert second.holder_share == dkk("175.00")
    assert account_balance(account=card.account).amount == Decimal("375.00")  # 200.00 + 175.00
    assert_ledger_clean()


@pytest.mark.parametrize("finding", ["deliberate_breach", "gross_negligence", "fraud"])
def test_issue16_item7_lifting_the_cap_needs_a_recorded_cause_with_evidence(bob_card, holder, ops, finding):
    """Terms §22d: without evidence the cap stays; with it the DKK 900.00 before the report is the holder's."""
    fraud(bob_card.card, holder)
    incident = UnauthorizedUseIncident.objects.get()
    with pytest.raises(ApplicationError) as error:
        incident_resolve(incident=incident, finding=finding, by=ops, on=D(2026, 3, 25), evidence="  ")
    assert (error.value.message, error.value.extra) == (str(CAUSE_EVIDENCE_REQUIRED), {"field": "evidence"})
    incident = incident_resolve(incident=incident, finding=finding, by=ops, on=D(2026, 3, 25),
                                evidence="Holder wrote the code on the card")
    assert (incident.holder_share, incident.cap) == (dkk("900.00"), None)
    assert incident.cause_evidence == "Holder wrote the code on the card"
    assert "Evidence: Holder wrote the code on the card" in incident.events.get(action="incident_resolved").note


@pytest.mark.parametrize("kind", ["not_received", "code_disclosed"])
def test_issue16_item7_card_not_received_or_code_seen_opens_an_incident_that_blocks_and_replaces(
        bob_card, holder, kind):
    """Terms §22c: the report opens the incident flow: the card is cancelled (reported lost) and replaced."""
    card = bob_card.card
    incident = incident_open(card=card, kind=kind, by=holder, on=TOLD)
    card.refresh_from_db()
    assert (incident.kind, incident.reported_on, card.status) == (kind, TOLD, Card.Status.LOST)
    assert Card.objects.filter(replaces=card).count() == 1
