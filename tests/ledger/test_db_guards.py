"""The database itself enforces the ledger (SPEC section 4), whatever code writes to it."""

import datetime as dt

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from moneyed import Money

from ledger.models import JournalEntry, Posting
from ledger.services import posting_create

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _raw_entry(cursor, source_key: str) -> int:
    cursor.execute(
        "INSERT INTO ledger_journalentry (source_key, booked_on, description, created_at) "
        "VALUES (%s, '2026-03-11', 'raw', now()) RETURNING id",
        [source_key],
    )
    return cursor.fetchone()[0]


def _raw_leg(cursor, entry_id: int, code: str, amount: str, account_id=None) -> None:
    cursor.execute(
        "INSERT INTO ledger_journalleg (entry_id, ledger_account_code, account_id, amount, amount_currency) "
        "VALUES (%s, %s, %s, %s, 'DKK')",
        [entry_id, code, account_id, amount],
    )


def test_an_unbalanced_raw_insert_is_accepted_per_statement_but_fails_at_commit():
    reached_commit = False
    with pytest.raises(IntegrityError, match="does not balance"):
        with transaction.atomic(), connection.cursor() as cursor:
            entry_id = _raw_entry(cursor, "raw/unbalanced")
            _raw_leg(cursor, entry_id, "bank", "100.00")
            _raw_leg(cursor, entry_id, "fx_income", "-99.99")
            reached_commit = True  # both inserts succeeded: the check is deferred to COMMIT
    assert reached_commit
    assert not JournalEntry.objects.filter(source_key="raw/unbalanced").exists()


def test_a_balanced_raw_insert_commits():
    with transaction.atomic(), connection.cursor() as cursor:
        entry_id = _raw_entry(cursor, "raw/balanced")
        _raw_leg(cursor, entry_id, "bank", "100.00")
        _raw_leg(cursor, entry_id, "fx_income", "-100.00")
    assert JournalEntry.objects.filter(source_key="raw/balanced").exists()


def test_a_duplicate_source_key_cannot_post_twice_even_in_raw_sql(bob_account):
    posting_create(account=bob_account, kind="purchase", amount=Money("10.00", "DKK"),
                   posting_date=dt.date(2026, 3, 11), source_key="charge/dup")
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        _raw_entry(cursor, "charge/dup")
    assert Posting.objects.filter(source_key="charge/dup").count() == 1


def test_raw_updates_and_deletes_of_postings_are_refused(bob_account):
    posting, _ = posting_create(account=bob_account, kind="purchase", amount=Money("10.00", "DKK"),
                                posting_date=dt.date(2026, 3, 11), source_key="charge/raw-update")
    for sql in ("UPDATE ledger_posting SET amount = 0 WHERE id = %s",
                "DELETE FROM ledger_posting WHERE id = %s",
                "UPDATE ledger_journalleg SET amount = 0 WHERE entry_id = (SELECT entry_id FROM ledger_posting "
                "WHERE id = %s)"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [posting.pk])
    posting.refresh_from_db()
    assert posting.amount == Money("10.00", "DKK")
