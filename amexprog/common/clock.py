"""The only place that reads the wall clock. Domain code takes dates explicitly (`on=`)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def today() -> dt.date:
    return timezone.localdate()


def now() -> dt.datetime:
    return timezone.now()
