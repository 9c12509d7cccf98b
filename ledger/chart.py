"""The chart of accounts (SPEC section 4), created after every `migrate` (and after a test flush)."""

from __future__ import annotations

CHART_OF_ACCOUNTS = [
    ("receivable", "Cardmember receivables", "asset"),
    ("merchant_settlement", "Merchant settlement payable", "liability"),
    ("bank", "Bank", "asset"),
    ("fee_income_annual", "Fee income: annual card fees", "income"),
    ("fee_income_cash", "Fee income: cash withdrawal fees", "income"),
    ("fee_income_reminder", "Fee income: reminder fees", "income"),
    ("fee_income_eurobonus", "Fee income: EuroBonus fees", "income"),
    ("fee_income_returned_payment", "Fee income: returned payment costs", "income"),
    ("fee_income_collection", "Fee income: collection costs recovered", "income"),
    ("interest_income", "Interest income", "income"),
    ("fx_income", "FX income", "income"),
    ("dispute_suspense", "Dispute suspense", "liability"),
    ("write_off", "Write-off", "expense"),
]


def ensure_chart(**kwargs) -> None:
    from ledger.models import LedgerAccount

    LedgerAccount.objects.bulk_create(
        [LedgerAccount(code=code, name=name, type=kind) for code, name, kind in CHART_OF_ACCOUNTS],
        ignore_conflicts=True,
    )


# SQLite has no deferred triggers, so there the service layer checks balance; the append-only rule
# is still the database's. SQLite drops a table's triggers whenever a migration rebuilds the table,
# so they are (re)installed after every migrate rather than once by a migration.
SQLITE_APPEND_ONLY = [
    f"CREATE TRIGGER IF NOT EXISTS ledger_{table}_no_{op.lower()} BEFORE {op} ON ledger_{table} "
    f"BEGIN SELECT RAISE(ABORT, 'ledger_{table} is append-only: correct it with a reversing posting'); END;"
    for table in ("posting", "journalentry")
    for op in ("UPDATE", "DELETE")
]


# Issue 17 item 4 on SQLite: a posting's account, card and related posting keep their (per-row, deferred)
# foreign keys there; migration 0007 replaces them with set-based triggers on PostgreSQL only. No
# trigger here names another table: SQLite re-checks every trigger when a migration remakes a table,
# and one naming the table being remade fails that migration.


def ensure_sqlite_guards(using: str = "default", **kwargs) -> None:
    from django.db import connections

    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for statement in SQLITE_APPEND_ONLY:
            cursor.execute(statement)


def drop_sqlite_guards(using: str = "default") -> None:
    """SQLite: remove the ledger's triggers so a test database can be flushed (DELETE FROM each table);
    the flush's post_migrate puts them back. PostgreSQL flushes with TRUNCATE, which fires none."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'ledger\\_%' ESCAPE '\\'")
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
