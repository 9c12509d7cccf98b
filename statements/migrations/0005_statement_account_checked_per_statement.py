"""Issue 17, statement cycle: the statement's account is checked once per INSERT statement on PostgreSQL.

The deferred foreign key checked each new statement's account with one query per row at COMMIT (2,000 per
chunk of a statement day), locking every account row (FOR KEY SHARE). The guarantee stays the database's, as
for postings (ledger 0008): no statement names an account that does not exist, and no account with statements
can be deleted, checked set-based:

- an AFTER INSERT statement trigger on statements_statement looks up each distinct account of the
  statement's rows once (a transition table) and fails the statement, so the whole chunk, if one is missing;
- a BEFORE UPDATE row trigger does the same when a statement's account changes (none of the code does);
- an AFTER DELETE statement trigger on accounts_account refuses to delete an account that has statements.

SQLite keeps its foreign key (the wrapped AlterField runs on PostgreSQL only): cheap there, not a bulk path.
"""

import django.db.models.deletion
from django.db import migrations, models

FORWARD = """
CREATE FUNCTION statements_statement_accounts_exist() RETURNS trigger AS $$
DECLARE
    bad bigint;
BEGIN
    SELECT d.account_id INTO bad FROM (SELECT DISTINCT account_id FROM statements_new_statements) d
     WHERE NOT EXISTS (SELECT 1 FROM accounts_account a WHERE a.id = d.account_id) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'a statement names account %, which does not exist', bad
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER statements_statement_accounts AFTER INSERT ON statements_statement
    REFERENCING NEW TABLE AS statements_new_statements FOR EACH STATEMENT
    EXECUTE FUNCTION statements_statement_accounts_exist();

CREATE FUNCTION statements_statement_account_changed() RETURNS trigger AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM accounts_account a WHERE a.id = NEW.account_id) THEN
        RAISE EXCEPTION 'a statement names account %, which does not exist', NEW.account_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER statements_statement_account_update BEFORE UPDATE ON statements_statement
    FOR EACH ROW WHEN (OLD.account_id IS DISTINCT FROM NEW.account_id)
    EXECUTE FUNCTION statements_statement_account_changed();

CREATE FUNCTION statements_refuse_deleting_billed() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM statements_gone g JOIN statements_statement s ON s.account_id = g.id) THEN
        RAISE EXCEPTION 'an account with statements cannot be deleted' USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER statements_account_billed AFTER DELETE ON accounts_account
    REFERENCING OLD TABLE AS statements_gone FOR EACH STATEMENT
    EXECUTE FUNCTION statements_refuse_deleting_billed();
"""

REVERSE = """
DROP TRIGGER IF EXISTS statements_statement_accounts ON statements_statement;
DROP TRIGGER IF EXISTS statements_statement_account_update ON statements_statement;
DROP TRIGGER IF EXISTS statements_account_billed ON accounts_account;
DROP FUNCTION IF EXISTS statements_statement_accounts_exist();
DROP FUNCTION IF EXISTS statements_statement_account_changed();
DROP FUNCTION IF EXISTS statements_refuse_deleting_billed();
"""


class OnPostgreSQL(migrations.operations.base.Operation):
    """The wrapped schema change on PostgreSQL only; the model state changes everywhere (as in ledger 0008)."""

    reversible = True

    def __init__(self, operation):
        self.operation = operation

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.operation], {})

    def state_forwards(self, app_label, state):
        self.operation.state_forwards(app_label, state)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            self.operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            self.operation.database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"{self.operation.describe()} (PostgreSQL only)"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REVERSE, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0018_merged_choices_2'),
        ('statements', '0004_statement_day_pays_fewer_indexes'),
    ]

    operations = [
        OnPostgreSQL(migrations.AlterField(
            model_name='statement',
            name='account',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='statements', to='accounts.account', verbose_name='account'),
        )),
        migrations.RunPython(forward, reverse),
    ]
