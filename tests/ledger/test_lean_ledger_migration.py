"""Issue 17 item 2: migration 0006 carries a live ledger from entries and legs to one row per movement.

A history is seeded with the real services (charges with FX details, fees, interest via the statement
day, a payment, a reversal, a movement between two ledger accounts), migrated back to the old schema
(entries + legs) and forward again: every posting keeps its id, amount, source key and counter account,
every balance and statement is the same, and verify_ledger is clean before and after.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from moneyed import Money

from accounts.models import Account
from ledger.chart import ensure_chart, ensure_sqlite_guards
from ledger.models import Chart, JournalEntry, Posting
from ledger.selectors import Leg, account_balance, trial_balance_rows
from ledger.services import journal_entry_post, posting_create, posting_reverse
from ledger.verification import verify_ledger
from statements.models import Statement
from statements.services import statements_generate

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _flushable():
    """These tests commit; on SQLite the ledger's triggers would refuse the flush's DELETEs."""
    yield
    from ledger.chart import drop_sqlite_guards

    drop_sqlite_guards()

BEFORE = ("ledger", "0006_payment_value_date")
AFTER = ("ledger", "0007_posting_is_the_double_entry")


def dkk(value: str) -> Money:
    return Money(Decimal(value), "DKK")


def _seed(card) -> None:
    account = card.account
    charge, _ = posting_create(account=account, kind="purchase", amount=dkk("687.65"),
                               posting_date=dt.date(2026, 1, 20), source_key="charge/M1", description="Hotel",
                               card=card, original_amount=Money("100.00", "USD"), usd_amount=Decimal("100.00"),
                               fx_rate=Decimal("6.876500000000"), fx_rate_date=dt.date(2026, 1, 19),
                               explanation={"row": 1})
    posting_create(account=account, kind="fee_fx", amount=dkk("17.19"), posting_date=dt.date(2026, 1, 20),
                   source_key="fee_fx/M1", related=charge, card=card)
    reminder, _ = posting_create(account=account, kind="fee_reminder", amount=dkk("100.00"),
                                 posting_date=dt.date(2026, 1, 22), source_key="reminder/M/1")
    posting_reverse(posting=reminder, on=dt.date(2026, 1, 23), reason="Sent in error")
    posting_create(account=account, kind="payment", amount=dkk("-300.00"), posting_date=dt.date(2026, 2, 3),
                   source_key="payment/M1")
    statements_generate(on=dt.date(2026, 2, 5), account_ids=[account.pk])
    journal_entry_post(source_key="bank/sweep/1", booked_on=dt.date(2026, 2, 6), description="FX sweep",
                       legs=[Leg(Chart.BANK, dkk("17.19")), Leg(Chart.FX_INCOME, dkk("-17.19"))])


def _books() -> dict:
    return {
        "postings": sorted(Posting.objects.values_list(
            "id", "account_id", "posting_date", "kind", "counter_account", "amount", "amount_currency", "source_key",
            "description", "related_id", "card_id", "original_amount", "usd_amount", "fx_rate", "explanation")),
        "entries": sorted(JournalEntry.objects.values_list(
            "id", "source_key", "booked_on", "debit_account", "credit_account", "amount")),
        "balances": {a.number: account_balance(account=a) for a in Account.objects.all()},
        "trial": trial_balance_rows(),
        "statements": sorted(Statement.objects.values_list(
            "account_id", "statement_date", "opening_balance", "closing_balance", "billed_amount", "payments_amount",
            "totals")),
    }


def _old_schema_rows() -> tuple[list, list]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT e.source_key, l.ledger_account_code, l.account_id, l.amount FROM ledger_journalleg l"
                       " JOIN ledger_journalentry e ON e.id = l.entry_id ORDER BY e.source_key, l.amount")
        legs = [(key, code, account, Decimal(str(amount)).quantize(Decimal("0.01")))
                for key, code, account, amount in cursor.fetchall()]
        cursor.execute("SELECT p.id, p.source_key FROM ledger_posting p JOIN ledger_journalentry e"
                       " ON e.id = p.entry_id AND e.source_key = p.source_key ORDER BY p.id")
        return legs, cursor.fetchall()


def _migrate(target) -> None:
    """Migrate the ledger to `target`; AFTER means every migration there is (the project's leaf nodes)."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes() if target == AFTER else [target])


def test_issue17_item2_a_seeded_history_migrates_with_every_id_amount_balance_and_statement(bob_card):
    _seed(bob_card.card)
    before = _books()
    assert before["balances"][bob_card.card.account.number] == dkk("1054.84")  # 687.65 + 17.19 + 100 − 100 − 300 + 650
    assert {name: problems for name, problems in verify_ledger().items() if problems} == {}
    try:
        _migrate(BEFORE)
        legs, linked = _old_schema_rows()
        # The old schema: every posting an entry of the same source key, two legs each, balanced.
        assert [key for _id, key in linked] == [row[7] for row in before["postings"]]
        account_id = bob_card.card.account.pk
        assert [leg for leg in legs if leg[0] in ("fee_fx/M1", "bank/sweep/1")] == [
            ("bank/sweep/1", "fx_income", None, Decimal("-17.19")), ("bank/sweep/1", "bank", None, Decimal("17.19")),
            ("fee_fx/M1", "fx_income", None, Decimal("-17.19")), ("fee_fx/M1", "receivable", account_id,
                                                                   Decimal("17.19"))]
        assert len(legs) == 2 * (len(before["postings"]) + len(before["entries"]))
        _migrate(AFTER)
    finally:
        _migrate(AFTER)
        ensure_chart()
        ensure_sqlite_guards()
    assert _books() == before
    assert {name: problems for name, problems in verify_ledger().items() if problems} == {}


def test_issue17_item2_an_entry_that_is_neither_a_posting_nor_two_ledger_accounts_stops_the_migration(bob_account):
    posting_create(account=bob_account, kind="purchase", amount=dkk("10.00"), posting_date=dt.date(2026, 1, 20),
                   source_key="charge/ok")
    try:
        _migrate(BEFORE)
        with transaction.atomic(), connection.cursor() as cursor:  # the old balance check runs at COMMIT
            cursor.execute("INSERT INTO ledger_journalentry (source_key, booked_on, description, created_at)"
                           " VALUES ('three/legs', '2026-01-21', '', '2026-01-21')")
            cursor.execute("SELECT id FROM ledger_journalentry WHERE source_key = 'three/legs'")
            (entry_id,) = cursor.fetchone()
            for code, amount in (("bank", "10.00"), ("fx_income", "-6.00"), ("write_off", "-4.00")):
                cursor.execute("INSERT INTO ledger_journalleg (entry_id, ledger_account_code, account_id, amount,"
                               " amount_currency) VALUES (%s, %s, NULL, %s, 'DKK')", [entry_id, code, amount])
        with pytest.raises(Exception, match="three/legs"):
            _migrate(AFTER)
        with connection.cursor() as cursor:  # nothing moved: the old rows are all still there
            cursor.execute("SELECT count(*) FROM ledger_journalleg")
            assert cursor.fetchone()[0] == 5
            if connection.vendor == "postgresql":  # the old schema's append-only guard, off for the clean-up
                cursor.execute("ALTER TABLE ledger_journalleg DISABLE TRIGGER ledger_journalleg_append_only")
            cursor.execute("DELETE FROM ledger_journalleg WHERE entry_id = %s", [entry_id])
            cursor.execute("DELETE FROM ledger_journalentry WHERE id = %s", [entry_id])
            if connection.vendor == "postgresql":
                cursor.execute("ALTER TABLE ledger_journalleg ENABLE TRIGGER ledger_journalleg_append_only")
    finally:
        _migrate(AFTER)
        ensure_chart()
        ensure_sqlite_guards()
    assert Posting.objects.get(source_key="charge/ok").counter_account == Chart.MERCHANT_SETTLEMENT
