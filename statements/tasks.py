from __future__ import annotations

import datetime as dt

from celery import shared_task

from amexprog.common.fanout import chunk_completed
from statements.services import statements_generate


@shared_task(acks_late=True, reject_on_worker_lost=True)
def statements_chunk(day: str, step: str, chunk_run_id: int, account_ids: list[int]) -> int:
    """One chunk of a statement day; safe to run twice (existing statements are skipped)."""
    on = dt.date.fromisoformat(day)
    count = statements_generate(on=on, account_ids=account_ids)
    chunk_completed(chunk_run_id=chunk_run_id, count=count)
    return count
