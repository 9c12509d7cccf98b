"""Check each journal entry's balance once per statement instead of once per leg (SPEC section 4).

0002's deferred constraint trigger ran one query per inserted leg at COMMIT: 3.3 million queries
for a charge file of a million charges, the largest single cost of the bulk import. The guarantee
stays the same — whatever code or raw SQL writes legs, a transaction whose entries do not sum to
zero in each currency fails at COMMIT — but the work is now set-based:

- a statement-level trigger on ledger_journalleg (INSERT, UPDATE and DELETE; the last two are
  refused anyway by 0002's append-only triggers) notes which entries the statement touched: their
  id range when the ids are dense (as any insert of new entries makes them), else the exact ids;
- that note is a row in ledger_entry_check, whose DEFERRABLE INITIALLY DEFERRED constraint
  trigger checks every noted entry with one GROUP BY at COMMIT and deletes the note.

A range may also cover entries of other transactions: those are committed (hence balanced) or
invisible, so checking them adds no false failure and weakens nothing.
"""

from django.db import migrations

FORWARD = """
CREATE UNLOGGED TABLE ledger_entry_check (
    id bigserial PRIMARY KEY,
    first_entry bigint NOT NULL,
    last_entry bigint NOT NULL,
    entries bigint[]  -- the exact entries when the statement's ids are sparse; NULL: the whole range
);

CREATE FUNCTION ledger_note_touched_entries() RETURNS trigger AS $$
DECLARE
    lo bigint;
    hi bigint;
    legs bigint;
BEGIN
    SELECT min(entry_id), max(entry_id), count(*) INTO lo, hi, legs FROM noted_legs;
    IF lo IS NULL THEN
        RETURN NULL;
    END IF;
    IF hi - lo <= legs + 1000 THEN
        INSERT INTO ledger_entry_check (first_entry, last_entry) VALUES (lo, hi);
    ELSE
        INSERT INTO ledger_entry_check (first_entry, last_entry, entries)
        SELECT lo, hi, array_agg(DISTINCT entry_id) FROM noted_legs;
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE FUNCTION ledger_check_noted_entries() RETURNS trigger AS $$
DECLARE
    bad record;
BEGIN
    IF NEW.entries IS NULL THEN
        SELECT entry_id, amount_currency, SUM(amount) AS total INTO bad
          FROM ledger_journalleg WHERE entry_id BETWEEN NEW.first_entry AND NEW.last_entry
         GROUP BY entry_id, amount_currency HAVING SUM(amount) <> 0 LIMIT 1;
    ELSE
        SELECT entry_id, amount_currency, SUM(amount) AS total INTO bad
          FROM ledger_journalleg WHERE entry_id = ANY (NEW.entries)
         GROUP BY entry_id, amount_currency HAVING SUM(amount) <> 0 LIMIT 1;
    END IF;
    IF FOUND THEN
        RAISE EXCEPTION 'journal entry % does not balance in %: legs sum to %',
            bad.entry_id, bad.amount_currency, bad.total USING ERRCODE = 'check_violation';
    END IF;
    DELETE FROM ledger_entry_check WHERE id = NEW.id;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

DROP TRIGGER ledger_entry_balanced ON ledger_journalleg;
DROP FUNCTION ledger_check_entry_balanced();

CREATE CONSTRAINT TRIGGER ledger_entry_balanced
    AFTER INSERT ON ledger_entry_check
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_noted_entries();

CREATE TRIGGER ledger_journalleg_inserted AFTER INSERT ON ledger_journalleg
    REFERENCING NEW TABLE AS noted_legs FOR EACH STATEMENT EXECUTE FUNCTION ledger_note_touched_entries();
CREATE TRIGGER ledger_journalleg_updated AFTER UPDATE ON ledger_journalleg
    REFERENCING NEW TABLE AS noted_legs FOR EACH STATEMENT EXECUTE FUNCTION ledger_note_touched_entries();
CREATE TRIGGER ledger_journalleg_deleted AFTER DELETE ON ledger_journalleg
    REFERENCING OLD TABLE AS noted_legs FOR EACH STATEMENT EXECUTE FUNCTION ledger_note_touched_entries();
"""

# Back to 0002's per-leg check.
REVERSE = """
DROP TRIGGER IF EXISTS ledger_journalleg_inserted ON ledger_journalleg;
DROP TRIGGER IF EXISTS ledger_journalleg_updated ON ledger_journalleg;
DROP TRIGGER IF EXISTS ledger_journalleg_deleted ON ledger_journalleg;
DROP TRIGGER IF EXISTS ledger_entry_balanced ON ledger_entry_check;
DROP TABLE IF EXISTS ledger_entry_check;
DROP FUNCTION IF EXISTS ledger_check_noted_entries();
DROP FUNCTION IF EXISTS ledger_note_touched_entries();

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
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REVERSE, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_ledger_guards")]

    operations = [migrations.RunPython(forward, reverse)]
