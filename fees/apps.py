from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeesConfig(AppConfig):
    name = "fees"
    verbose_name = _("Fees and interest")
