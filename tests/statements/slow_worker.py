"""A real Celery worker for the integration test, with each statement chunk slowed down so the test
can kill it mid-cycle. Run as `python -m tests.statements.slow_worker QUEUE`."""

import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amexprog.settings.development")
django.setup()

from amexprog.celery import app  # noqa: E402
from statements import tasks  # noqa: E402

_generate = tasks.statements_generate


def _slow_generate(**kwargs):
    time.sleep(float(os.environ.get("CHUNK_DELAY_SECONDS", "0.5")))
    return _generate(**kwargs)


tasks.statements_generate = _slow_generate

if __name__ == "__main__":
    app.worker_main(["worker", "--pool=solo", "-Q", sys.argv[1], "--without-gossip", "--without-mingle",
                     "--without-heartbeat", "--loglevel=WARNING"])
