"""What the PA's webhook pages read (SPEC section 16): a company's endpoints and an endpoint's attempts,
each a fixed number of queries."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Company
from events.models import WebhookAttempt, WebhookEndpoint

ATTEMPTS_SHOWN = 100


def company_webhook_endpoints(company: Company) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(company=company).order_by("revoked_at", "-created_at", "-pk")


def company_webhook_endpoint_or_404(company: Company, pk: int) -> WebhookEndpoint:
    return get_object_or_404(WebhookEndpoint.objects.select_related("company"), company=company, pk=pk)


def endpoint_attempts(endpoint: WebhookEndpoint) -> list[WebhookAttempt]:
    return list(endpoint.attempts.select_related("event").order_by("-attempted_at", "-pk")[:ATTEMPTS_SHOWN])
