import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0009_programme_rules'),
        ('fees', '0005_collection_costs'),
    ]

    operations = [
        migrations.AddField(
            model_name='reminder',
            name='notice',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='reminder', to='accounts.notice', verbose_name='reminder letter'),
        ),
    ]
