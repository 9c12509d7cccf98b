"""Issue 17 item 4: foreign-key checks that scale.

PostgreSQL checked a posting's account, card and related posting with a deferred foreign key: one
query per row per key, queued until COMMIT (10.6 s of a 200,000-charge import, the largest cost).
The guarantee stays the database's — no posting names an account, card or posting that does not
exist, and none of those can be deleted while a posting names it — but it is checked set-based:

- an AFTER INSERT statement trigger on ledger_posting looks for any new row whose account, card or
  related posting is missing, with one anti-join per key over the statement's rows (a transition
  table), and fails the statement, so the whole file with it;
- AFTER DELETE statement triggers on accounts_account and accounts_card (and the posting table's own
  append-only trigger) refuse to delete what a posting names. Ids are never updated.

SQLite keeps its foreign keys (the wrapped AlterFields run on PostgreSQL only): they are cheap there,
and SQLite is not the bulk path.
"""

import django.db.models.deletion
from django.db import migrations, models

FORWARD = """
CREATE FUNCTION ledger_posting_references_exist() RETURNS trigger AS $$
DECLARE
    bad text;
BEGIN
    SELECT n.source_key INTO bad FROM ledger_new_postings n
     WHERE NOT EXISTS (SELECT 1 FROM accounts_account a WHERE a.id = n.account_id) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'posting % names an account that does not exist', bad USING ERRCODE = 'foreign_key_violation';
    END IF;
    SELECT n.source_key INTO bad FROM ledger_new_postings n
     WHERE n.card_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM accounts_card c WHERE c.id = n.card_id) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'posting % names a card that does not exist', bad USING ERRCODE = 'foreign_key_violation';
    END IF;
    SELECT n.source_key INTO bad FROM ledger_new_postings n
     WHERE n.related_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ledger_posting p WHERE p.id = n.related_id) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'posting % relates to a posting that does not exist', bad
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER ledger_posting_references AFTER INSERT ON ledger_posting
    REFERENCING NEW TABLE AS ledger_new_postings FOR EACH STATEMENT
    EXECUTE FUNCTION ledger_posting_references_exist();

CREATE FUNCTION ledger_refuse_deleting_posted() RETURNS trigger AS $$
BEGIN
    IF TG_TABLE_NAME = 'accounts_account' AND EXISTS (
        SELECT 1 FROM ledger_gone g JOIN ledger_posting p ON p.account_id = g.id) THEN
        RAISE EXCEPTION 'an account with postings cannot be deleted' USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF TG_TABLE_NAME = 'accounts_card' AND EXISTS (
        SELECT 1 FROM ledger_gone g JOIN ledger_posting p ON p.card_id = g.id) THEN
        RAISE EXCEPTION 'a card with postings cannot be deleted' USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER ledger_account_posted AFTER DELETE ON accounts_account
    REFERENCING OLD TABLE AS ledger_gone FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_deleting_posted();
CREATE TRIGGER ledger_card_posted AFTER DELETE ON accounts_card
    REFERENCING OLD TABLE AS ledger_gone FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_deleting_posted();
"""

REVERSE = """
DROP TRIGGER IF EXISTS ledger_posting_references ON ledger_posting;
DROP TRIGGER IF EXISTS ledger_account_posted ON accounts_account;
DROP TRIGGER IF EXISTS ledger_card_posted ON accounts_card;
DROP FUNCTION IF EXISTS ledger_posting_references_exist();
DROP FUNCTION IF EXISTS ledger_refuse_deleting_posted();
"""


class OnPostgreSQL(migrations.operations.base.Operation):
    """The wrapped schema change on PostgreSQL only; the model state changes everywhere. SQLite keeps
    its foreign keys (its per-row checks are cheap there, and it cannot remake a self-referencing
    table with rows in it backwards)."""

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
        ('accounts', '0015_merged_choices'),
        ('ledger', '0007_posting_is_the_double_entry'),
    ]

    operations = [
        OnPostgreSQL(migrations.AlterField(
            model_name='posting',
            name='account',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='postings', to='accounts.account', verbose_name='account'),
        )),
        OnPostgreSQL(migrations.AlterField(
            model_name='posting',
            name='card',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='postings', to='accounts.card', verbose_name='card'),
        )),
        OnPostgreSQL(migrations.AlterField(
            model_name='posting',
            name='related',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, help_text='The charge a fee belongs to, or the posting a reversal reverses.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='dependents', to='ledger.posting', verbose_name='related posting'),
        )),
        migrations.RunPython(forward, reverse),
    ]
