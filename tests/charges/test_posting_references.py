"""Issue 17 item 4: the database still refuses a posting on an unknown account, card or related posting,
checked once per INSERT statement on PostgreSQL (a trigger over the statement's rows) instead of a
deferred foreign-key check per row, and a bad reference still fails a whole charge file. SQLite keeps
its foreign keys, so the same tests hold there."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import DatabaseError, connection, transaction
from moneyed import Money

from accounts.models import Account, Card
from charges.models import ChargeFile
from charges.services import charge_file_import
from ledger.models import Posting
from ledger.services import posting_create
from tests.charges.conftest import charge_file, charge_row

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _flushable():
    """These tests commit; on SQLite the ledger's triggers would refuse the flush's DELETEs."""
    yield
    from ledger.chart import drop_sqlite_guards

    drop_sqlite_guards()
DAY = dt.date(2026, 3, 11)


def _raw_postings(cursor, rows: list[tuple[int, int | None, int | None, str]]) -> None:
    """One INSERT statement: (account id, card id, related id, source key) per row."""
    values = ", ".join(["(%s, %s, %s, '2026-03-11', 'purchase', 'merchant_settlement', 10, 'DKK', '', %s,"
                        " '', '', '', '', false, '{}', '2026-03-11')"] * len(rows))
    cursor.execute("INSERT INTO ledger_posting (account_id, card_id, related_id, posting_date, kind,"
                   " counter_account_code, amount, amount_currency, description, source_key, merchant_name,"
                   " merchant_city, merchant_country, mcc, flagged_for_review, explanation, created_at)"
                   f" VALUES {values}", [value for row in rows for value in row])


def test_issue17_item4_one_unknown_reference_among_many_fails_the_whole_statement(bob_card):
    account, card = bob_card.card.account_id, bob_card.card.pk
    good = [(account, card, None, f"raw/good/{i}") for i in range(50)]
    # The trigger's errors name the first bad posting (PostgreSQL); SQLite's foreign keys say less.
    for bad, error in (((999_999, None, None, "raw/bad-account"), "posting raw/bad-account names an account"),
                       ((account, 999_999, None, "raw/bad-card"), "posting raw/bad-card names a card"),
                       ((account, None, 999_999, "raw/bad-related"), "posting raw/bad-related relates to a posting")):
        with pytest.raises(DatabaseError, match=error if connection.vendor == "postgresql" else "FOREIGN KEY"), \
                transaction.atomic(), connection.cursor() as cursor:
            _raw_postings(cursor, [*good[:25], bad, *good[25:]])
    assert not Posting.objects.exists()
    with transaction.atomic(), connection.cursor() as cursor:
        _raw_postings(cursor, good)
    assert Posting.objects.count() == 50


@pytest.mark.postgres
def test_issue17_item4_a_posting_may_relate_to_one_the_same_statement_inserts(bob_card):
    """The related posting is looked up in the ledger, where an AFTER STATEMENT trigger already sees the
    statement's own rows (ledger 0013: no second pass over them)."""
    account, card = bob_card.card.account_id, bob_card.card.pk
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('ledger_posting', 'id'))")
        first = cursor.fetchone()[0]
        cursor.execute("INSERT INTO ledger_posting (id, account_id, card_id, related_id, posting_date, kind,"
                       " counter_account_code, amount, amount_currency, description, source_key, merchant_name,"
                       " merchant_city, merchant_country, mcc, flagged_for_review, explanation, created_at)"
                       " VALUES (%s, %s, %s, NULL, '2026-03-11', 'purchase', 'merchant_settlement', 10, 'DKK', '',"
                       " 'raw/charge', '', '', '', '', false, '{}', '2026-03-11'),"
                       " (%s, %s, NULL, %s, '2026-03-11', 'fee_fx', 'fx_income', 0.25, 'DKK', '', 'raw/fee',"
                       " '', '', '', '', false, '{}', '2026-03-11')",
                       [first, account, card, first + 1_000_000, account, first])
    assert Posting.objects.get(source_key="raw/fee").related_id == Posting.objects.get(source_key="raw/charge").pk


def test_issue17_item4_an_account_or_card_with_postings_cannot_be_deleted_in_the_database(bob_card):
    card = bob_card.card
    posting_create(account=card.account, kind="purchase", amount=Money("10.00", "DKK"), posting_date=DAY,
                   source_key="charge/kept", card=card)
    for model, pk in ((Card, card.pk), (Account, card.account_id)):
        with pytest.raises(DatabaseError, match="cannot be deleted|FOREIGN KEY"), transaction.atomic():
            model.objects.filter(pk=pk)._raw_delete(connection.alias)
    assert Card.objects.filter(pk=card.pk).exists() and Account.objects.filter(pk=card.account_id).exists()


def test_issue17_item4_an_account_and_a_card_without_postings_can_be_deleted(bob_card):
    """Found while trimming the statement day: on PostgreSQL every account deletion failed with "column
    g.account_id does not exist" (ledger 0010 planned the card's check on the account's rows too)."""
    card = bob_card.card
    with transaction.atomic():
        Card.objects.filter(pk=card.pk)._raw_delete(connection.alias)
        Account.objects.filter(pk=card.account_id)._raw_delete(connection.alias)
    assert not Account.objects.filter(pk=card.account_id).exists()


@pytest.mark.postgres
def test_issue17_item4_a_bad_reference_in_a_charge_file_fails_the_whole_file(spec_rates, bob_card, monkeypatch):
    from charges import bulk

    rows = [charge_row(f"R{i}", bob_card.pan, "10.00", "USD") for i in range(5)]
    # A bug in the plan that names a card no one has, on the third charge only.
    broken = bulk.POSTINGS_SQL.replace("p.card_id, p.tdate, p.merchant_name,",
                                       "CASE WHEN p.row_no = 3 THEN -7 ELSE p.card_id END, p.tdate, p.merchant_name,",
                                       1)
    assert broken != bulk.POSTINGS_SQL
    monkeypatch.setattr(bulk, "POSTINGS_SQL", broken)
    with pytest.raises(DatabaseError, match="names a card that does not exist"):
        charge_file_import(source=io.BytesIO(charge_file(rows)), filename="bad.csv", bulk=True)
    assert not (Posting.objects.exists() or ChargeFile.objects.exists())
    monkeypatch.undo()
    charge_file_import(source=io.BytesIO(charge_file(rows)), filename="bad.csv", bulk=True)
    assert Posting.objects.filter(kind="purchase").count() == 5
