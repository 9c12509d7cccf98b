"""ledger migration 0003 (made for the bulk charge import): the balance check runs once per statement,
and is exactly as strict as the per-leg check it replaced (SPEC section 4)."""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from ledger.models import JournalEntry, JournalLeg

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def entries(cursor, *keys: str) -> list[int]:
    ids = []
    for key in keys:
        cursor.execute("INSERT INTO ledger_journalentry (source_key, booked_on, description, created_at) "
                       "VALUES (%s, '2026-03-11', 'raw', now()) RETURNING id", [key])
        ids.append(cursor.fetchone()[0])
    return ids


def legs(cursor, *rows: tuple[int, str, str]) -> None:
    """One INSERT statement for all rows: (entry id, ledger account, amount in DKK)."""
    values = ", ".join(["(%s, %s, NULL, %s, 'DKK')"] * len(rows))
    cursor.execute("INSERT INTO ledger_journalleg (entry_id, ledger_account_code, account_id, amount, "
                   f"amount_currency) VALUES {values}", [value for row in rows for value in row])


def pending_checks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM ledger_entry_check")
        return cursor.fetchone()[0]


def test_one_statement_with_one_unbalanced_entry_among_many_fails_at_commit():
    reached_commit = False
    with pytest.raises(IntegrityError, match="does not balance in DKK: legs sum to 0.01"):
        with transaction.atomic(), connection.cursor() as cursor:
            ids = entries(cursor, *[f"raw/many/{i}" for i in range(50)])
            rows = [(i, "bank", "10.00") for i in ids] + [(i, "fx_income", "-10.00") for i in ids]
            rows[-1] = (ids[-1], "fx_income", "-9.99")
            legs(cursor, *rows)
            reached_commit = True
    assert reached_commit
    assert not JournalEntry.objects.filter(source_key__startswith="raw/many/").exists()


def test_an_entry_balanced_only_by_a_later_statement_commits():
    with transaction.atomic(), connection.cursor() as cursor:
        (entry,) = entries(cursor, "raw/later")
        legs(cursor, (entry, "bank", "100.00"))
        legs(cursor, (entry, "fx_income", "-60.00"), (entry, "fee_income_cash", "-40.00"))
    assert JournalLeg.objects.filter(entry_id=entry).count() == 3
    assert pending_checks() == 0


def test_sparse_entry_ids_in_one_statement_are_checked_exactly():
    with transaction.atomic(), connection.cursor() as cursor:
        first, second = entries(cursor, "raw/sparse/1", "raw/sparse/2")
        cursor.execute("SELECT setval(pg_get_serial_sequence('ledger_journalentry', 'id'), %s)", [second + 50_000])
        (far,) = entries(cursor, "raw/sparse/far")
        legs(cursor, (first, "bank", "1.00"), (first, "fx_income", "-1.00"), (far, "bank", "2.00"),
             (far, "fx_income", "-2.00"))
        cursor.execute("SELECT entries FROM ledger_entry_check")
        assert cursor.fetchone()[0] == [first, far]  # the exact ids, not 50,000 entries in between
    with pytest.raises(IntegrityError, match=f"journal entry {far} does not balance"):
        with transaction.atomic(), connection.cursor() as cursor:
            legs(cursor, (first, "bank", "0.00"), (far, "bank", "5.00"))


def test_a_checked_entry_can_be_checked_again_later_in_the_transaction():
    with pytest.raises(IntegrityError, match="does not balance"):
        with transaction.atomic(), connection.cursor() as cursor:
            (entry,) = entries(cursor, "raw/twice")
            legs(cursor, (entry, "bank", "5.00"), (entry, "fx_income", "-5.00"))
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the first check runs, and passes
            assert pending_checks() == 0
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            legs(cursor, (entry, "bank", "1.00"))


def test_legs_stay_append_only():
    with transaction.atomic(), connection.cursor() as cursor:
        (entry,) = entries(cursor, "raw/append-only")
        legs(cursor, (entry, "bank", "3.00"), (entry, "fx_income", "-3.00"))
    for sql in ("UPDATE ledger_journalleg SET amount = 0 WHERE entry_id = %s",
                "DELETE FROM ledger_journalleg WHERE entry_id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry])
    assert sorted(JournalLeg.objects.filter(entry_id=entry).values_list("amount", flat=True)) == [-3, 3]
