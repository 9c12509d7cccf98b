"""The PA's webhook pages (SPEC section 16, issue 18 item 7): add an endpoint and see its secret once, revoke,
re-key with overlap, see the delivery attempts and send one event again; another company's PA sees nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from events.models import Event, WebhookAttempt, WebhookEndpoint
from events.services import event_record, events_sequence
from events.webhooks import webhook_endpoint_create

pytestmark = pytest.mark.django_db

CLOSED_PORT = "http://127.0.0.1:9/hooks"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_issue18_item7_a_pa_adds_an_endpoint_and_sees_its_secret_once(alice, company_a):
    client = signed_in(alice)
    url = reverse("portal:company_webhooks", kwargs={"number": company_a.number})
    assert "Webhooks" in client.get(reverse("portal:company_detail", kwargs={"number": company_a.number})).text
    added = client.post(url, {"url": "https://erp.example.com/hooks", "description": "ERP"})
    endpoint = WebhookEndpoint.objects.get(company=company_a)
    assert added.status_code == 200 and endpoint.secret in added.text
    listing = client.get(url)
    assert "https://erp.example.com/hooks" in listing.text and endpoint.secret not in listing.text
    detail = client.get(reverse("portal:company_webhook_detail", kwargs={"number": company_a.number,
                                                                         "pk": endpoint.pk}))
    assert endpoint.secret not in detail.text


def test_issue18_item7_a_bad_url_is_shown_on_the_form(alice, company_a, settings):
    settings.WEBHOOKS_ALLOW_LOCAL = False
    response = signed_in(alice).post(reverse("portal:company_webhooks", kwargs={"number": company_a.number}),
                                     {"url": "https://192.168.1.10/hooks"})
    assert response.status_code == 400 and "public host" in response.text
    assert not WebhookEndpoint.objects.exists()


def test_issue18_item7_a_pa_rotates_revokes_and_replays(alice, company_a):
    endpoint = webhook_endpoint_create(company=company_a, url=CLOSED_PORT, by="test", at=timezone.now())
    old = endpoint.secret
    client = signed_in(alice)
    kwargs = {"number": company_a.number, "pk": endpoint.pk}
    rotated = client.post(reverse("portal:company_webhook_rotate", kwargs=kwargs), {"overlap_hours": "12"})
    endpoint.refresh_from_db()
    assert rotated.status_code == 200 and endpoint.secret in rotated.text and endpoint.secret != old
    assert endpoint.previous_secret == old
    event_record(company_id=company_a.pk, type="notice.created", data={"n": 1})
    events_sequence(company_id=company_a.pk)
    first = WebhookAttempt.objects.create(endpoint=endpoint, event=Event.objects.get(company=company_a, seq=1),
                                          attempted_at=endpoint.created_at, status_code=500)
    replayed = client.post(reverse("portal:company_webhook_replay", kwargs={**kwargs, "attempt_id": first.pk}))
    assert replayed.status_code == 302
    page = client.get(reverse("portal:company_webhook_detail", kwargs=kwargs)).text
    assert "HTTP 500" in page and "Connection" in page  # the replay's attempt: nobody listens on port 9
    assert WebhookAttempt.objects.filter(endpoint=endpoint, replay=True, replayed_by="user:alice").count() == 1
    revoked = client.post(reverse("portal:company_webhook_revoke", kwargs=kwargs))
    assert revoked.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.revoked_at is not None


def test_issue18_item7_another_company_sees_nothing(alice, carol, company_a):
    endpoint = webhook_endpoint_create(company=company_a, url=CLOSED_PORT, by="test", at=timezone.now())
    client = signed_in(carol)
    kwargs = {"number": company_a.number, "pk": endpoint.pk}
    assert client.get(reverse("portal:company_webhook_detail", kwargs=kwargs)).status_code == 404
    assert client.post(reverse("portal:company_webhook_revoke", kwargs=kwargs)).status_code == 404
    endpoint.refresh_from_db()
    assert endpoint.revoked_at is None
