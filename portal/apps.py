from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from portal.session_limits import session_limits_start

        user_logged_in.connect(session_limits_start, dispatch_uid="portal.session_limits")
