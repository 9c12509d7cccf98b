"""Issue 18 item 9: deprecations announced on the wire, not only in the README's policy (SPEC 16).

A response to a request that uses something in the deprecation registry carries `Deprecation`
(RFC 9745), `Sunset` (RFC 8594) and a `Link` to the changelog; other requests carry none.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils.http import parse_http_date

from amexprog.common import deprecation, versioning
from amexprog.common.deprecation import Deprecated
from tests.conftest import token_client

pytestmark = pytest.mark.django_db

ANNOUNCED = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
SUNSET = dt.datetime(2027, 12, 1, tzinfo=dt.UTC)


@pytest.fixture
def two_versions(settings):
    """An older version beside today's, deprecated in the registry."""
    settings.API_VERSIONS = ("2026-06-01", versioning.CURRENT)
    return Deprecated(version="2026-06-01", deprecated_at=ANNOUNCED, sunset=SUNSET)


def test_issue18_item9_a_client_pinned_to_a_deprecated_version_is_told_and_until_when(tokens, two_versions,
                                                                                         monkeypatch):
    monkeypatch.setattr(deprecation, "DEPRECATIONS", (two_versions,))
    client = token_client(tokens.a)
    old = client.get("/api/v1/cards/", HTTP_AMEXPROG_VERSION="2026-06-01")
    assert old.status_code == 200 and old["Amexprog-Version"] == "2026-06-01"
    assert old["Deprecation"] == f"@{int(ANNOUNCED.timestamp())}"
    assert parse_http_date(old["Sunset"]) == int(SUNSET.timestamp())
    assert old["Link"] == f'<{deprecation.changelog_url()}>; rel="deprecation"; type="text/html"'
    current = client.get("/api/v1/cards/")
    assert "Deprecation" not in current and "Sunset" not in current
    # Errors carry them too: the client learns of it whatever it asked.
    missing = client.get("/api/v1/cards/999999999/", HTTP_AMEXPROG_VERSION="2026-06-01")
    assert missing.status_code == 404 and "Deprecation" in missing


def test_issue18_item9_a_deprecated_query_parameter_is_announced_where_it_is_used(tokens, monkeypatch):
    monkeypatch.setattr(deprecation, "DEPRECATIONS", (
        Deprecated(parameter="updated_after", path_prefix="/api/v1/cards/", deprecated_at=ANNOUNCED,
                   sunset=SUNSET),))
    client = token_client(tokens.a)
    used = client.get("/api/v1/cards/", {"updated_after": "2026-01-01T00:00:00Z"})
    assert used.status_code == 200 and "Deprecation" in used and "Sunset" in used
    assert "Deprecation" not in client.get("/api/v1/cards/")
    assert "Deprecation" not in client.get("/api/v1/accounts/", {"updated_after": "2026-01-01T00:00:00Z"})


def test_issue18_item9_the_registry_holds_only_well_formed_entries():
    with pytest.raises(ValueError):
        Deprecated(version="2026-06-01", parameter="x", deprecated_at=ANNOUNCED, sunset=SUNSET)
    with pytest.raises(ValueError):
        Deprecated(version="2026-06-01", deprecated_at=SUNSET, sunset=ANNOUNCED)
    for entry in deprecation.DEPRECATIONS:  # today's: every version it names is one the API still answers
        assert not entry.version or entry.version in versioning.supported_versions()
