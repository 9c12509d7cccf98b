from django.db import migrations, models


class Migration(migrations.Migration):
    """Issue 18 item 7: a bulk path's posting.created events as one outbox row per company and statement,
    expanded into numbered events by events_sequence (a nullable column: no table rewrite)."""

    dependencies = [
        ('events', '0002_webhook_endpoint_updated_at'),
    ]

    operations = [
        migrations.AddField(
            model_name='event',
            name='object_ids',
            field=models.JSONField(blank=True, null=True, verbose_name='object ids (a batch)'),
        ),
    ]
