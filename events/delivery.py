"""Delivering a company's events to its endpoints (SPEC section 16): signed, at least once, in order per
company, retried with exponential back-off for 3 days, every attempt stored.

One endpoint is worked by one worker at a time (its row is locked, others skip it). Each event is sent
inside the transaction that records the attempt and moves the endpoint on: a worker killed after the
receiver answered but before the commit leaves the endpoint where it was, and the next run sends the
same event again (at least once; receivers de-duplicate on the event id). An endpoint's next event waits
until the previous one is delivered or given up, so events arrive in the order they are numbered.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import requests
from django.db import transaction

from amexprog.common import clock
from events.models import Event, WebhookAttempt, WebhookEndpoint
from events.payloads import events_hydrate
from events.services import events_sequence
from events.signing import SIGNATURE_HEADER, signature_header
from events.webhooks import secrets_in_force

RETRY_FOR = dt.timedelta(days=3)
FIRST_RETRY = dt.timedelta(seconds=30)
LONGEST_WAIT = dt.timedelta(hours=6)
TIMEOUT_SECONDS = 10
USER_AGENT = "amexprog-webhooks/1"
NOT_DELIVERED_REDIRECT = "The receiver answered with a redirect; webhooks are not redirected."


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def event_body(event: Event, company_number: str) -> bytes:
    """What the receiver gets: the event's number per company as `id`, its type, when it happened and the
    object after the change (the same as GET /api/v1/events shows)."""
    return json.dumps({"id": event.seq, "type": event.type, "created_at": event.created_at.isoformat(),
                       "company_number": company_number, "data": event.data},
                      separators=(",", ":"), sort_keys=True).encode()


def webhook_send(*, endpoint: WebhookEndpoint, event: Event, at: dt.datetime) -> Outcome:
    """POST the event, signed with the secrets in force; never follows a redirect."""
    events_hydrate([event])
    body = event_body(event, endpoint.company.number)
    timestamp = int(at.timestamp())
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
               SIGNATURE_HEADER: signature_header(secrets_in_force=secrets_in_force(endpoint, at),
                                                  timestamp=timestamp, body=body),
               "Amexprog-Event-Id": str(event.seq), "Amexprog-Event-Type": event.type}
    try:
        response = requests.post(endpoint.url, data=body, headers=headers, timeout=TIMEOUT_SECONDS,
                                 allow_redirects=False)
    except requests.RequestException as exc:
        return Outcome(None, f"{type(exc).__name__}: {exc}"[:300])
    if 300 <= response.status_code < 400:
        return Outcome(response.status_code, NOT_DELIVERED_REDIRECT)
    return Outcome(response.status_code, "")


def retry_wait(failures: int) -> dt.timedelta:
    """Exponential back-off (SPEC section 16): 30 s, 1 min, 2 min, … doubling up to 6 hours between tries."""
    return min(FIRST_RETRY * (2 ** max(failures - 1, 0)), LONGEST_WAIT)


def _after_send(endpoint: WebhookEndpoint, event: Event, outcome: Outcome) -> None:
    """Between the receiver's answer and the record of it. Nothing happens here; the tests put a
    worker's death here to show the event is sent again."""


def _deliver_next(endpoint_id: int) -> bool:
    """Send the endpoint's next event if it is due; True when the endpoint moved on to the next event."""
    with transaction.atomic():
        endpoint = (WebhookEndpoint.objects.select_for_update(skip_locked=True).select_related("company")
                    .filter(pk=endpoint_id, revoked_at__isnull=True).first())
        if endpoint is None:  # revoked, or another worker is delivering to it
            return False
        now = clock.now()
        if endpoint.next_attempt_at is not None and endpoint.next_attempt_at > now:
            return False
        event = (Event.objects.filter(company_id=endpoint.company_id, seq__gt=endpoint.delivered_through)
                 .order_by("seq").first())
        if event is None:
            return False
        outcome = webhook_send(endpoint=endpoint, event=event, at=now)
        _after_send(endpoint, event, outcome)
        failing_since = endpoint.failing_since or now
        gave_up = not outcome.delivered and now - failing_since >= RETRY_FOR
        WebhookAttempt.objects.create(endpoint=endpoint, event=event, attempted_at=now,
                                      status_code=outcome.status_code, error=outcome.error,
                                      succeeded=outcome.delivered, gave_up=gave_up)
        if outcome.delivered or gave_up:
            endpoint.delivered_through = event.seq
            endpoint.failures, endpoint.failing_since, endpoint.next_attempt_at = 0, None, None
        else:
            endpoint.failures += 1
            endpoint.failing_since = failing_since
            endpoint.next_attempt_at = now + retry_wait(endpoint.failures)
        endpoint.save(update_fields=["delivered_through", "failures", "failing_since", "next_attempt_at"])
        return outcome.delivered or gave_up


def webhook_endpoint_deliver(*, endpoint_id: int, limit: int = 1000) -> int:
    """Deliver the endpoint's waiting events in order until one fails or none is left (at most `limit`,
    so one busy endpoint does not hold a worker for ever; the next run goes on). Returns how many moved on."""
    company_id = WebhookEndpoint.objects.filter(pk=endpoint_id).values_list("company_id", flat=True).first()
    if company_id is None:
        return 0
    events_sequence(company_id=company_id)
    moved = 0
    while moved < limit and _deliver_next(endpoint_id):
        moved += 1
    return moved


def webhook_endpoints_due(*, company_id: int | None = None) -> list[int]:
    """Active endpoints whose wait, if any, is over (the dispatcher's work list)."""
    endpoints = WebhookEndpoint.objects.filter(revoked_at__isnull=True)
    if company_id is not None:
        endpoints = endpoints.filter(company_id=company_id)
    now = clock.now()
    return [pk for pk, wait in endpoints.values_list("pk", "next_attempt_at") if wait is None or wait <= now]


@transaction.atomic
def webhook_event_replay(*, endpoint: WebhookEndpoint, event: Event, by: str) -> WebhookAttempt:
    """Send one event again now, out of turn (SPEC section 16: replayable by the PA and ops), e.g. one
    given up after 3 days. It does not move the endpoint's place in the company's events."""
    now = clock.now()
    outcome = webhook_send(endpoint=endpoint, event=event, at=now)
    return WebhookAttempt.objects.create(endpoint=endpoint, event=event, attempted_at=now,
                                         status_code=outcome.status_code, error=outcome.error,
                                         succeeded=outcome.delivered, replay=True, replayed_by=by)
