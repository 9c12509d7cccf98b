"""Celery: emailing notices (SPEC section 15). Safe to run twice: a sent notice is skipped."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from communications.services import notice_send, notices_send


@shared_task(acks_late=True, reject_on_worker_lost=True)
def notice_send_task(notice_id: int) -> int:
    return notice_send(notice_id=notice_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def notices_send_task(on: str) -> int:
    return notices_send(on=dt.date.fromisoformat(on))
