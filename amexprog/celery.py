import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amexprog.settings.production")

app = Celery("amexprog")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.after_setup_logger.connect
@signals.after_setup_task_logger.connect
def _mask_card_numbers_in_worker_logs(**kwargs) -> None:
    """A worker replaces the root logger's handlers with its own and gives `celery.task` handlers that do
    not propagate: each of them gets the card-number mask too (SPEC section 17, issue 15 item 12)."""
    from amexprog.common.logging import pan_masking_install

    pan_masking_install()
