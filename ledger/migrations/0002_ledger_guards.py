"""The database's own guards on the ledger (SPEC section 4). The chart of accounts is
created by a post_migrate handler (ledger/chart.py).

PostgreSQL: a deferred constraint trigger checks at commit that every journal entry touched by the
transaction sums to zero in each currency, whatever code (or raw SQL) wrote the legs.
Both databases: postings and journal legs refuse UPDATE and DELETE (append-only).
"""

from django.db import migrations

POSTGRES_FORWARD = """
CREATE OR REPLACE FUNCTION ledger_check_entry_balanced() RETURNS trigger AS $$
DECLARE
    checked_entry bigint;
    bad record;
BEGIN
    IF TG_OP = 'DELETE' THEN checked_entry := OLD.entry_id; ELSE checked_entry := NEW.entry_id; END IF;
    SELECT amount_currency, SUM(amount) AS total INTO bad
      FROM ledger_journalleg WHERE entry_id = checked_entry
     GROUP BY amount_currency HAVING SUM(amount) <> 0 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'journal entry % does not balance in %: legs sum to %',
            checked_entry, bad.amount_currency, bad.total USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER ledger_entry_balanced
    AFTER INSERT OR UPDATE OR DELETE ON ledger_journalleg
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_balanced();

CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: correct it with a reversing posting', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$ LANGUAGE plpgsql;

CREATE TRIGGER ledger_posting_append_only BEFORE UPDATE OR DELETE ON ledger_posting
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_journalleg_append_only BEFORE UPDATE OR DELETE ON ledger_journalleg
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
"""

POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS ledger_posting_append_only ON ledger_posting;
DROP TRIGGER IF EXISTS ledger_journalleg_append_only ON ledger_journalleg;
DROP TRIGGER IF EXISTS ledger_entry_balanced ON ledger_journalleg;
DROP FUNCTION IF EXISTS ledger_refuse_change();
DROP FUNCTION IF EXISTS ledger_check_entry_balanced();
"""

SQLITE_FORWARD = [
    f"""CREATE TRIGGER ledger_{table}_no_{op.lower()} BEFORE {op} ON ledger_{table}
        BEGIN SELECT RAISE(ABORT, 'ledger_{table} is append-only: correct it with a reversing posting'); END;"""
    for table in ("posting", "journalleg")
    for op in ("UPDATE", "DELETE")
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS ledger_{table}_no_{op.lower()};"
    for table in ("posting", "journalleg")
    for op in ("UPDATE", "DELETE")
]


def install_guards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def remove_guards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_REVERSE, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [
        migrations.RunPython(install_guards, remove_guards),
    ]
