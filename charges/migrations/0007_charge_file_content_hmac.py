"""A charge file is recognised by a keyed HMAC of its content, not its SHA-256 (issue 15 item 7).

The unkeyed SHA-256 of files already loaded cannot be turned into an HMAC (the files are gone), and
kept it would let a one-row file's card number be guessed: it is erased (NULL). Loading such a file
again is still refused, row by row (a transaction id is never posted twice).
"""

from django.db import migrations, models


def erase_unkeyed_hashes(apps, schema_editor):
    apps.get_model("charges", "ChargeFile").objects.update(content_hmac=None)


def placeholder_hashes(apps, schema_editor):
    # Going back: the old column is NOT NULL UNIQUE; the erased hashes do not come back.
    ChargeFile = apps.get_model("charges", "ChargeFile")
    for pk in ChargeFile.objects.filter(content_hmac__isnull=True).values_list("pk", flat=True):
        ChargeFile.objects.filter(pk=pk).update(content_hmac=f"erased-{pk}")


class Migration(migrations.Migration):

    dependencies = [
        ("charges", "0006_company_hold_totals"),
    ]

    operations = [
        migrations.RenameField(model_name="chargefile", old_name="sha256", new_name="content_hmac"),
        migrations.AlterField(
            model_name="chargefile",
            name="content_hmac",
            field=models.CharField(blank=True, max_length=64, null=True, unique=True,
                                   verbose_name="HMAC of the content"),
        ),
        migrations.RunPython(erase_unkeyed_hashes, placeholder_hashes),
    ]
