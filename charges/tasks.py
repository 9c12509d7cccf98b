"""Celery: the ECB's daily reference rates (SPEC section 6)."""

from __future__ import annotations

import io
import urllib.request
import zipfile

from celery import shared_task
from django.conf import settings

from charges.services import fx_rates_load

FETCH_TIMEOUT_SECONDS = 60


def ecb_daily_file(url: str) -> io.BytesIO:
    """The day's `eurofxref.csv`, from the ECB's zip (or a plain CSV at a configured URL)."""
    with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310 — URL from settings
        body = response.read()
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            name = next(n for n in archive.namelist() if n.lower().endswith(".csv"))
            body = archive.read(name)
    return io.BytesIO(body)


@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=(OSError,), retry_backoff=300,
             max_retries=12)
def fx_rates_fetch_daily(url: str | None = None) -> str:
    """Fetch and load the ECB daily file; loading it twice adds nothing, so retries are safe."""
    result = fx_rates_load(source=ecb_daily_file(url or settings.ECB_DAILY_RATES_URL))
    return f"{result.days} day(s), {result.created} rate(s) created, {result.unchanged} unchanged"
