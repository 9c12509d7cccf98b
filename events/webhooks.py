"""Webhook endpoints a company registers (SPEC section 16): create, revoke, rotate the signing secret."""

from __future__ import annotations

import datetime as dt
import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Company
from amexprog.common.errors import ApplicationError
from events.models import WebhookEndpoint
from events.services import events_last_seq
from events.signing import webhook_secret_new

URL_NOT_HTTPS = _("A webhook URL must start with https://.")
URL_NOT_PUBLIC = _("A webhook URL must name a public host, not a local or private address.")
URL_INVALID = _("Enter a valid URL.")
ENDPOINT_REVOKED = _("This webhook endpoint is revoked.")
TOO_MANY_ENDPOINTS = _("A company may register at most {limit} webhook endpoints; revoke one first.")
OVERLAP_TOO_LONG = _("The old secret may stay valid for at most {hours} hours.")

MAX_ENDPOINTS = 10
MAX_OVERLAP_HOURS = 7 * 24
DEFAULT_OVERLAP_HOURS = 24


def webhook_url_check(url: str) -> str:
    """An endpoint is https on a public host (SPEC section 17: no requests from our workers into our own
    network). Development and test settings allow http and loopback (WEBHOOKS_ALLOW_LOCAL), for a receiver
    on the developer's machine."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ApplicationError(str(URL_INVALID), "invalid_url", {"field": "url"})
    if getattr(settings, "WEBHOOKS_ALLOW_LOCAL", False):
        return url
    if parts.scheme != "https":
        raise ApplicationError(str(URL_NOT_HTTPS), "url_not_https", {"field": "url"})
    host = parts.hostname.lower()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")) or (
            address is not None and not address.is_global):
        raise ApplicationError(str(URL_NOT_PUBLIC), "url_not_public", {"field": "url"})
    return url


@transaction.atomic
def webhook_endpoint_create(*, company: Company, url: str, description: str = "", by: str,
                            at: dt.datetime) -> WebhookEndpoint:
    """Register an endpoint for the company's events from now on (SPEC section 16); its secret is returned
    on the object and shown to the caller once. Earlier events stay readable at GET /api/v1/events."""
    webhook_url_check(url)
    Company.objects.select_for_update().filter(pk=company.pk).first()  # the limit below, one writer at a time
    if WebhookEndpoint.objects.filter(company=company, revoked_at__isnull=True).count() >= MAX_ENDPOINTS:
        message = str(TOO_MANY_ENDPOINTS).format(limit=MAX_ENDPOINTS)
        raise ApplicationError(message, "too_many_endpoints")
    return WebhookEndpoint.objects.create(
        company=company, url=url, description=description, secret=webhook_secret_new(), created_at=at,
        created_by=by, delivered_through=events_last_seq(company_id=company.pk))


@transaction.atomic
def webhook_endpoint_revoke(*, endpoint: WebhookEndpoint, by: str, at: dt.datetime) -> WebhookEndpoint:
    """Stop delivering to the endpoint for good (SPEC section 16); revoking twice changes nothing."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if endpoint.revoked_at is None:
        endpoint.revoked_at, endpoint.revoked_by = at, by
        endpoint.save(update_fields=["revoked_at", "revoked_by"])
    return endpoint


@transaction.atomic
def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint, at: dt.datetime,
                                   overlap_hours: int = DEFAULT_OVERLAP_HOURS) -> WebhookEndpoint:
    """A new signing secret (SPEC section 16: rotation with overlap): until `at + overlap_hours` every
    delivery carries a signature with the old secret beside the new one, so the receiver can switch
    without losing an event. The new secret is on the returned object, shown once."""
    if not 0 <= overlap_hours <= MAX_OVERLAP_HOURS:
        message = str(OVERLAP_TOO_LONG).format(hours=MAX_OVERLAP_HOURS)
        raise ApplicationError(message, "overlap_too_long", {"field": "overlap_hours"})
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if endpoint.revoked_at is not None:
        raise ApplicationError(str(ENDPOINT_REVOKED), "endpoint_revoked", status=409)
    endpoint.previous_secret = endpoint.secret if overlap_hours else ""
    endpoint.previous_secret_expires_at = at + dt.timedelta(hours=overlap_hours) if overlap_hours else None
    endpoint.secret = webhook_secret_new()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
    return endpoint


def secrets_in_force(endpoint: WebhookEndpoint, at: dt.datetime) -> list[str]:
    """The secrets a delivery at `at` is signed with: the current one, and the previous one until it lapses."""
    found = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_secret_expires_at and at < endpoint.previous_secret_expires_at:
        found.append(endpoint.previous_secret)
    return found
