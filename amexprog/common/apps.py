from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    name = "amexprog.common"
    label = "common"
    verbose_name = _("Business date and jobs")

    def ready(self) -> None:
        from amexprog.common import steps  # noqa: F401  (the idempotency records' retention step)

        # settings.LOGGING puts the card-number mask on its own handlers; Django's default ones (the
        # `django` logger's console and mail_admins handlers, which do not all reach the root) get it
        # here (SPEC section 17, issue 15 item 12).
        from amexprog.common.logging import pan_masking_install

        pan_masking_install()

        # Unknown body fields and query parameters are a 400 naming them, on every API view and
        # serializer (SPEC section 16, issue 18 item 1).
        from amexprog.common.strict import strict_input_install

        strict_input_install()

        # `updated_at` moves on update(), bulk_update() and save(update_fields=...) too (SPEC section 16,
        # issue 18 item 6): what `updated_after` finds.
        from amexprog.common.timestamps import timestamps_install

        timestamps_install()
