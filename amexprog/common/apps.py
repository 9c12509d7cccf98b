from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    name = "amexprog.common"
    label = "common"
    verbose_name = _("Business date and jobs")

    def ready(self) -> None:
        from amexprog.common import steps  # noqa: F401  (the idempotency records' retention step)
