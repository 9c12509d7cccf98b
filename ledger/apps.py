from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "ledger"
    verbose_name = _("Ledger")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from ledger.chart import ensure_chart, ensure_sqlite_guards

        post_migrate.connect(ensure_chart, sender=self)
        post_migrate.connect(ensure_sqlite_guards, sender=self)
