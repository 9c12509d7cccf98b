"""Ops read the audit trail in the admin (SPEC section 1): each tracked object's change page links to
its history; the event lists are read-only and filter by object, label, date and user."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops_client(db):
    client = Client()
    client.force_login(UserFactory(username="ops", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", ["company", "cardmember", "account", "card"])
def test_each_change_page_links_to_the_objects_history(model, ops_client, bob_card):
    card = bob_card.card
    obj = {"company": card.account.company, "cardmember": card.account.cardmember, "account": card.account,
           "card": card}[model]

    page = ops_client.get(f"/admin/accounts/{model}/{obj.pk}/change/")

    assert page.status_code == 200
    history = f"/admin/audit/{model}event/?obj=accounts.{type(obj).__name__}:{obj.pk}"
    assert history in page.content.decode()
    events = ops_client.get(history)
    assert events.status_code == 200
    if connection.vendor == "postgresql":  # SQLite has no triggers, so no events (README)
        assert "insert" in events.content.decode()


@pytest.mark.postgres
def test_the_history_names_who_changed_what_and_lists_only_that_object(ops_client, alice, bob_card, company_b):
    card = bob_card.card
    alice_client = Client()
    alice_client.force_login(alice)
    alice_client.post(f"/cards/{card.pk}/block/", {"reason": "travelling"})
    card.refresh_from_db()
    assert card.status == "blocked"

    page = ops_client.get(f"/admin/audit/cardevent/?obj=accounts.Card:{card.pk}").content.decode()

    assert "user:alice" in page
    assert f"/cards/{card.pk}/block/" in page
    other = ops_client.get(f"/admin/audit/companyevent/?obj=accounts.Company:{company_b.pk}").content.decode()
    assert "Alpha A/S" not in other and "10001" not in other
    by_user = ops_client.get(f"/admin/audit/cardevent/?user={alice.pk}").content.decode()
    assert f"/cards/{card.pk}/block/" in by_user
    every_table = ops_client.get(f"/admin/pghistory/events/?method=tracks&obj=accounts.Card:{card.pk}")
    assert every_table.status_code == 200


def test_the_audit_trail_cannot_be_edited_in_the_admin(ops_client):
    assert ops_client.get("/admin/audit/cardevent/add/").status_code == 403
