"""Issue 18 item 6: the last three plain-array sub-lists page by cursor like every other list (SPEC 16).

`/accounts/{n}/rule-changes/`, `/cards/{id}/recurring-stops/` and `/companies/{n}/administrators/`
answered a bare JSON array: no `starting_after`, `limit` or `updated_after`, so a client generated from
the schema needed a second code path and could not sync them incrementally.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from accounts.models import ProgrammeAdministrator
from communications.models import RuleChange
from communications.rule_changes import rule_change_publish
from tests.accounts.factories import ProgrammeAdministratorFactory, UserFactory
from tests.communications.test_rule_changes import NOW, OPS, PUBLISHED, dispute_rules
from tests.conftest import token_client

pytestmark = pytest.mark.django_db

CURSOR_PARAMETERS = {"starting_after", "limit", "updated_after"}


def walk(client, url: str) -> list[dict]:
    """Every row of a list, one per page: `limit=1` and `starting_after` from `next_starting_after`."""
    rows, after = [], None
    for _ in range(20):
        params = {"limit": 1} | ({"starting_after": after} if after else {})
        response = client.get(url, params)
        assert response.status_code == 200, response.content
        body = response.json()
        assert set(body) == {"results", "has_more", "next_starting_after", "next"}
        rows += body["results"]
        if not body["has_more"]:
            return rows
        after = body["next_starting_after"]
    raise AssertionError("the walk did not end")


def test_issue18_item6_no_list_operation_is_a_plain_array_or_without_the_cursor_parameters(api):
    """Walk every GET operation of the schema: a 200 that is a JSON array is a list without a cursor
    (it fails here, naming it), and a list envelope must document the cursor parameters."""
    schema = api.get("/api/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    plain, uncursored = [], []
    for path, methods in schema["paths"].items():
        operation = methods.get("get")
        if not operation:
            continue
        body = operation["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
        if "$ref" in body:
            body = components[body["$ref"].rsplit("/", 1)[-1]]
        if body.get("type") == "array":
            plain.append(path)
        elif "results" in body.get("properties", {}):
            if not CURSOR_PARAMETERS <= {parameter["name"] for parameter in operation.get("parameters", [])}:
                uncursored.append(path)
    assert plain == [] and uncursored == []


def test_issue18_item6_a_companys_administrators_page_by_cursor(tokens, alice, company_a):
    ProgrammeAdministrator.objects.filter(pk=alice.pa.pk).update(updated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    later = ProgrammeAdministratorFactory(user=UserFactory(username="zoe", email="zoe@alpha.dk"), companies=[company_a])
    client = token_client(tokens.a)
    url = f"/api/v1/companies/{company_a.number}/administrators/"
    rows = walk(client, url)
    assert [row["email"] for row in rows] == [alice.email, "zoe@alpha.dk"]
    assert {"id", "created_at", "updated_at"} <= set(rows[0])
    since = client.get(url, {"updated_after": "2026-01-01T00:00:01Z"}).json()["results"]
    assert later.pk in {row["id"] for row in since} and alice.pa.pk not in {row["id"] for row in since}


def test_issue18_item6_a_cards_recurring_stops_page_by_cursor(tokens, bob_card):
    client = token_client(tokens.a)
    url = f"/api/v1/cards/{bob_card.card.pk}/recurring-stops/"
    for merchant in ("Netflix", "Spotify", "Adobe"):
        assert client.post(url, {"merchant_name": merchant}, format="json").status_code == 201
    rows = walk(client, url)
    assert [row["merchant_name"] for row in rows] == ["Adobe", "Spotify", "Netflix"]  # newest first
    assert client.get(url, {"updated_after": "2999-01-01T00:00:00Z"}).json()["results"] == []
    assert client.get(url, {"page": 2}).status_code == 400


@time_machine.travel(NOW, tick=False)
def test_issue18_item6_an_accounts_rule_changes_page_by_cursor(tokens, bob_account):
    changes = [rule_change_publish(kind=RuleChange.Kind.DISPUTE_RULES, rule=dispute_rules(dt.date(2026, 6, day)),
                                   published_on=PUBLISHED, published_by=OPS) for day in (1, 2)]
    client = token_client(tokens.a)
    url = f"/api/v1/accounts/{bob_account.number}/rule-changes/"
    rows = walk(client, url)
    assert [row["id"] for row in rows] == [change.pk for change in changes]
    assert {"created_at", "updated_at"} <= set(rows[0])
    assert client.get(url, {"updated_after": "2999-01-01T00:00:00Z"}).json()["results"] == []
