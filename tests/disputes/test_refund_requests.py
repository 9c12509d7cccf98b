"""Refund requests for authorized charges (terms §23): EEA merchants only, within 8 weeks of the
statement date, above what the holder could expect, decided within 10 Danish bank days of complete
information — across Easter 2026 — and surfacing to ops when the decision is overdue."""

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import Notice
from amexprog.common.errors import ApplicationError
from disputes.models import CaseEvent, RefundRequest
from disputes.services import (
    refund_request_ask_information,
    refund_request_decide,
    refund_request_information_complete,
    refund_request_submit,
    refund_request_withdraw,
)
from disputes.services.refund_requests import (
    ALREADY_REQUESTED,
    NOT_A_PURCHASE,
    NOT_ABOVE_EXPECTED,
    NOT_EEA,
    REASON_REQUIRED,
    REFUND_TOO_LATE,
)
from ledger.selectors import account_balance
from tests.disputes.conftest import assert_ledger_clean, charge, dkk, fee
from tests.statements.conftest import run_through

pytestmark = pytest.mark.django_db
D = dt.date
WHY = "A car rental deposit of 300 became 1,200 with charges I never agreed to."


@pytest.fixture
def rental(bob_account):
    """A car rental in Germany on 2 March 2026, DKK 1,200.00 with a DKK 30.00 FX fee, billed on the
    statement of 5 March."""
    posting = charge(bob_account, "1200.00", D(2026, 3, 2), "CAR", merchant="Autovermietung", city="Berlin",
                     country="DE")
    fee(posting, "30.00")
    run_through(D(2026, 3, 5), start=D(2026, 1, 5))
    return posting


def submit(posting, holder, on, expected="300.00", **kwargs):
    return refund_request_submit(charge=posting, expected_amount=dkk(expected), explanation=WHY, by=holder, on=on,
                                 **kwargs)


def test_decision_due_ten_bank_days_after_complete_information_across_easter(rental, holder):
    request = submit(rental, holder, D(2026, 3, 30))
    assert (request.status, request.information_complete_on, request.decision_due_on) == (
        "submitted", D(2026, 3, 30), D(2026, 4, 16))
    assert request.statement.statement_date == D(2026, 3, 5)
    notice = Notice.objects.get(source_key=f"refund-request/{request.pk}/submitted")
    assert "Vi træffer afgørelse senest 2026-04-16" in notice.body  # to company A (no PA yet): Danish, its market's
    assert "(1.200,00\xa0kr.)" in notice.body  # the charge's amount written as a Danish reader writes money


def test_an_undecided_request_surfaces_to_ops_the_day_after_its_due_date(rental, holder):
    request = submit(rental, holder, D(2026, 3, 30))
    run_through(D(2026, 4, 16))
    request.refresh_from_db()
    assert request.overdue_since is None
    run_through(D(2026, 4, 17))
    request.refresh_from_db()
    assert request.overdue_since == D(2026, 4, 17)
    event = request.events.get(action=CaseEvent.Action.DECISION_OVERDUE)
    assert (event.by, event.on, event.note) == ("system", D(2026, 4, 17), "decision was due 2026-04-16")
    run_through(D(2026, 4, 18))
    assert request.events.filter(action=CaseEvent.Action.DECISION_OVERDUE).count() == 1


def test_eight_weeks_after_the_statement_is_the_last_day(rental, holder):
    """Statement of 5 March 2026 + 8 weeks = 30 April 2026."""
    with pytest.raises(ApplicationError) as error:
        submit(rental, holder, D(2026, 5, 1))
    assert error.value.code == "refund_request_too_late"
    assert error.value.message == REFUND_TOO_LATE.format(statement_date="2026-03-05", last_day="2026-04-30")
    # 1 May counts (banks open); Ascension Day (14 May) and the Friday after are closed.
    assert submit(rental, holder, D(2026, 4, 30)).decision_due_on == D(2026, 5, 18)


def test_only_eea_merchants(bob_account, holder):
    shop = charge(bob_account, "1200.00", D(2026, 3, 2), "NYC", merchant="Hotel", city="New York", country="US")
    with pytest.raises(ApplicationError) as error:
        submit(shop, holder, D(2026, 3, 3))
    assert error.value.message == NOT_EEA.format(country="US")
    norway = charge(bob_account, "1200.00", D(2026, 3, 2), "OSL", merchant="Hotel", city="Oslo", country="NO")
    assert submit(norway, holder, D(2026, 3, 3)).status == "submitted"


def test_the_charge_must_be_above_what_could_be_expected_and_a_purchase(rental, holder, bob_account):
    with pytest.raises(ApplicationError) as error:
        submit(rental, holder, D(2026, 3, 10), expected="1200.00")
    assert error.value.message == NOT_ABOVE_EXPECTED.format(charged="DKK\xa01,200.00", expected="DKK\xa01,200.00")
    cash = charge(bob_account, "500.00", D(2026, 3, 6), "ATM", kind="cash")
    with pytest.raises(ApplicationError) as error:
        submit(cash, holder, D(2026, 3, 10), expected="100.00")
    assert error.value.message == NOT_A_PURCHASE


def test_asking_for_information_stops_the_clock_until_it_is_complete(rental, holder, ops):
    request = submit(rental, holder, D(2026, 3, 30))
    request = refund_request_ask_information(request=request, note="Send the rental contract.", by=ops,
                                             on=D(2026, 4, 1))
    assert (request.status, request.decision_due_on) == ("awaiting_information", None)
    run_through(D(2026, 4, 20))
    request.refresh_from_db()
    assert request.overdue_since is None  # no clock runs while information is missing
    request = refund_request_information_complete(request=request, by=ops, on=D(2026, 4, 21))
    assert request.decision_due_on == D(2026, 5, 5)
    assert list(request.events.values_list("action", flat=True)) == [
        "opened", "information_requested", "information_complete"]


def test_granted_refunds_the_charge_and_its_fees(rental, holder, ops):
    request = submit(rental, holder, D(2026, 3, 30))
    before = account_balance(account=rental.account).amount
    request = refund_request_decide(request=request, granted=True, reason="Charges not agreed", by=ops,
                                    on=D(2026, 4, 8))
    assert (request.status, request.decided_on) == ("granted", D(2026, 4, 8))
    credit = request.credit_posting
    assert (credit.kind, credit.amount, credit.related) == ("dispute_credit", dkk("-1230.00"), rental)
    assert account_balance(account=rental.account).amount == before - Decimal("1230.00")
    with pytest.raises(ApplicationError) as error:
        submit(rental, holder, D(2026, 4, 9))
    assert error.value.message == ALREADY_REQUESTED.format(number=request.pk)
    assert_ledger_clean()


def test_a_refusal_must_say_why_and_posts_nothing(rental, holder, ops):
    request = submit(rental, holder, D(2026, 3, 30))
    with pytest.raises(ApplicationError) as error:
        refund_request_decide(request=request, granted=False, reason=" ", by=ops, on=D(2026, 4, 8))
    assert error.value.message == REASON_REQUIRED
    request = refund_request_decide(request=request, granted=False, reason="The contract shows the final price.",
                                    by=ops, on=D(2026, 4, 8))
    assert request.status == "refused" and request.credit_posting is None
    notice = Notice.objects.get(source_key=f"refund-request/{request.pk}/refused")
    assert "The contract shows the final price." in notice.body


def test_the_holder_may_withdraw_and_ask_again(rental, holder):
    request = refund_request_withdraw(request=submit(rental, holder, D(2026, 3, 30)), by=holder, on=D(2026, 3, 31))
    assert request.status == "withdrawn"
    assert submit(rental, holder, D(2026, 4, 1)).pk != request.pk
    assert RefundRequest.objects.count() == 2
