"""Opening a dispute (SPEC section 12): the temporary credit at once, partial amounts with the fees
pro rata, the 1-month and 13-month edges, and what cannot be disputed."""

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import Notice
from amexprog.common.errors import ApplicationError
from disputes.models import CaseEvent, Dispute, Evidence
from disputes.services import dispute_open
from disputes.services.common import AMOUNT_NOT_POSITIVE
from disputes.services.disputes import AMOUNT_TOO_LARGE, DISPUTE_LATE, DISPUTE_TOO_LATE, NOT_A_CHARGE, NOTHING_LEFT
from ledger.selectors import account_balance
from ledger.services import posting_create
from tests.accounts.factories import AccountFactory, CardmemberFactory
from tests.disputes.conftest import PDF, assert_ledger_clean, charge, dkk, fee
from tests.statements.conftest import post, run_through

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def billed_jan31(company_b):
    """A DKK 1,000.00 hotel charge of 10 January, billed on the statement of 31 January 2026."""
    account = AccountFactory(cardmember=CardmemberFactory(company=company_b, language="en"), cycle_day=31,
                             opened_on=D(2026, 1, 5))
    hotel = charge(account, "1000.00", D(2026, 1, 10), "H1")
    run_through(D(2026, 1, 31), start=D(2026, 1, 5))
    return hotel


def test_opening_credits_the_whole_charge_at_once(billed_jan31, holder):
    account = billed_jan31.account
    before = account_balance(account=account).amount
    # Issue 16 item 7 (SPEC 12, terms §22g): an error posts the temporary credit; a goods complaint
    # (not_received, which this test used before) no longer does.
    dispute = dispute_open(charge=billed_jan31, reason="wrong_amount", by=holder, on=D(2026, 2, 10),
                           note="The hotel cancelled my booking.")
    assert dispute.status == Dispute.Status.OPEN
    assert dispute.amount == dkk("1000.00") and dispute.fee_amount == dkk("0.00")
    assert not dispute.late
    assert dispute.statement.statement_date == D(2026, 1, 31)
    credit = dispute.credit_posting
    assert (credit.kind, credit.amount, credit.posting_date) == ("dispute_credit", dkk("-1000.00"), D(2026, 2, 10))
    assert credit.related == billed_jan31
    assert account_balance(account=account).amount == before - Decimal("1000.00")
    assert list(dispute.events.values_list("action", "by")) == [("opened", "Bob (bob)"), ("credited", "Bob (bob)"),
                                                                ("evidence_added", "Bob (bob)")]
    assert Evidence.objects.get(dispute=dispute).note == "The hotel cancelled my booking."
    notice = Notice.objects.get(source_key=f"dispute/{dispute.pk}/opened")
    assert notice.subject == f"Dispute #{dispute.pk} opened: DKK\xa01,000.00 credited"
    assert_ledger_clean()


def test_a_partial_dispute_of_a_foreign_charge_credits_its_fx_fee_pro_rata(bob_account, holder):
    """SPEC section 6's EUR 200.00 purchase: DKK 1,492.20 with an FX fee of 37.31. Disputing 746.10
    (half) credits 746.10 + 18.655 → 18.66 = 764.76; the other half can still be disputed."""
    purchase = charge(bob_account, "1492.20", D(2026, 3, 11), "E200", country="DE", merchant="Kaufhaus")
    fee(purchase, "37.31")
    first = dispute_open(charge=purchase, reason="wrong_amount", by=holder, on=D(2026, 3, 12), amount=dkk("746.10"))
    assert (first.amount, first.fee_amount, first.credited) == (dkk("746.10"), dkk("18.66"), dkk("764.76"))
    assert first.credit_posting.amount == dkk("-764.76")
    with pytest.raises(ApplicationError) as error:
        dispute_open(charge=purchase, reason="wrong_amount", by=holder, on=D(2026, 3, 12), amount=dkk("746.11"))
    assert error.value.message == AMOUNT_TOO_LARGE.format(available="DKK\xa0746.10")
    rest = dispute_open(charge=purchase, reason="wrong_amount", by=holder, on=D(2026, 3, 12))
    assert rest.amount == dkk("746.10")
    with pytest.raises(ApplicationError) as error:
        dispute_open(charge=purchase, reason="duplicate", by=holder, on=D(2026, 3, 13))
    assert error.value.message == NOTHING_LEFT
    assert_ledger_clean()


def test_an_amount_in_an_error_is_in_the_errors_language_not_the_notices(bob_account, holder, alice):
    """Company A bills centrally, so its notices are in its PA's language; an error is read by whoever
    asked, in their language: a Danish PA does not make an English message say "746,10 kr."."""
    from django.utils import translation

    alice.pa.language = "da"
    alice.pa.save(update_fields=["language"])
    purchase = charge(bob_account, "746.10", D(2026, 3, 11), "E100")
    for language, shown in (("en", "DKK\xa0746.10"), ("da", "746,10\xa0kr.")):
        with translation.override(language), pytest.raises(ApplicationError) as error:
            dispute_open(charge=purchase, reason="wrong_amount", by=holder, on=D(2026, 3, 12), amount=dkk("800.00"))
        assert shown in error.value.message


def test_a_merchant_refund_lowers_what_can_be_disputed(bob_account, holder):
    purchase = charge(bob_account, "800.00", D(2026, 3, 2), "P1")
    posting_create(account=bob_account, kind="refund", amount=dkk("-200.00"), posting_date=D(2026, 3, 4),
                   source_key="charge/R1", related=purchase)
    dispute = dispute_open(charge=purchase, reason="defective", by=holder, on=D(2026, 3, 6))
    assert dispute.amount == dkk("600.00")


def test_one_month_after_the_statement_is_on_time_the_day_after_is_late(billed_jan31, holder):
    on_time = dispute_open(charge=billed_jan31, reason="other", by=holder, on=D(2026, 2, 28), amount=dkk("10.00"))
    late = dispute_open(charge=billed_jan31, reason="other", by=holder, on=D(2026, 3, 1), amount=dkk("10.00"))
    assert (on_time.late, late.late) == (False, True)
    opened = late.events.get(action=CaseEvent.Action.OPENED)
    assert opened.note == DISPUTE_LATE.format(statement_date="2026-01-31", last_day="2026-02-28")


def test_thirteen_months_after_the_statement_is_the_last_day_then_refused(billed_jan31, holder):
    """13 months after 31 January 2026 is 28 February 2027."""
    last = dispute_open(charge=billed_jan31, reason="other", by=holder, on=D(2027, 2, 28), amount=dkk("10.00"))
    assert last.late
    with pytest.raises(ApplicationError) as error:
        dispute_open(charge=billed_jan31, reason="other", by=holder, on=D(2027, 3, 1), amount=dkk("10.00"))
    assert error.value.code == "dispute_too_late"
    assert error.value.message == DISPUTE_TOO_LATE.format(statement_date="2026-01-31", last_day="2027-02-28")
    assert "it can no longer be disputed" in error.value.message
    assert Dispute.objects.count() == 1


def test_an_unbilled_charge_is_never_late(bob_account, holder):
    purchase = charge(bob_account, "100.00", D(2026, 1, 5), "U1")
    dispute = dispute_open(charge=purchase, reason="duplicate", by=holder, on=D(2026, 1, 5))
    assert dispute.statement is None and not dispute.late


def test_only_charges_can_be_disputed_and_amounts_must_be_positive(bob_account, holder):
    payment = post(bob_account, "payment", "-100.00", D(2026, 1, 6), "pay/1")
    with pytest.raises(ApplicationError) as error:
        dispute_open(charge=payment, reason="other", by=holder, on=D(2026, 1, 7))
    assert error.value.message == NOT_A_CHARGE
    purchase = charge(bob_account, "100.00", D(2026, 1, 6), "P2")
    with pytest.raises(ApplicationError) as error:
        dispute_open(charge=purchase, reason="other", by=holder, on=D(2026, 1, 7), amount=dkk("0.00"))
    assert error.value.message == AMOUNT_NOT_POSITIVE
    assert not Dispute.objects.exists()


def test_evidence_files_are_stored_with_the_dispute(bob_account, holder, media):
    import io

    purchase = charge(bob_account, "100.00", D(2026, 1, 6), "P3")
    dispute = dispute_open(charge=purchase, reason="defective", by=holder, on=D(2026, 1, 7),
                           upload=io.BytesIO(PDF), filename="receipt.pdf")
    evidence = dispute.evidence.get()
    assert (evidence.original_name, evidence.content_type, evidence.size) == ("receipt.pdf", "application/pdf",
                                                                             len(PDF))
    assert evidence.file.name.startswith(f"disputes/dispute-{dispute.pk}/") and evidence.file.name.endswith(".pdf")
    assert "receipt" not in evidence.file.name
    assert evidence.file.read() == PDF
