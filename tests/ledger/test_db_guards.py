"""The database itself enforces the ledger (SPEC section 4), whatever code writes to it.

Issue 17: a posting row is the double entry (receivable vs its counter account), so it cannot be
unbalanced; the database holds the chart (CHECK), the unique source key, append-only, and the
references to accounts and cards.
"""

import datetime as dt

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from moneyed import Money

from ledger.models import JournalEntry, Posting
from ledger.services import posting_create

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _raw_posting(cursor, account_id: int, source_key: str, counter: str = "merchant_settlement",
                 card_id=None) -> None:
    cursor.execute(
        "INSERT INTO ledger_posting (account_id, posting_date, kind, counter_account_code, amount, amount_currency,"
        " description, source_key, card_id, merchant_name, merchant_city, merchant_country, mcc,"
        " flagged_for_review, explanation, created_at)"
        " VALUES (%s, '2026-03-11', 'purchase', %s, 10, 'DKK', 'raw', %s, %s, '', '', '', '', false, '{}', now())",
        [account_id, counter, source_key, card_id],
    )


def _raw_entry(cursor, source_key: str, debit: str, credit: str, amount: str = "100.00") -> None:
    cursor.execute(
        "INSERT INTO ledger_journalentry (source_key, booked_on, description, debit_account_code,"
        " credit_account_code, amount, amount_currency, created_at)"
        " VALUES (%s, '2026-03-11', 'raw', %s, %s, %s, 'DKK', now())",
        [source_key, debit, credit, amount],
    )


def test_issue17_item1_a_raw_posting_against_a_code_outside_the_chart_is_refused(bob_account):
    for counter in ("receivable", "petty_cash"):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            _raw_posting(cursor, bob_account.pk, f"raw/{counter}", counter=counter)
    assert not Posting.objects.filter(source_key__startswith="raw/").exists()


def test_issue17_item1_a_raw_entry_must_name_two_different_ledger_accounts_and_a_positive_amount():
    for debit, credit, amount in (("bank", "bank", "1.00"), ("bank", "receivable", "1.00"),
                                  ("bank", "nowhere", "1.00"), ("bank", "fx_income", "-1.00")):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            _raw_entry(cursor, f"raw/{debit}/{credit}/{amount}", debit, credit, amount)
    with transaction.atomic(), connection.cursor() as cursor:
        _raw_entry(cursor, "raw/balanced", "bank", "fx_income")
    assert JournalEntry.objects.filter(source_key="raw/balanced").exists()


def test_a_duplicate_source_key_cannot_post_twice_even_in_raw_sql(bob_account):
    posting_create(account=bob_account, kind="purchase", amount=Money("10.00", "DKK"),
                   posting_date=dt.date(2026, 3, 11), source_key="charge/dup")
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        _raw_posting(cursor, bob_account.pk, "charge/dup")
    assert Posting.objects.filter(source_key="charge/dup").count() == 1


def test_raw_updates_and_deletes_of_postings_and_entries_are_refused(bob_account):
    posting, _ = posting_create(account=bob_account, kind="purchase", amount=Money("10.00", "DKK"),
                                posting_date=dt.date(2026, 3, 11), source_key="charge/raw-update")
    with transaction.atomic(), connection.cursor() as cursor:
        _raw_entry(cursor, "raw/kept", "bank", "fx_income")
    for sql in ("UPDATE ledger_posting SET amount = 0 WHERE id = %s",
                "UPDATE ledger_posting SET counter_account_code = 'write_off' WHERE id = %s",
                "DELETE FROM ledger_posting WHERE id = %s",
                "UPDATE ledger_journalentry SET amount = 1 WHERE id <> %s",
                "DELETE FROM ledger_journalentry WHERE id <> %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [posting.pk])
    posting.refresh_from_db()
    assert posting.amount == Money("10.00", "DKK")
    assert JournalEntry.objects.get(source_key="raw/kept").amount == Money("100.00", "DKK")
