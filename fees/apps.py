from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeesConfig(AppConfig):
    name = "fees"
    verbose_name = _("Fees and interest")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from fees.defaults import ensure_default_schedules

        post_migrate.connect(ensure_default_schedules, sender=self)
