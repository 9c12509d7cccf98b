"""Idempotency records hold an HMAC of the request, not its SHA-256 (issue 15 item 7).

Existing records carry an unkeyed SHA-256 of bodies that may hold a card number; it cannot be turned
into an HMAC, so it is erased. Such a record is still replayed for its key until it is purged after
IDEMPOTENCY_TTL_HOURS (a retry never runs twice), only the 409 for a different body is lost for it.
"""

from django.db import migrations, models


def erase_unkeyed_hashes(apps, schema_editor):
    apps.get_model("common", "IdempotencyRecord").objects.update(request_hash="")


class Migration(migrations.Migration):

    dependencies = [
        ("common", "0002_chunkrun"),
    ]

    operations = [
        migrations.AlterField(
            model_name="idempotencyrecord",
            name="request_hash",
            field=models.CharField(blank=True, max_length=64, verbose_name="request HMAC"),
        ),
        migrations.RunPython(erase_unkeyed_hashes, migrations.RunPython.noop),
    ]
