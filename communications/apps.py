from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunicationsConfig(AppConfig):
    name = "communications"
    verbose_name = _("Notices and their delivery")

    def ready(self) -> None:
        from communications import steps  # noqa: F401  (registers the daily sending step)
