"""Issue 17: what the bulk paths (charge import, statement day) pay per posting, trimmed.

- The index on every posting's (kind, posting_date) becomes a partial index on payments only: nothing
  looks postings up by kind across accounts except a day's returned payments and a payment's postings.
- The card's own index goes (PostgreSQL): a card's postings are its account's, so look-ups by card go
  through the (account_id, posting_date) index with the card's account; the trigger refusing to delete a
  card with postings looks them up the same way. SQLite keeps its index and foreign keys (not a bulk path;
  remaking the table there would drop them, see 0008).
- The per-statement reference check of 0008 looks up each distinct account, card and related posting of
  the statement once (a file of 300,000 postings names about 10,000 accounts), and a related posting
  inserted by the same statement is found among the statement's own rows, not in the ledger's index.
  Same guarantee, same errors: a bad reference still fails the statement, so the whole file.
"""

import django.db.models.deletion
from django.db import migrations, models


FORWARD = """
CREATE OR REPLACE FUNCTION ledger_posting_references_exist() RETURNS trigger AS $$
DECLARE
    bad text;
BEGIN
    IF EXISTS (SELECT 1 FROM (SELECT DISTINCT account_id FROM ledger_new_postings) d
                WHERE NOT EXISTS (SELECT 1 FROM accounts_account a WHERE a.id = d.account_id)) THEN
        SELECT n.source_key INTO bad FROM ledger_new_postings n
         WHERE NOT EXISTS (SELECT 1 FROM accounts_account a WHERE a.id = n.account_id) LIMIT 1;
        RAISE EXCEPTION 'posting % names an account that does not exist', bad USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM (SELECT DISTINCT card_id FROM ledger_new_postings WHERE card_id IS NOT NULL) d
                WHERE NOT EXISTS (SELECT 1 FROM accounts_card c WHERE c.id = d.card_id)) THEN
        SELECT n.source_key INTO bad FROM ledger_new_postings n
         WHERE n.card_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM accounts_card c WHERE c.id = n.card_id) LIMIT 1;
        RAISE EXCEPTION 'posting % names a card that does not exist', bad USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM (SELECT DISTINCT related_id FROM ledger_new_postings WHERE related_id IS NOT NULL) d
                WHERE NOT EXISTS (SELECT 1 FROM ledger_new_postings m WHERE m.id = d.related_id)
                  AND NOT EXISTS (SELECT 1 FROM ledger_posting p WHERE p.id = d.related_id)) THEN
        SELECT n.source_key INTO bad FROM ledger_new_postings n
         WHERE n.related_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ledger_posting p WHERE p.id = n.related_id)
         LIMIT 1;
        RAISE EXCEPTION 'posting % relates to a posting that does not exist', bad
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION ledger_refuse_deleting_posted() RETURNS trigger AS $$
BEGIN
    IF TG_TABLE_NAME = 'accounts_account' AND EXISTS (
        SELECT 1 FROM ledger_gone g JOIN ledger_posting p ON p.account_id = g.id) THEN
        RAISE EXCEPTION 'an account with postings cannot be deleted' USING ERRCODE = 'foreign_key_violation';
    END IF;
    -- A card's postings are on its account: found through the account's index (the card has none).
    IF TG_TABLE_NAME = 'accounts_card' AND EXISTS (
        SELECT 1 FROM ledger_gone g JOIN ledger_posting p ON p.account_id = g.account_id AND p.card_id = g.id) THEN
        RAISE EXCEPTION 'a card with postings cannot be deleted' USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
"""

# 0008's functions, as they were.
REVERSE = """
CREATE OR REPLACE FUNCTION ledger_posting_references_exist() RETURNS trigger AS $$
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

CREATE OR REPLACE FUNCTION ledger_refuse_deleting_posted() RETURNS trigger AS $$
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
"""


class OnPostgreSQL(migrations.operations.base.Operation):
    """The wrapped schema change on PostgreSQL only; the model state changes everywhere (as in 0008)."""

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
        ('ledger', '0009_created_at_updated_at_for_sync'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='posting',
            name='ledger_post_kind_0b4fa9_idx',
        ),
        OnPostgreSQL(migrations.AlterField(
            model_name='posting',
            name='card',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='postings', to='accounts.card', verbose_name='card'),
        )),
        migrations.AddIndex(
            model_name='posting',
            index=models.Index(condition=models.Q(('kind__in', ['payment', 'payment_return'])), fields=['kind', 'posting_date'], name='posting_payment_kind_idx'),
        ),
        migrations.RunPython(forward, reverse),
    ]
