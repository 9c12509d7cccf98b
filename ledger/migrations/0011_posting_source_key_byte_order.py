"""Issue 17: the posting's source key compared byte by byte on PostgreSQL (COLLATE "C").

Every posting inserts into the unique source-key index and every charge import looks up each of its
transaction ids there; under the database's locale collation each comparison goes through the C
library's strcoll. Source keys are ASCII identifiers ("charge/…", "fee_fx/…") that nothing sorts for
people, so byte order is the right order, and equality is unchanged. It also lets the index serve
prefix look-ups (`source_key LIKE 'payment/…/%'`). PostgreSQL only (SQLite compares bytes already);
the index is rebuilt, the table is not rewritten. The model does not name the collation, as SQLite
has no "C" collation: a later AlterField of source_key must keep this.
"""

from django.db import migrations

FORWARD = 'ALTER TABLE ledger_posting ALTER COLUMN source_key TYPE varchar(200) COLLATE "C"'
REVERSE = 'ALTER TABLE ledger_posting ALTER COLUMN source_key TYPE varchar(200) COLLATE "default"'


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REVERSE)


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0010_bulk_paths_pay_less'),
    ]

    operations = [
        migrations.RunPython(forward, reverse),
    ]
