"""API token scopes and revocation (SPEC sections 16, 17; issue 15 item 12).

A read-only company token reads and never writes, a network token asks for authorizations and nothing
else, a revoked token authenticates nothing; scopes are set by `create_token --scope`, shown in the
admin, and documented in the OpenAPI schema.
"""

from __future__ import annotations

import re
from io import StringIO

import pytest
import yaml
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from accounts.authentication import NETWORK_TOKEN, READ_ONLY_TOKEN, hash_key
from accounts.models import ApiToken, Card
from accounts.services import TOKEN_SCOPE_MISMATCH, api_token_create
from amexprog.common.errors import ApplicationError
from tests.accounts.factories import UserFactory
from tests.charges.test_authorizations import authorize
from tests.conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def read_only_key(company_a):
    return api_token_create(name="A reader", kind="company", company=company_a, scope="read-only")[1]


def call(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def card_state(card_pk: int) -> tuple:
    card = Card.objects.select_related("controls").get(pk=card_pk)
    controls = getattr(card, "controls", None)
    return card.status, card.block_reason, controls and controls.monthly_limit


# ── Read-only company tokens ─────────────────────────────────────────────────────────────────────

def test_issue15_item12_token_scopes_read_only_token_reads(read_only_key, bob_card, bob_account):
    client = token_client(read_only_key)
    cards = client.get("/api/v1/cards/")
    assert cards.status_code == 200 and [row["id"] for row in cards.json()["results"]] == [bob_card.card.pk]
    assert client.get(f"/api/v1/accounts/{bob_account.number}/").status_code == 200
    assert client.head("/api/v1/cards/").status_code == 200
    assert client.options("/api/v1/cards/").status_code == 200
    who = client.get("/api/v1/whoami").json()
    assert {key: who[key] for key in ("kind", "company", "scope")} == {"kind": "company", "company": "10001",
                                                                       "scope": "read-only"}


@pytest.mark.parametrize(("method", "path", "body"), [
    ("post", "/api/v1/cards/{card}/block/", {"reason": "read-only tries"}),
    ("patch", "/api/v1/cards/{card}/controls/", {"monthly_limit": "1.00"}),
    ("delete", "/api/v1/cards/{card}/", None),
    ("put", "/api/v1/cards/{card}/controls/", {"monthly_limit": "1.00"}),
])
def test_issue15_item12_token_scopes_read_only_token_cannot_write(read_only_key, tokens, bob_card, method, path,
                                                                  body):
    url = path.format(card=bob_card.card.pk)
    before = card_state(bob_card.card.pk)
    response = getattr(token_client(read_only_key), method)(url, body, format="json")
    assert response.status_code == 403, response.content
    assert response.json() == {"code": "insufficient_scope", "detail": str(READ_ONLY_TOKEN), "fields": {},
                               "request_id": response["X-Request-ID"]}
    assert card_state(bob_card.card.pk) == before
    # The same call with the company's read-write token is not refused for its scope.
    answered = getattr(token_client(tokens.a), method)(url, body, format="json")
    assert answered.status_code != 403 or answered.json().get("code") != "insufficient_scope"


def test_issue15_item12_token_scopes_read_write_token_writes_as_before(tokens, bob_card):
    response = token_client(tokens.a).post(f"/api/v1/cards/{bob_card.card.pk}/block/", {"reason": "lost?"},
                                           format="json")
    assert response.status_code == 200, response.content
    assert Card.objects.get(pk=bob_card.card.pk).status == "blocked"


def test_issue15_item12_token_scopes_read_only_token_cannot_post_authorizations(read_only_key, bob_card):
    response = authorize(token_client(read_only_key), bob_card.pan)
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"


# ── Network tokens ───────────────────────────────────────────────────────────────────────────────

NETWORK_ROUTES = {("/api/v1/authorizations", "post"), ("/api/v1/whoami", "get")}


def documented_operations() -> list[tuple[str, str]]:
    from django.test import Client

    schema = yaml.safe_load(Client().get("/api/schema/").content)
    return [(path, method) for path, operations in schema["paths"].items() for method in operations
            if method in ("get", "post", "put", "patch", "delete")]


def test_issue15_item12_token_scopes_network_token_refused_on_every_other_route(tokens, bob_card):
    """Every documented operation, tried with a network token: only the authorization call and whoami
    answer; everything else is a 403 (`insufficient_scope`, checked before the view looks anything up)."""
    client = token_client(tokens.network)
    operations = documented_operations()
    assert len(operations) > 80 and NETWORK_ROUTES <= set(operations)
    problems = []
    for path, method in operations:
        if (path, method) in NETWORK_ROUTES:
            continue
        url = re.sub(r"\{[^}]+\}", "1", path)
        response = getattr(client, method)(url, {}, format="json") if method != "get" else client.get(url)
        code = response.json().get("code") if response.headers.get("Content-Type", "").startswith(
            "application/json") else None
        # GET /authorizations is the network's view too; its own permissions refuse the network there.
        expected_code = "permission_denied" if path == "/api/v1/authorizations" else "insufficient_scope"
        if (response.status_code, code) != (403, expected_code):
            problems.append(f"{method.upper()} {url}: {response.status_code} {code}")
    assert not problems, "\n".join(problems)
    # Also the routes outside the schema: the API root and the schema itself.
    for url in ("/api/v1/", "/api/schema/"):
        response = client.get(url)  # the schema view renders its refusal in its own format
        assert response.status_code == 403 and str(NETWORK_TOKEN).encode() in response.content, url


def test_issue15_item12_token_scopes_network_token_authorizes(tokens, bob_card):
    client = token_client(tokens.network)
    response = authorize(client, bob_card.pan)
    assert response.status_code == 200 and response.json()["approved"] is True
    who = client.get("/api/v1/whoami").json()
    assert {key: who[key] for key in ("kind", "company", "scope")} == {"kind": "network", "company": None,
                                                                       "scope": "network"}


def test_issue15_item12_token_scopes_a_network_token_has_the_network_scope_and_only_it(company_a):
    network, _ = api_token_create(name="net", kind="network")
    assert network.scope == "network"
    with pytest.raises(ApplicationError) as refused:
        api_token_create(name="net", kind="network", scope="read-write")
    assert refused.value.message == TOKEN_SCOPE_MISMATCH.format(kind="network", scope="read-write")
    with pytest.raises(ApplicationError):
        api_token_create(name="A", kind="company", company=company_a, scope="network")
    assert ApiToken.objects.count() == 1


# ── create_token and revoke_token ────────────────────────────────────────────────────────────────

def test_issue15_item12_token_scopes_create_token_scope_option(company_a):
    reader = ApiToken.objects.get(key_hash=hash_key(call("create_token", "--company", "10001", "--scope",
                                                         "read-only").strip()))
    assert (reader.kind, reader.scope, reader.company) == ("company", "read-only", company_a)
    writer = ApiToken.objects.get(key_hash=hash_key(call("create_token", "--company", "10001").strip()))
    assert writer.scope == "read-write"
    network = ApiToken.objects.get(key_hash=hash_key(call("create_token", "--network").strip()))
    assert network.scope == "network"
    with pytest.raises(CommandError, match="network"):
        call("create_token", "--network", "--scope", "read-write")
    with pytest.raises(CommandError):
        call("create_token", "--company", "10001", "--scope", "network")


def test_issue15_item12_token_scopes_revoked_token_answers_401(tokens):
    client = token_client(tokens.a)
    assert client.get("/api/v1/cards/").status_code == 200
    token = ApiToken.objects.get(key_hash=hash_key(tokens.a))
    out = call("revoke_token", token.prefix)
    assert "revoked" in out
    token.refresh_from_db()
    assert token.revoked_at is not None
    response = client.get("/api/v1/cards/")
    assert response.status_code == 401 and response.json()["code"] == "authentication_failed"
    assert client.post("/api/v1/authorizations", {}, format="json").status_code == 401
    # Revoking again keeps the first revocation; the whole key works as well as the prefix.
    first = token.revoked_at
    assert "already revoked" in call("revoke_token", tokens.a)
    token.refresh_from_db()
    assert token.revoked_at == first
    with pytest.raises(CommandError, match="No API token"):
        call("revoke_token", "nosuchky")


def test_issue15_item12_token_scopes_revoke_in_the_admin(client, tokens):
    ops = UserFactory(username="olga", is_staff=True, is_superuser=True)
    client.force_login(ops)
    network = ApiToken.objects.get(key_hash=hash_key(tokens.network))
    url = reverse("admin:accounts_apitoken_changelist")
    listing = client.get(url).content.decode()
    assert "column-scope" in listing and "<td class=\"field-scope\">Network (authorizations only)</td>" in listing
    response = client.post(url, {"action": "revoke_api_tokens", ACTION_CHECKBOX_NAME: [network.pk]})
    assert response.status_code == 302
    network.refresh_from_db()
    assert network.revoked_at is not None and network.revoked_by == ops
    assert token_client(tokens.network).get("/api/v1/whoami").status_code == 401
    # The scope and the revocation are not raw fields in the change form.
    form = client.get(reverse("admin:accounts_apitoken_change", args=[network.pk])).content.decode()
    assert 'name="scope"' not in form and 'name="revoked_at"' not in form


# ── The contract ─────────────────────────────────────────────────────────────────────────────────

def test_issue15_item12_token_scopes_documented_in_the_schema():
    from django.test import Client

    schema = yaml.safe_load(Client().get("/api/schema/").content)
    block = schema["paths"]["/api/v1/cards/{id}/block/"]["post"]["responses"]
    assert "insufficient_scope" in block["403"]["description"] and "read-only" in block["403"]["description"]
    assert block["403"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert schema["components"]["schemas"]["Error"]["required"] == ["code", "detail", "fields", "request_id"]
    assert "revoked" in block["401"]["description"]
    cards = schema["paths"]["/api/v1/cards/"]["get"]["responses"]
    assert "network token" in cards["403"]["description"] and "read-only" not in cards["403"]["description"]
    assert "403" not in schema["paths"]["/api/v1/whoami"]["get"]["responses"]


def test_a_token_key_never_starts_with_a_dash(monkeypatch):
    """`revoke_token KEY_OR_PREFIX` failed at random ("the following arguments are required") when a key's
    prefix began with "-", which argparse reads as an option: keys never start with one."""
    import secrets

    from accounts import services

    keys = iter(["-abcdefghijklmnop", "-bcdefghijklmnopq", "Zcdefghijklmnopqr"])
    monkeypatch.setattr(secrets, "token_urlsafe", lambda _n: next(keys))
    assert services._new_key() == "Zcdefghijklmnopqr"
