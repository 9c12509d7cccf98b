from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RewardsConfig(AppConfig):
    name = "rewards"
    verbose_name = _("SAS EuroBonus")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from rewards import steps, verification  # noqa: F401  (registers the cycle steps and ledger checks)
        from rewards.defaults import ensure_default_points_rules

        post_migrate.connect(ensure_default_points_rules, sender=self)
