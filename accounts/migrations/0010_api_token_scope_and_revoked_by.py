import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def network_tokens_get_the_network_scope(apps, schema_editor):
    """Existing company and ops tokens keep what they could do (read-write); network tokens are scoped
    to authorizations, which is all they could call before (issue 15 item 12)."""
    apps.get_model("accounts", "ApiToken").objects.filter(kind="network").update(scope="network")


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0009_programme_rules'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='apitoken',
            name='revoked_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='revoked by'),
        ),
        migrations.AddField(
            model_name='apitoken',
            name='scope',
            field=models.CharField(choices=[('read-only', 'Read-only'), ('read-write', 'Read-write'), ('network', 'Network (authorizations only)')], default='read-write', max_length=16, verbose_name='scope'),
        ),
        migrations.RunPython(network_tokens_get_the_network_scope, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='apitoken',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'network'), ('scope', 'network')), models.Q(models.Q(('kind', 'network'), _negated=True), ('scope__in', ['read-only', 'read-write'])), _connector='OR'), name='api_token_network_scope_iff_network_kind'),
        ),
    ]
