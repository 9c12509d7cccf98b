"""Won, lost and withdrawn disputes as the ledger and the statements show them (SPEC section 12):
the credit stands or is re-debited, the re-debit is billed on the next statement with its own due
date, and while the credit stands the disputed amount is neither overdue nor bears interest.

Issue 16 item 7: these disputes were `not_received`, a goods complaint that since SPEC 12 changed posts no
temporary credit (terms §21a); they are `duplicate` now (an error, terms §22g), with the same figures."""

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import Notice
from amexprog.common.errors import ApplicationError
from disputes.models import CaseEvent, Dispute
from disputes.services import dispute_open, dispute_transition, dispute_withdraw
from disputes.services.common import OPS_ONLY
from disputes.services.disputes import BAD_TRANSITION, NOT_ACTIVE
from fees.models import InterestAccrual, Reminder
from ledger.models import Posting
from ledger.selectors import account_balance
from statements.models import Delinquency, Statement
from statements.selectors import account_dues
from tests.disputes.conftest import assert_ledger_clean, dkk
from tests.statements.conftest import run_through

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def hotel(overdue_account):
    """tests/statements: DKK 10,000.00 billed on 31 January 2026, due 28 February."""
    return Posting.objects.get(account=overdue_account, source_key="charge/big")


def kinds(account, since: dt.date) -> list[tuple]:
    return list(Posting.objects.filter(account=account, posting_date__gte=since).order_by("posting_date", "id")
                .values_list("posting_date", "kind", "amount"))


def test_won_the_credit_stands_and_nothing_is_overdue(hotel, holder, ops):
    account = hotel.account
    dispute = dispute_open(charge=hotel, reason="duplicate", by=holder, on=D(2026, 2, 10))
    dispute_transition(dispute=dispute, to_status="investigating", by=ops, on=D(2026, 2, 20))
    dispute_transition(dispute=dispute, to_status="won", by=ops, on=D(2026, 3, 20), note="Chargeback accepted")
    run_through(D(2026, 4, 30))

    dispute.refresh_from_db()
    assert (dispute.status, dispute.resolved_on, dispute.reversal_posting) == ("won", D(2026, 3, 20), None)
    assert kinds(account, D(2026, 2, 1)) == [(D(2026, 2, 10), "dispute_credit", Decimal("-10000.00"))]
    assert account_balance(account=account).amount == Decimal("0.00")
    assert not InterestAccrual.objects.filter(account=account).exists()
    assert not Reminder.objects.filter(account=account).exists()
    assert Delinquency.objects.filter(account=account, days_past_due__gt=0).count() == 0
    assert [e.to_status for e in dispute.events.filter(action=CaseEvent.Action.STATUS_CHANGED)] == [
        "investigating", "won"]
    assert Notice.objects.filter(source_key=f"dispute/{dispute.pk}/won").exists()
    assert_ledger_clean()


def test_lost_re_debits_on_the_next_statement_with_a_new_due_date(hotel, holder, ops):
    """Credited 10 February, lost 2 March: the DKK 10,000.00 re-debit is billed on the 31 March statement,
    due 28 April. No interest runs in March or April: the original due date (28 February) was met by the
    credit, and the re-debit's own due date has not passed."""
    account = hotel.account
    dispute = dispute_open(charge=hotel, reason="duplicate", by=holder, on=D(2026, 2, 10))
    dispute_transition(dispute=dispute, to_status="investigating", by=ops, on=D(2026, 2, 11))
    dispute_transition(dispute=dispute, to_status="lost", by=ops, on=D(2026, 3, 2), note="Merchant proved delivery")
    run_through(D(2026, 4, 28))

    dispute.refresh_from_db()
    assert dispute.status == "lost"
    reversal = dispute.reversal_posting
    assert (reversal.kind, reversal.amount, reversal.posting_date) == ("dispute_reversal", dkk("10000.00"),
                                                                       D(2026, 3, 2))
    assert reversal.related == dispute.credit_posting
    march = Statement.objects.get(account=account, statement_date=D(2026, 3, 31))
    assert march.totals["dispute_reversal"] == "10000.00"
    assert march.billed_amount == Decimal("10000.00") and march.due_date == D(2026, 4, 28)
    assert not InterestAccrual.objects.filter(account=account).exists()
    assert [d.unpaid for d in account_dues(account=account, as_of=D(2026, 4, 28))] == [
        Decimal("0.00"), Decimal("0.00"), Decimal("10000.00")]

    # Unpaid after the new due date: interest runs from 29 April on the re-debit only.
    run_through(D(2026, 4, 30))
    assert list(InterestAccrual.objects.filter(account=account).values_list("day", "unpaid")) == [
        (D(2026, 4, 29), Decimal("10000.00")), (D(2026, 4, 30), Decimal("10000.00"))]
    assert Notice.objects.get(source_key=f"dispute/{dispute.pk}/lost").body.endswith("Merchant proved delivery")
    assert_ledger_clean()


def test_withdrawn_re_debits_like_lost(hotel, holder):
    account = hotel.account
    dispute = dispute_open(charge=hotel, reason="other", by=holder, on=D(2026, 2, 10), amount=dkk("2500.00"))
    dispute_withdraw(dispute=dispute, by=holder, on=D(2026, 2, 12), note="Found the receipt")
    assert kinds(account, D(2026, 2, 1)) == [(D(2026, 2, 10), "dispute_credit", Decimal("-2500.00")),
                                             (D(2026, 2, 12), "dispute_reversal", Decimal("2500.00"))]
    dispute.refresh_from_db()
    assert dispute.status == "withdrawn"
    event = dispute.events.get(action=CaseEvent.Action.STATUS_CHANGED)
    assert (event.from_status, event.to_status, event.by, event.note) == ("open", "withdrawn", "Bob (bob)",
                                                                          "Found the receipt")
    with pytest.raises(ApplicationError) as error:
        dispute_withdraw(dispute=dispute, by=holder, on=D(2026, 2, 13))
    assert error.value.message == NOT_ACTIVE.format(number=dispute.pk, status="Withdrawn")
    # The withdrawn amount can be disputed again.
    again = dispute_open(charge=hotel, reason="other", by=holder, on=D(2026, 2, 14))
    assert again.amount == dkk("10000.00")
    assert_ledger_clean()


def test_a_partial_dispute_leaves_the_rest_overdue_with_interest_on_it_alone(hotel, holder):
    """4,000.00 of 10,000.00 disputed on 10 February: from 1 March interest runs on 6,000.00."""
    dispute_open(charge=hotel, reason="wrong_amount", by=holder, on=D(2026, 2, 10), amount=dkk("4000.00"))
    run_through(D(2026, 3, 3))
    assert list(InterestAccrual.objects.filter(account=hotel.account).values_list("day", "unpaid")) == [
        (D(2026, 3, 1), Decimal("6000.00")), (D(2026, 3, 2), Decimal("6000.00")), (D(2026, 3, 3), Decimal("6000.00"))]
    assert Delinquency.objects.get(account=hotel.account).days_past_due == 3


def test_a_dispute_opened_after_the_due_date_stops_interest_from_the_next_day(hotel, holder):
    dispute_open(charge=hotel, reason="duplicate", by=holder, on=D(2026, 3, 5))
    run_through(D(2026, 3, 10))
    days = list(InterestAccrual.objects.filter(account=hotel.account).values_list("day", flat=True))
    assert days == [D(2026, 3, day) for day in range(1, 6)]  # the credit of 5 March counts from 6 March


def test_only_ops_decide_and_only_in_order(hotel, holder, ops):
    dispute = dispute_open(charge=hotel, reason="duplicate", by=holder, on=D(2026, 2, 10))
    with pytest.raises(ApplicationError) as error:
        dispute_transition(dispute=dispute, to_status="won", by=holder, on=D(2026, 2, 11))
    assert (error.value.message, error.value.status) == (OPS_ONLY, 403)
    with pytest.raises(ApplicationError) as error:
        dispute_transition(dispute=dispute, to_status="won", by=ops, on=D(2026, 2, 11))
    assert error.value.message == BAD_TRANSITION.format(number=dispute.pk, from_status="open", to_status="won")
    assert Dispute.objects.get(pk=dispute.pk).status == "open"


def test_money_is_never_a_float(hotel, holder):
    with pytest.raises(TypeError):
        dispute_open(charge=hotel, reason="other", by=holder, on=D(2026, 2, 10), amount=_FloatMoney())


class _FloatMoney:
    """A Money look-alike carrying a float, as a careless caller might build."""

    amount = 0.5
    currency = "DKK"
