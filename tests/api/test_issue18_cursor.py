"""Cursor pagination and incremental sync on every API list (SPEC section 16; issue 18 item 6)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.charges.test_authorizations import authorize
from tests.conftest import token_client

pytestmark = pytest.mark.django_db

AUTHORIZATIONS = "/api/v1/authorizations"


def test_issue18_item6_a_newest_first_walk_while_rows_arrive_has_no_duplicates_or_gaps(tokens, network, bob_card):
    """Follow `next` from the first page of the newest-first authorization list (its default page size,
    50 on main's page numbers and here), while two new authorizations arrive before every next page:
    every row that existed when the walk began comes exactly once (page numbers repeated the last rows of
    the page before)."""
    old = 60
    for number in range(old):
        assert authorize(network, bob_card.pan, "10.00", transaction_id=f"OLD-{number}").status_code == 200
    client = token_client(tokens.a)
    seen: list[str] = []
    url = AUTHORIZATIONS
    arrivals = 0
    while url:
        body = client.get(url).json()
        seen += [row["transaction_id"] for row in body["results"]]
        url = body["next"]
        for _ in range(2):
            arrivals += 1
            authorize(network, bob_card.pan, "1.00", transaction_id=f"NEW-{arrivals}")
    assert [row for row in seen if row.startswith("OLD-")] == [f"OLD-{number}" for number in reversed(range(old))]
    assert len(seen) == len(set(seen))


def test_issue18_item6_limit_starting_after_and_the_envelope(tokens, network, bob_card):
    for number in range(5):
        authorize(network, bob_card.pan, "10.00", transaction_id=f"T-{number}")
    client = token_client(tokens.a)
    first = client.get(AUTHORIZATIONS, {"limit": 3}).json()
    assert [row["transaction_id"] for row in first["results"]] == ["T-4", "T-3", "T-2"]
    assert first["has_more"] is True
    assert first["next_starting_after"] == first["results"][-1]["id"]
    assert "starting_after" in first["next"] and "limit=3" in first["next"]
    rest = client.get(AUTHORIZATIONS, {"limit": 3, "starting_after": first["next_starting_after"]}).json()
    assert [row["transaction_id"] for row in rest["results"]] == ["T-1", "T-0"]
    assert (rest["has_more"], rest["next_starting_after"], rest["next"]) == (False, None, None)


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"limit": "ten"}, {"starting_after": "abc"},
                                    {"updated_after": "yesterday"}, {"updated_after": "2026-12-01T10:00:00"},
                                    {"starting_after": 2**63}])
def test_issue18_item6_bad_cursor_parameters_are_a_400_naming_them(tokens, params):
    response = token_client(tokens.a).get("/api/v1/cards/", params)
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert list(fields) == list(params)
    assert [error["code"] for error in fields[next(iter(params))]] == ["invalid"]  # known, but a bad value


@pytest.mark.parametrize("moment", ["2133-04-21T09:26:28-19:59", "0001-01-01T00:30:00+23:00"])
def test_issue18_item6_updated_after_takes_any_iso_offset(tokens, moment):
    """Offsets PostgreSQL cannot store (beyond ±15:59) are converted, not a 500 (found by schemathesis)."""
    response = token_client(tokens.a).get("/api/v1/accounts/", {"updated_after": moment})
    assert response.status_code in (200, 400)
    assert response.status_code == 200 or response.json()["fields"]["updated_after"][0]["code"] == "invalid"


def test_issue18_item6_page_numbers_are_unknown_parameters(tokens):
    response = token_client(tokens.a).get("/api/v1/cards/", {"page": 2, "page_size": 10})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"page", "page_size"}


def test_issue18_item6_updated_after_returns_what_changed_since(tokens, bob_card, company_a):
    from accounts.models import Card

    client = token_client(tokens.a)
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)):
        Card.objects.filter(pk=bob_card.card.pk).update(status=Card.objects.get(pk=bob_card.card.pk).status)
    assert client.get("/api/v1/cards/", {"updated_after": "2026-12-01T08:59:00Z"}).json()["results"][0]["id"] \
        == bob_card.card.pk
    assert client.get("/api/v1/cards/", {"updated_after": "2026-12-01T09:00:01+00:00"}).json()["results"] == []
    card = client.get(f"/api/v1/cards/{bob_card.card.pk}/").json()
    assert dt.datetime.fromisoformat(card["updated_at"]) == dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def test_issue18_item6_every_list_pages_by_cursor_and_filters_by_updated_after(api):
    """Every paginated list in the schema takes `starting_after`, `limit` and `updated_after` and answers
    `has_more`/`next_starting_after`; every object it lists has `id`, `created_at` and `updated_at`."""
    import json

    schema = json.loads(api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content)
    components = schema["components"]["schemas"]
    lists = 0
    for path, methods in schema["paths"].items():
        operation = methods.get("get")
        if not operation:
            continue
        body = operation["responses"]["200"].get("content", {}).get("application/json", {}).get("schema", {})
        envelope = components.get(body.get("$ref", "").rsplit("/", 1)[-1], {})
        if "results" not in envelope.get("properties", {}):
            continue
        lists += 1
        names = {parameter["name"] for parameter in operation["parameters"]}
        assert {"starting_after", "limit", "updated_after"} <= names, path
        assert not {"page", "page_size"} & names, path
        assert {"has_more", "next_starting_after"} <= set(envelope["properties"]), path
        item = components[envelope["properties"]["results"]["items"]["$ref"].rsplit("/", 1)[-1]]
        assert {"id", "created_at", "updated_at"} <= set(item["properties"]), path
    assert lists >= 35
