from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChargesConfig(AppConfig):
    name = "charges"
    verbose_name = _("Charges, FX rates and payments")

    def ready(self) -> None:
        from charges import exposure, steps  # noqa: F401  (the exposure posting guard; the hold expiry step)
