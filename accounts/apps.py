from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Companies, cardmembers and cards")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from accounts import schema, steps  # noqa: F401  (the OpenAPI auth extension; the card lifecycle step)
        from accounts.roles import ensure_ops_groups
        from accounts.rules import ensure_default_programme_rules

        post_migrate.connect(ensure_default_programme_rules, sender=self)
        post_migrate.connect(ensure_ops_groups, sender=self)
