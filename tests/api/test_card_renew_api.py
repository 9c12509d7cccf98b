"""POST /api/v1/cards/{id}/renew/ (terms §31): what the admin's "renew now" action does, for ops only."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from accounts.models import AuditEntry, Card
from tests.conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_day(settings, tmp_path):
    settings.EMBOSSING_DIR = str(tmp_path / "embossing")
    with time_machine.travel(dt.datetime(2026, 3, 11, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def test_ops_renew_a_card_and_nobody_else_may(tokens, bob_card, client, alice, bob):
    url = f"/api/v1/cards/{bob_card.card.pk}/renew/"
    refused = token_client(tokens.a).post(url)
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    assert token_client(tokens.b).post(url).status_code == 404
    for user in (alice, bob):
        client.force_login(user)
        assert client.post(url).status_code == 403
    assert Card.objects.count() == 1

    renewed = token_client(tokens.ops).post(url)
    assert renewed.status_code == 200, renewed.json()
    body = renewed.json()
    assert body["card"]["id"] == bob_card.card.pk and body["replacement"]["id"] != bob_card.card.pk
    assert bob_card.pan not in str(body)
    assert AuditEntry.objects.filter(action=AuditEntry.Action.CARD_RENEWED).count() == 1
    again = token_client(tokens.ops).post(url)
    assert (again.status_code, again.json()["code"]) == (409, "card_already_replaced")
