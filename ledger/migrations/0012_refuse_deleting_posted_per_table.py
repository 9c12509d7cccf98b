"""Deleting an account with no postings failed on PostgreSQL with "column g.account_id does not exist".

0010's `ledger_refuse_deleting_posted` tested `TG_TABLE_NAME = 'accounts_card' AND EXISTS (… g.account_id …)`
as one expression, which PL/pgSQL plans whole: on an account's deleted rows (no `account_id` column) the
card's query fails to plan. Each table's check is now in its own branch, so only the query for the table
being deleted from is planned; the refusals and their messages are unchanged (issue 17 item 4).
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION ledger_refuse_deleting_posted() RETURNS trigger AS $$
BEGIN
    IF TG_TABLE_NAME = 'accounts_account' THEN
        IF EXISTS (SELECT 1 FROM ledger_gone g JOIN ledger_posting p ON p.account_id = g.id) THEN
            RAISE EXCEPTION 'an account with postings cannot be deleted' USING ERRCODE = 'foreign_key_violation';
        END IF;
    ELSIF TG_TABLE_NAME = 'accounts_card' THEN
        -- A card's postings are on its account: found through the account's index (the card has none).
        IF EXISTS (SELECT 1 FROM ledger_gone g
                     JOIN ledger_posting p ON p.account_id = g.account_id AND p.card_id = g.id) THEN
            RAISE EXCEPTION 'a card with postings cannot be deleted' USING ERRCODE = 'foreign_key_violation';
        END IF;
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
"""

# 0010's function, as it was.
REVERSE = """
CREATE OR REPLACE FUNCTION ledger_refuse_deleting_posted() RETURNS trigger AS $$
BEGIN
    IF TG_TABLE_NAME = 'accounts_account' AND EXISTS (
        SELECT 1 FROM ledger_gone g JOIN ledger_posting p ON p.account_id = g.id) THEN
        RAISE EXCEPTION 'an account with postings cannot be deleted' USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF TG_TABLE_NAME = 'accounts_card' AND EXISTS (
        SELECT 1 FROM ledger_gone g JOIN ledger_posting p ON p.account_id = g.account_id AND p.card_id = g.id) THEN
        RAISE EXCEPTION 'a card with postings cannot be deleted' USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REVERSE, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0011_posting_source_key_byte_order")]

    operations = [migrations.RunPython(forward, reverse, elidable=False)]
