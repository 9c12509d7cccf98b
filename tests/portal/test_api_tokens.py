"""Issue 18 item 10: a PA creates, scopes and revokes the company's API tokens in the portal (SPEC 16, 17),
and the help page sends PAs there instead of to a command line. Carol (PA of company B), Bob (a cardmember)
and ops reach none of it for company A."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import ApiToken, AuditEntry
from tests.conftest import token_client

pytestmark = pytest.mark.django_db

PAGE = reverse("portal:company_api_tokens", args=["10001"])


def _create(client: Client, name: str, scope: str) -> tuple[str, str]:
    response = client.post(PAGE, {"name": name, "scope": scope})
    assert response.status_code == 200
    token = ApiToken.objects.get(name=name)
    html = response.content.decode()
    key = html.split('id="new-key" type="text" readonly value="')[1].split('"')[0]
    assert key.startswith(token.prefix) and len(key) > 20
    return key, html


def test_issue18_item10_a_pa_creates_a_read_only_token_that_reads_and_cannot_write(client, alice, company_a):
    client.force_login(alice)
    assert PAGE in client.get(reverse("portal:company_detail", args=["10001"])).content.decode()
    key, html = _create(client, "ERP", ApiToken.Scope.READ_ONLY)
    assert "shown this once" in html
    token = ApiToken.objects.get(name="ERP")
    assert (token.kind, token.company, token.scope, token.created_by) == ("company", company_a, "read-only", alice)
    # The key is shown once: the list page afterwards holds its prefix, never the key.
    again = client.get(PAGE).content.decode()
    assert token.prefix in again and key not in again
    api = token_client(key)
    assert api.get("/api/v1/companies/10001/").status_code == 200
    assert api.get("/api/v1/companies/10002/").status_code == 404
    assert api.patch("/api/v1/companies/10001/controls/", {"monthly_limit": "1.00"}, format="json").status_code == 403
    entry = AuditEntry.objects.get(action=AuditEntry.Action.API_TOKEN_CREATED)
    assert (entry.company, entry.user, entry.details["token"], entry.details["scope"]) == (
        company_a, alice, token.prefix, "read-only")
    assert key not in str(entry.details)


def test_issue18_item10_revoking_needs_the_prefix_typed_and_is_final(client, alice, company_a):
    client.force_login(alice)
    key, _html = _create(client, "Expense tool", ApiToken.Scope.READ_WRITE)
    token = ApiToken.objects.get(name="Expense tool")
    assert token_client(key).get("/api/v1/whoami").status_code == 200
    revoke = reverse("portal:company_api_token_revoke", args=["10001", token.pk])
    wrong = client.post(revoke, {"confirm_prefix": "nope"}, follow=True)
    assert "prefix exactly as shown" in wrong.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None
    done = client.post(revoke, {"confirm_prefix": token.prefix}, follow=True).content.decode()
    assert "is revoked" in done
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == alice
    assert token_client(key).get("/api/v1/whoami").status_code == 401
    assert AuditEntry.objects.filter(action=AuditEntry.Action.API_TOKEN_REVOKED, company=company_a).count() == 1
    assert client.get(revoke).status_code == 405


def test_issue18_item10_bad_input_creates_nothing(client, alice, company_a):
    client.force_login(alice)
    assert client.post(PAGE, {"name": "", "scope": "read-only"}).status_code == 400
    assert client.post(PAGE, {"name": "X", "scope": "network"}).status_code == 400
    assert not ApiToken.objects.filter(company=company_a).exists()


def test_issue18_item10_outsiders_reach_nothing(client, carol, bob, alice, company_a, company_b):
    client.force_login(alice)
    _create(client, "ERP", ApiToken.Scope.READ_ONLY)
    token = ApiToken.objects.get(name="ERP")
    revoke = reverse("portal:company_api_token_revoke", args=["10001", token.pk])
    for outsider in (carol, bob):
        other = Client()
        other.force_login(outsider)
        assert other.get(PAGE).status_code == 404
        assert other.post(PAGE, {"name": "Mine", "scope": "read-write"}).status_code == 404
        assert other.post(revoke, {"confirm_prefix": token.prefix}).status_code == 404
    # Carol's own company's URL with A's token is a 404 too.
    carol_client = Client()
    carol_client.force_login(carol)
    assert carol_client.post(reverse("portal:company_api_token_revoke", args=["10002", token.pk]),
                             {"confirm_prefix": token.prefix}).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert list(ApiToken.objects.filter(company=company_b)) == []


def test_issue18_item10_the_help_page_sends_pas_to_the_portal_not_a_command_line(client, alice):
    client.force_login(alice)
    html = client.get(reverse("portal:help_page", args=["data-files"])).content.decode()
    assert "API tokens" in html
    assert "create_token" not in html and "manage.py" not in html
