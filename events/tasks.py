"""Celery tasks for webhooks (SPEC section 16): ids in, services called, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from events.delivery import webhook_endpoint_deliver, webhook_endpoints_due, webhook_event_replay
from events.models import Event, WebhookEndpoint


@shared_task(acks_late=True)
def webhooks_dispatch(company_id: int | None = None) -> int:
    """Fan out: one delivery task per endpoint with events waiting (the beat runs this every few seconds)."""
    endpoint_ids = webhook_endpoints_due(company_id=company_id)
    for endpoint_id in endpoint_ids:
        webhook_endpoint_deliver_task.delay(endpoint_id)
    return len(endpoint_ids)


@shared_task(acks_late=True)
def webhook_endpoint_deliver_task(endpoint_id: int) -> int:
    return webhook_endpoint_deliver(endpoint_id=endpoint_id)


@shared_task(acks_late=True)
def webhook_event_replay_task(endpoint_id: int, event_id: int, by: str) -> int:
    endpoint = WebhookEndpoint.objects.select_related("company").get(pk=endpoint_id)
    event = Event.objects.get(pk=event_id, company_id=endpoint.company_id)
    return webhook_event_replay(endpoint=endpoint, event=event, by=by).pk
