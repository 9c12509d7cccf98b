from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "disputes"
    verbose_name = _("Disputes, unauthorized use and refund requests")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from disputes import steps  # noqa: F401  (registers the daily step)
        from disputes.rules import ensure_default_rules

        post_migrate.connect(ensure_default_rules, sender=self)
