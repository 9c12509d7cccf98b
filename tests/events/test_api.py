"""GET /api/v1/events and /api/v1/webhook-endpoints/ (SPEC section 16, issue 18 item 7)."""

from __future__ import annotations

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from accounts.services import api_token_create
from events.models import WebhookAttempt, WebhookEndpoint
from events.services import event_record
from tests.accounts.factories import UserFactory
from tests.conftest import token_client

pytestmark = pytest.mark.django_db

CLOSED_PORT = "http://127.0.0.1:9/hooks"  # the discard port: nothing listens, the connection is refused


@pytest.fixture
def a_events(company_a, company_b):
    for n in range(5):
        event_record(company_id=company_a.pk, type="card.status_changed" if n % 2 else "notice.created",
                     data={"n": n})
    event_record(company_id=company_b.pk, type="notice.created", data={"n": "b"})


def test_issue18_item7_events_are_read_after_a_number_a_page_at_a_time(tokens, a_events):
    client = token_client(tokens.a)
    first = client.get("/api/v1/events?limit=2").json()
    assert [e["id"] for e in first["data"]] == [1, 2] and first["has_more"] is True and first["next_after"] == 2
    assert first["data"][0] == {"id": 1, "type": "notice.created", "created_at": first["data"][0]["created_at"],
                                "data": {"n": 0}}
    rest = client.get(f"/api/v1/events?after={first['next_after']}&limit=10").json()
    assert [e["id"] for e in rest["data"]] == [3, 4, 5] and rest["has_more"] is False and rest["next_after"] == 5
    assert client.get("/api/v1/events/?after=5").json()["data"] == []  # both forms of the route
    typed = client.get("/api/v1/events?type=card.status_changed").json()
    assert [e["id"] for e in typed["data"]] == [2, 4]


def test_issue18_item7_events_are_the_callers_company_only(tokens, a_events, alice, carol, bob):
    assert [e["data"]["n"] for e in token_client(tokens.b).get("/api/v1/events").json()["data"]] == ["b"]
    assert token_client(tokens.b).get("/api/v1/events?company=10001").status_code == 404
    pa = APIClient()
    pa.force_login(alice)
    assert len(pa.get("/api/v1/events").json()["data"]) == 5
    holder = APIClient()
    holder.force_login(bob)
    assert holder.get("/api/v1/events").json()["data"] == []  # a cardmember reads no company's events


def test_issue18_item7_events_refuse_unknown_parameters_and_bad_values(tokens, a_events):
    client = token_client(tokens.a)
    unknown = client.get("/api/v1/events?aftr=3")
    assert unknown.status_code == 400 and "aftr" in unknown.json()["fields"]
    assert client.get("/api/v1/events?after=-1").status_code == 400
    assert client.get("/api/v1/events?type=card.exploded").status_code == 400


def test_issue18_item7_ops_name_the_company(tokens, a_events):
    ops = token_client(tokens.ops)
    response = ops.get("/api/v1/events")
    assert response.status_code == 400 and response.json()["code"] == "company_required"
    assert len(ops.get("/api/v1/events?company=10001").json()["data"]) == 5


def test_issue18_item7_a_company_registers_lists_rotates_and_revokes_an_endpoint(tokens, company_a):
    client = token_client(tokens.a)
    created = client.post("/api/v1/webhook-endpoints/", {"url": "https://erp.example.com/hooks",
                                                          "description": "ERP"}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["secret"].startswith("whsec_") and body["company_number"] == company_a.number and body["active"]
    listed = client.get("/api/v1/webhook-endpoints/").json()["results"]
    assert [e["url"] for e in listed] == ["https://erp.example.com/hooks"] and "secret" not in listed[0]
    rotated = client.post(f"/api/v1/webhook-endpoints/{body['id']}/rotate-secret/", {"overlap_hours": 2},
                          format="json").json()
    assert rotated["secret"] != body["secret"] and rotated["previous_secret_expires_at"]
    endpoint = WebhookEndpoint.objects.get(pk=body["id"])
    assert endpoint.previous_secret == body["secret"]
    revoked = client.post(f"/api/v1/webhook-endpoints/{body['id']}/revoke/", format="json").json()
    assert revoked["active"] is False and revoked["revoked_at"]
    again = client.post(f"/api/v1/webhook-endpoints/{body['id']}/rotate-secret/", {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "endpoint_revoked"


def test_issue18_item7_outsiders_manage_no_endpoint(tokens, company_a, bob):
    endpoint = token_client(tokens.a).post("/api/v1/webhook-endpoints/", {"url": "https://erp.example.com/h"},
                                           format="json").json()
    read_only = api_token_create(name="ro", kind="company", company=company_a, scope="read-only")[1]
    assert token_client(read_only).post("/api/v1/webhook-endpoints/", {"url": "https://x.example.com/"},
                                        format="json").status_code == 403
    assert token_client(tokens.b).post(f"/api/v1/webhook-endpoints/{endpoint['id']}/revoke/",
                                       format="json").status_code == 404
    holder = APIClient()
    holder.force_login(bob)
    assert holder.post("/api/v1/webhook-endpoints/", {"url": "https://x.example.com/", "company_number": "10001"},
                       format="json").status_code == 404
    assert WebhookEndpoint.objects.filter(revoked_at__isnull=True).count() == 1


@override_settings(WEBHOOKS_ALLOW_LOCAL=False)
@pytest.mark.parametrize(("url", "code"), [
    ("http://erp.example.com/hooks", "url_not_https"),
    ("https://127.0.0.1/hooks", "url_not_public"),
    ("https://10.1.2.3/hooks", "url_not_public"),
    ("https://localhost:8443/hooks", "url_not_public"),
    ("https://[::1]/hooks", "url_not_public"),
])
def test_issue18_item7_production_sends_only_to_public_https_urls(tokens, company_a, url, code):
    response = token_client(tokens.a).post("/api/v1/webhook-endpoints/", {"url": url}, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == code and "url" in response.json()["fields"]


def test_issue18_item7_attempts_are_listed_and_an_event_is_replayed(tokens, company_a):
    client = token_client(tokens.a)
    endpoint = client.post("/api/v1/webhook-endpoints/", {"url": CLOSED_PORT}, format="json").json()
    event_record(company_id=company_a.pk, type="notice.created", data={"n": 1})
    replayed = client.post(f"/api/v1/webhook-endpoints/{endpoint['id']}/replay/", {"event_id": 1}, format="json")
    assert replayed.status_code == 202, replayed.json()
    attempts = client.get(f"/api/v1/webhook-endpoints/{endpoint['id']}/attempts/").json()["results"]
    assert len(attempts) == 1 and attempts[0]["event_id"] == 1 and attempts[0]["replay"] is True
    assert attempts[0]["succeeded"] is False and "Connection" in attempts[0]["error"]
    missing = client.post(f"/api/v1/webhook-endpoints/{endpoint['id']}/replay/", {"event_id": 99}, format="json")
    assert missing.status_code == 404 and missing.json()["code"] == "event_not_found"
    # Ops replay with the permission; the view-only role may read attempts but not send.
    viewer = UserFactory(username="viewer", is_staff=True)
    from django.contrib.auth.models import Group

    from accounts.roles import VIEWER

    viewer.groups.add(Group.objects.get(name=VIEWER))
    ops = APIClient()
    ops.force_login(viewer)
    assert ops.get(f"/api/v1/webhook-endpoints/{endpoint['id']}/attempts/").status_code == 200
    assert ops.post(f"/api/v1/webhook-endpoints/{endpoint['id']}/replay/", {"event_id": 1},
                    format="json").status_code == 403
    assert WebhookAttempt.objects.count() == 1
