import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction
from moneyed import Money

from amexprog.common.errors import ApplicationError
from ledger.models import Chart, JournalEntry, Posting
from ledger.selectors import account_balance, entry_legs, posting_legs
from ledger.services import (
    ALREADY_REVERSED,
    POSTED_AFTER_CLOSE,
    UNBALANCED_ENTRY,
    Leg,
    journal_entry_post,
    posting_create,
    posting_reverse,
)
from ledger.verification import verify_ledger

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 3, 11)


def dkk(value: str) -> Money:
    return Money(Decimal(value), "DKK")


def test_a_purchase_debits_the_receivable_and_credits_merchant_settlement(bob_account):
    posting, created = posting_create(account=bob_account, kind="purchase", amount=dkk("687.65"), posting_date=DAY,
                                      source_key="charge/T-1", description="Hotel")
    assert created
    legs = {leg.ledger_account: leg.amount for leg in posting_legs(posting=posting)}
    assert legs == {Chart.RECEIVABLE: dkk("687.65"), Chart.MERCHANT_SETTLEMENT: dkk("-687.65")}
    assert account_balance(account=bob_account) == dkk("687.65")


def test_the_same_source_key_posts_once(bob_account):
    first, created = posting_create(account=bob_account, kind="fee_annual", amount=dkk("650.00"), posting_date=DAY,
                                    source_key="annual-fee/1/2026")
    again, created_again = posting_create(account=bob_account, kind="fee_annual", amount=dkk("650.00"),
                                          posting_date=DAY, source_key="annual-fee/1/2026")
    assert created and not created_again
    assert again == first
    assert Posting.objects.count() == 1
    assert account_balance(account=bob_account) == dkk("650.00")


def test_a_reversal_nets_the_balance_to_zero_and_cannot_repeat(bob_account):
    posting, _ = posting_create(account=bob_account, kind="fee_reminder", amount=dkk("100.00"), posting_date=DAY,
                                source_key="reminder/1/1")
    reversal = posting_reverse(posting=posting, on=DAY + dt.timedelta(days=1), reason="Sent in error")
    assert reversal.amount == dkk("-100.00")
    assert reversal.related == posting
    assert reversal.kind == "fee_reminder"
    assert account_balance(account=bob_account) == dkk("0.00")
    with pytest.raises(ApplicationError) as error:
        posting_reverse(posting=posting, on=DAY, reason="again")
    assert error.value.message == ALREADY_REVERSED.format(source_key="reminder/1/1")


def test_an_unbalanced_entry_is_refused_by_the_service_and_nothing_is_written():
    with pytest.raises(ApplicationError) as error:
        journal_entry_post(source_key="bad/1", booked_on=DAY, description="",
                           legs=[Leg(Chart.BANK, dkk("10.00")), Leg(Chart.FX_INCOME, dkk("-9.99"))])
    assert error.value.message == UNBALANCED_ENTRY.format(source_key="bad/1", currency="DKK", total="0.01")
    assert not JournalEntry.objects.exists()


def test_unrounded_amounts_are_refused():
    with pytest.raises(ApplicationError) as error:
        journal_entry_post(source_key="bad/2", booked_on=DAY, description="",
                           legs=[Leg(Chart.BANK, dkk("10.005")), Leg(Chart.FX_INCOME, dkk("-10.005"))])
    assert error.value.code == "unrounded_amount"


def test_nothing_posts_after_an_accounts_close(bob_account):
    bob_account.closed_on = DAY
    bob_account.save()
    with pytest.raises(ApplicationError) as error:
        posting_create(account=bob_account, kind="purchase", amount=dkk("1.00"), posting_date=DAY + dt.timedelta(1),
                       source_key="charge/late")
    assert error.value.message == POSTED_AFTER_CLOSE.format(account=bob_account.number, closed_on=DAY,
                                                             posting_date=DAY + dt.timedelta(1))


def test_wrong_currency_is_refused(bob_account):
    with pytest.raises(ApplicationError) as error:
        posting_create(account=bob_account, kind="purchase", amount=Money("1.00", "EUR"), posting_date=DAY,
                       source_key="charge/eur")
    assert error.value.code == "wrong_currency"


def test_postings_and_legs_cannot_be_updated_or_deleted(bob_account):
    posting, _ = posting_create(account=bob_account, kind="purchase", amount=dkk("5.00"), posting_date=DAY,
                                source_key="charge/immutable")
    for statement in (
        lambda: Posting.objects.filter(pk=posting.pk).update(description="changed"),
        lambda: Posting.objects.filter(pk=posting.pk).delete(),
        lambda: Posting.objects.filter(pk=posting.pk).update(counter_account=Chart.WRITE_OFF),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            statement()
    posting.refresh_from_db()
    assert posting.description == ""
    assert verify_ledger() == {name: [] for name in verify_ledger()}


def test_issue17_item1_a_posting_is_its_own_balanced_double_entry(bob_account):
    """The posting row debits the receivable and credits its counter account: one amount, two sides."""
    posting, _ = posting_create(account=bob_account, kind="fee_reminder", amount=dkk("100.00"), posting_date=DAY,
                                source_key="reminder/9/1")
    assert posting.counter_account == Chart.FEE_INCOME_REMINDER
    reversal = posting_reverse(posting=posting, on=DAY, reason="Sent in error")
    assert reversal.counter_account == Chart.FEE_INCOME_REMINDER  # the reversed posting's, not looked up again
    assert [(leg.ledger_account, leg.amount) for leg in posting_legs(posting=reversal)] == [
        (Chart.RECEIVABLE, dkk("-100.00")), (Chart.FEE_INCOME_REMINDER, dkk("100.00"))]


def test_issue17_item1_a_movement_between_ledger_accounts_is_one_entry_row(bob_account):
    entry, created = journal_entry_post(source_key="bank/fx/1", booked_on=DAY, description="FX sweep",
                                        legs=[Leg(Chart.FX_INCOME, dkk("-12.34")), Leg(Chart.BANK, dkk("12.34"))])
    assert created
    assert (entry.debit_account, entry.credit_account, entry.amount) == (Chart.BANK, Chart.FX_INCOME, dkk("12.34"))
    assert entry_legs(entry=entry) == [Leg(Chart.BANK, dkk("12.34")), Leg(Chart.FX_INCOME, dkk("-12.34"))]
    again, created_again = journal_entry_post(source_key="bank/fx/1", booked_on=DAY, description="",
                                              legs=[Leg(Chart.BANK, dkk("1.00")), Leg(Chart.FX_INCOME, dkk("-1.00"))])
    assert (again, created_again) == (entry, False)
    # A receivable side is a posting's, and an entry has exactly two sides.
    for code, legs in (("receivable_is_a_posting", [Leg(Chart.RECEIVABLE, dkk("5.00"), bob_account),
                                                    Leg(Chart.MERCHANT_SETTLEMENT, dkk("-5.00"))]),
                       ("two_sided_entry", [Leg(Chart.BANK, dkk("5.00")), Leg(Chart.FX_INCOME, dkk("-3.00")),
                                            Leg(Chart.WRITE_OFF, dkk("-2.00"))])):
        with pytest.raises(ApplicationError) as error:
            journal_entry_post(source_key=f"bad/{code}", booked_on=DAY, description="", legs=legs)
        assert error.value.code == code
    assert JournalEntry.objects.count() == 1
    assert verify_ledger() == {name: [] for name in verify_ledger()}
