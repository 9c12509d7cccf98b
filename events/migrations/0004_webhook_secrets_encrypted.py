"""Webhook signing secrets encrypted at rest under FIELD_ENCRYPTION_KEY (amexprog.common.encryption;
SPEC section 17): the column becomes text (a Fernet token is longer than the secret), and the rows
written in clear before are encrypted in place (reversed: decrypted)."""

from django.db import migrations

import amexprog.common.encryption

COLUMNS = ("secret", "previous_secret")


def encrypt_rows(apps, schema_editor):
    table = apps.get_model("events", "WebhookEndpoint")._meta.db_table
    amexprog.common.encryption.encrypt_column_rows(connection=schema_editor.connection, table=table, columns=COLUMNS)


def decrypt_rows(apps, schema_editor):
    table = apps.get_model("events", "WebhookEndpoint")._meta.db_table
    amexprog.common.encryption.encrypt_column_rows(connection=schema_editor.connection, table=table, columns=COLUMNS,
                                                   decrypt=True)


class Migration(migrations.Migration):

    dependencies = [
        ('events', '0003_event_batch_object_ids'),
    ]

    operations = [
        migrations.AlterField(
            model_name='webhookendpoint',
            name='previous_secret',
            field=amexprog.common.encryption.EncryptedTextField(blank=True, editable=False, verbose_name='previous signing secret'),
        ),
        migrations.AlterField(
            model_name='webhookendpoint',
            name='secret',
            field=amexprog.common.encryption.EncryptedTextField(editable=False, verbose_name='signing secret'),
        ),
        migrations.RunPython(encrypt_rows, decrypt_rows),
    ]
