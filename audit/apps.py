from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail and data protection")

    def ready(self) -> None:
        from audit import context, steps  # noqa: F401  (command and task context; the pseudonymisation step)

        context.connect()
        post_migrate.connect(_install_triggers, sender=self)


def _install_triggers(using: str, plan=None, **kwargs) -> None:
    """Install the audit triggers after `migrate` (PostgreSQL only; pgtrigger skips other databases).

    Not after `flush`, which sends the same signal without a plan: truncating tables keeps triggers,
    and reinstalling them there would slow every transactional test down.
    """
    from django.db import connections

    if plan is not None and connections[using].vendor == "postgresql":
        import pgtrigger

        pgtrigger.install(database=using)
