"""Issue 17 items 1–2: the posting is the double entry, one row per money movement (SPEC section 4).

Every journal entry with a posting becomes that posting alone: the posting keeps its id, amount and
source key and gains `counter_account_code`, the code of its entry's other leg. An entry without a
posting (two legs between ledger accounts, none a receivable) stays a JournalEntry with the same
id, source key and amount, now as one amount debited to one account and credited to the other.
Legs go. Anything else (an entry of more than two legs, or a receivable leg without its posting,
or a posting whose legs disagree with it) cannot be carried without loss, so the migration stops
and names it: verify_ledger reports every such row before.

Guards: the per-entry balance check (0002, 0003) has nothing left to check — every row balances by
construction — and goes; the append-only triggers cover postings and entries on PostgreSQL (here)
and SQLite (ledger/chart.py, after every migrate). Reversible: backwards, each posting becomes an
entry with its two legs again.
"""

import djmoney.models.fields
from django.db import migrations, models

# ledger.models.COUNTER_CODES as of this migration: the chart less the receivable.
COUNTER_CODES = ["merchant_settlement", "bank", "fee_income_annual", "fee_income_cash", "fee_income_reminder",
                 "fee_income_eurobonus", "fee_income_returned_payment", "fee_income_collection", "interest_income",
                 "fx_income", "dispute_suspense", "write_off"]

CURRENCIES = [('GBP', 'British Pound'), ('DKK', 'Danish Krone'), ('EUR', 'Euro'), ('JPY', 'Japanese Yen'),
              ('NOK', 'Norwegian Krone'), ('PLN', 'Polish Zloty'), ('SEK', 'Swedish Krona'), ('CHF', 'Swiss Franc'),
              ('USD', 'US Dollar')]

OLD_GUARDS_OFF_PG = """
DROP TRIGGER IF EXISTS ledger_posting_append_only ON ledger_posting;
DROP TRIGGER IF EXISTS ledger_journalleg_append_only ON ledger_journalleg;
DROP TRIGGER IF EXISTS ledger_journalleg_inserted ON ledger_journalleg;
DROP TRIGGER IF EXISTS ledger_journalleg_updated ON ledger_journalleg;
DROP TRIGGER IF EXISTS ledger_journalleg_deleted ON ledger_journalleg;
DROP TRIGGER IF EXISTS ledger_entry_balanced ON ledger_entry_check;
DROP TABLE IF EXISTS ledger_entry_check;
DROP FUNCTION IF EXISTS ledger_check_noted_entries();
DROP FUNCTION IF EXISTS ledger_note_touched_entries();
"""
NEW_GUARDS_PG = """
CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: correct it with a reversing posting', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_posting_append_only BEFORE UPDATE OR DELETE ON ledger_posting
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_journalentry_append_only BEFORE UPDATE OR DELETE ON ledger_journalentry
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
"""
NEW_GUARDS_OFF_PG = """
DROP TRIGGER IF EXISTS ledger_posting_append_only ON ledger_posting;
DROP TRIGGER IF EXISTS ledger_journalentry_append_only ON ledger_journalentry;
"""
SQLITE_TRIGGERS = [f"DROP TRIGGER IF EXISTS ledger_{table}_no_{op}"
                   for table in ("posting", "journalleg", "journalentry") for op in ("update", "delete")]


class CannotCarry(Exception):
    pass


def _guards_off(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute(OLD_GUARDS_OFF_PG + NEW_GUARDS_OFF_PG, params=None)
    elif connection.vendor == "sqlite":
        for statement in SQLITE_TRIGGERS:
            schema_editor.execute(statement)


def _guards_on(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(NEW_GUARDS_PG, params=None)
    # SQLite: ledger.chart.ensure_sqlite_guards installs them after every migrate.


def _old_guards_on(apps, schema_editor):
    """Backwards: 0002's append-only triggers and 0003's balance check, as they were."""
    if schema_editor.connection.vendor != "postgresql":
        return
    import importlib

    guards = importlib.import_module("ledger.migrations.0002_ledger_guards")
    once = importlib.import_module("ledger.migrations.0003_entry_balance_checked_once")
    schema_editor.execute(NEW_GUARDS_OFF_PG, params=None)
    schema_editor.execute(guards.POSTGRES_FORWARD, params=None)
    schema_editor.execute(once.FORWARD, params=None)


def _one(cursor, sql):
    cursor.execute(sql)
    return cursor.fetchall()


def _immediate(cursor, vendor: str) -> None:
    """PostgreSQL: check foreign keys as rows change, so no deferred event blocks the ALTER TABLEs after."""
    if vendor == "postgresql":
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def carry_forward(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        _immediate(cursor, schema_editor.connection.vendor)
        problems = _one(cursor, """
            SELECT e.source_key FROM ledger_journalentry e
              LEFT JOIN ledger_posting p ON p.entry_id = e.id
             WHERE (p.id IS NOT NULL AND (
                      (SELECT count(*) FROM ledger_journalleg l WHERE l.entry_id = e.id) <> 2
                   OR NOT EXISTS (SELECT 1 FROM ledger_journalleg l WHERE l.entry_id = e.id
                                     AND l.ledger_account_code = 'receivable' AND l.account_id = p.account_id
                                     AND l.amount = p.amount AND l.amount_currency = p.amount_currency)
                   OR NOT EXISTS (SELECT 1 FROM ledger_journalleg l WHERE l.entry_id = e.id
                                     AND l.ledger_account_code <> 'receivable' AND l.amount = -p.amount
                                     AND l.amount_currency = p.amount_currency)))
                OR (p.id IS NULL AND (
                      (SELECT count(*) FROM ledger_journalleg l WHERE l.entry_id = e.id) <> 2
                   OR EXISTS (SELECT 1 FROM ledger_journalleg l WHERE l.entry_id = e.id
                                 AND l.ledger_account_code = 'receivable')
                   OR (SELECT count(DISTINCT l.amount_currency) FROM ledger_journalleg l
                        WHERE l.entry_id = e.id) <> 1
                   OR (SELECT sum(l.amount) FROM ledger_journalleg l WHERE l.entry_id = e.id) <> 0
                   OR (SELECT max(l.amount) FROM ledger_journalleg l WHERE l.entry_id = e.id) <= 0))
             ORDER BY e.source_key LIMIT 20""")
        if problems:
            raise CannotCarry("These journal entries are not one posting's two legs nor a two-leg movement between "
                              "ledger accounts; fix them first (verify_ledger names them): "
                              + ", ".join(key for (key,) in problems))
        orphans = _one(cursor, "SELECT count(*) FROM ledger_posting WHERE entry_id IS NULL")[0][0]
        if orphans:
            raise CannotCarry(f"{orphans} postings have no journal entry.")
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute("""
                UPDATE ledger_posting p SET counter_account_code = l.ledger_account_code, entry_id = NULL
                  FROM ledger_journalleg l WHERE l.entry_id = p.entry_id AND l.ledger_account_code <> 'receivable'""")
        else:
            cursor.execute("""
                UPDATE ledger_posting SET counter_account_code = (
                    SELECT l.ledger_account_code FROM ledger_journalleg l
                     WHERE l.entry_id = ledger_posting.entry_id AND l.ledger_account_code <> 'receivable'),
                    entry_id = NULL""")
        # Entries without a posting: the positive leg is the debit, the other the credit.
        cursor.execute("""
            UPDATE ledger_journalentry SET
                debit_account_code = (SELECT l.ledger_account_code FROM ledger_journalleg l
                                       WHERE l.entry_id = ledger_journalentry.id AND l.amount > 0),
                credit_account_code = (SELECT l.ledger_account_code FROM ledger_journalleg l
                                        WHERE l.entry_id = ledger_journalentry.id AND l.amount < 0),
                amount = (SELECT l.amount FROM ledger_journalleg l
                           WHERE l.entry_id = ledger_journalentry.id AND l.amount > 0),
                amount_currency = (SELECT l.amount_currency FROM ledger_journalleg l
                                    WHERE l.entry_id = ledger_journalentry.id AND l.amount > 0)
             WHERE NOT EXISTS (SELECT 1 FROM ledger_journalleg l
                                WHERE l.entry_id = ledger_journalentry.id AND l.ledger_account_code = 'receivable')""")
        cursor.execute("DELETE FROM ledger_journalleg")
        cursor.execute("DELETE FROM ledger_journalentry WHERE debit_account_code IS NULL")


def carry_backward(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        _immediate(cursor, schema_editor.connection.vendor)
        cursor.execute("""
            INSERT INTO ledger_journalentry (source_key, booked_on, description, created_at)
            SELECT source_key, posting_date, CASE WHEN description = '' THEN kind ELSE description END, created_at
              FROM ledger_posting ORDER BY id""")
        cursor.execute("""
            UPDATE ledger_posting SET entry_id = (SELECT e.id FROM ledger_journalentry e
                                                   WHERE e.source_key = ledger_posting.source_key)""")
        cursor.execute("""
            INSERT INTO ledger_journalleg (entry_id, ledger_account_code, account_id, amount, amount_currency)
            SELECT entry_id, 'receivable', account_id, amount, amount_currency FROM ledger_posting
            UNION ALL
            SELECT entry_id, counter_account_code, NULL, -amount, amount_currency FROM ledger_posting
            UNION ALL
            SELECT id, debit_account_code, NULL, amount, amount_currency FROM ledger_journalentry
             WHERE debit_account_code IS NOT NULL
            UNION ALL
            SELECT id, credit_account_code, NULL, -amount, amount_currency FROM ledger_journalentry
             WHERE debit_account_code IS NOT NULL""")


class Migration(migrations.Migration):
    # One transaction on PostgreSQL: the data either moves whole or not at all.
    atomic = True

    dependencies = [
        ("ledger", "0006_payment_value_date"),
    ]

    operations = [
        migrations.RunPython(_guards_off, _old_guards_on),
        migrations.AddField(
            model_name="posting",
            name="counter_account",
            field=models.CharField(db_column="counter_account_code", max_length=40, null=True,
                                   verbose_name="counter account"),
        ),
        migrations.AddField(
            model_name="journalentry",
            name="debit_account",
            field=models.CharField(db_column="debit_account_code", max_length=40, null=True,
                                   verbose_name="debit account"),
        ),
        migrations.AddField(
            model_name="journalentry",
            name="credit_account",
            field=models.CharField(db_column="credit_account_code", max_length=40, null=True,
                                   verbose_name="credit account"),
        ),
        migrations.AddField(
            model_name="journalentry",
            name="amount_currency",
            field=djmoney.models.fields.CurrencyField(choices=CURRENCIES, default=None, editable=False, max_length=3,
                                                      null=True),
        ),
        migrations.AddField(
            model_name="journalentry",
            name="amount",
            field=djmoney.models.fields.MoneyField(decimal_places=2, max_digits=18, null=True, default_currency=None,
                                                   verbose_name="amount"),
        ),
        migrations.AlterField(
            model_name="posting",
            name="entry",
            field=models.OneToOneField(null=True, on_delete=models.deletion.PROTECT, related_name="posting",
                                       to="ledger.journalentry", verbose_name="journal entry"),
        ),
        migrations.RunPython(carry_forward, carry_backward),
        migrations.RemoveField(model_name="posting", name="entry"),
        migrations.DeleteModel(name="JournalLeg"),
        migrations.AlterField(
            model_name="posting",
            name="counter_account",
            field=models.CharField(db_column="counter_account_code", max_length=40, verbose_name="counter account"),
        ),
        migrations.AlterField(
            model_name="journalentry",
            name="debit_account",
            field=models.CharField(db_column="debit_account_code", max_length=40, verbose_name="debit account"),
        ),
        migrations.AlterField(
            model_name="journalentry",
            name="credit_account",
            field=models.CharField(db_column="credit_account_code", max_length=40, verbose_name="credit account"),
        ),
        migrations.AlterField(
            model_name="journalentry",
            name="amount_currency",
            field=djmoney.models.fields.CurrencyField(choices=CURRENCIES, default=None, editable=False, max_length=3),
        ),
        migrations.AlterField(
            model_name="journalentry",
            name="amount",
            field=djmoney.models.fields.MoneyField(decimal_places=2, max_digits=18, default_currency=None,
                                                   verbose_name="amount"),
        ),
        migrations.AddConstraint(
            model_name="posting",
            constraint=models.CheckConstraint(condition=models.Q(("counter_account__in", COUNTER_CODES)),
                                              name="posting_counter_account_in_chart"),
        ),
        migrations.AddConstraint(
            model_name="journalentry",
            constraint=models.CheckConstraint(
                condition=models.Q(("debit_account__in", COUNTER_CODES), ("credit_account__in", COUNTER_CODES),
                                   models.Q(("debit_account", models.F("credit_account")), _negated=True)),
                name="journal_entry_two_ledger_accounts"),
        ),
        migrations.AddConstraint(
            model_name="journalentry",
            constraint=models.CheckConstraint(condition=models.Q(("amount__gt", 0)),
                                              name="journal_entry_amount_positive"),
        ),
        migrations.RunPython(_guards_on, _guards_off),
    ]
