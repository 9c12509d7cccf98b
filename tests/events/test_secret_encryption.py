"""Webhook signing secrets are stored encrypted at rest (SPEC section 17; issue 18, security).

`events.WebhookEndpoint.secret` and `previous_secret` were stored in clear: any copy of the database (a
backup, a replica, a support dump) let its reader sign webhooks as us. Now the column holds a Fernet
token under FIELD_ENCRYPTION_KEY; the model attribute is still the secret, shown once on creation and
rotation; rows written before are encrypted by the data migration; production needs the key.
"""

from __future__ import annotations

import datetime as dt
import importlib
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import override_settings

from amexprog.common.encryption import DecryptionError, encrypt_column_rows
from events.models import WebhookEndpoint
from events.webhooks import secrets_in_force, webhook_endpoint_create, webhook_endpoint_rotate_secret
from tests.conftest import token_client

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
URL = "http://127.0.0.1:9/hooks"
TABLE = WebhookEndpoint._meta.db_table


def stored(endpoint: WebhookEndpoint) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT secret, previous_secret FROM {TABLE} WHERE id = %s", [endpoint.pk])  # noqa: S608
        return cursor.fetchone()


def test_issue18_security_the_secret_shown_once_is_stored_encrypted(tokens, company_a):
    created = token_client(tokens.a).post("/api/v1/webhook-endpoints/", {"url": URL}, format="json")
    assert created.status_code == 201, created.content
    secret = created.json()["secret"]
    endpoint = WebhookEndpoint.objects.get(pk=created.json()["id"])
    column, previous = stored(endpoint)
    assert column.startswith("fernet:") and secret not in column and previous == ""
    assert endpoint.secret == secret and secrets_in_force(endpoint, AT) == [secret]  # deliveries sign with it
    assert "secret" not in token_client(tokens.a).get(f"/api/v1/webhook-endpoints/{endpoint.pk}/").json()


def test_issue18_security_a_rotation_keeps_both_secrets_encrypted(company_a):
    endpoint = webhook_endpoint_create(company=company_a, url=URL, by="test", at=AT)
    old = endpoint.secret
    rotated = webhook_endpoint_rotate_secret(endpoint=endpoint, at=AT, overlap_hours=24)
    column, previous = stored(rotated)
    assert column.startswith("fernet:") and previous.startswith("fernet:")
    assert old not in previous and rotated.secret not in column
    fresh = WebhookEndpoint.objects.get(pk=endpoint.pk)
    assert secrets_in_force(fresh, AT + dt.timedelta(hours=1)) == [rotated.secret, old]


def test_issue18_security_the_migration_encrypts_rows_written_in_clear(company_a):
    endpoint = webhook_endpoint_create(company=company_a, url=URL, by="test", at=AT)
    clear = "whsec_written-before-encryption"
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET secret = %s, previous_secret = %s WHERE id = %s",  # noqa: S608
                       [clear, "whsec_older", endpoint.pk])
    with pytest.raises(DecryptionError):  # a value in clear is never taken for a secret
        WebhookEndpoint.objects.get(pk=endpoint.pk)
    assert encrypt_column_rows(connection=connection, table=TABLE, columns=("secret", "previous_secret")) == 1
    assert encrypt_column_rows(connection=connection, table=TABLE, columns=("secret", "previous_secret")) == 0
    assert clear not in stored(endpoint)[0]
    again = WebhookEndpoint.objects.get(pk=endpoint.pk)
    assert (again.secret, again.previous_secret) == (clear, "whsec_older")
    # The migration's reverse gives the clear values back.
    encrypt_column_rows(connection=connection, table=TABLE, columns=("secret", "previous_secret"), decrypt=True)
    assert stored(endpoint) == (clear, "whsec_older")


def test_issue18_security_another_key_reads_nothing(company_a):
    endpoint = webhook_endpoint_create(company=company_a, url=URL, by="test", at=AT)
    with override_settings(FIELD_ENCRYPTION_KEY="another-deployments-key-0123456789abcdef"):
        with pytest.raises(DecryptionError):
            WebhookEndpoint.objects.get(pk=endpoint.pk)


def test_issue18_security_production_refuses_to_start_without_a_real_key(monkeypatch):
    for name, value in {"DJANGO_SECRET_KEY": "k" * 60, "PAN_HMAC_KEY": "x" * 40, "REQUEST_HMAC_KEY": "r" * 40,
                        "DJANGO_ALLOWED_HOSTS": "cards.example.com",
                        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/amexprog",
                        "REDIS_URL": "redis://127.0.0.1:6379/0"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("FIELD_ENCRYPTION_KEY", raising=False)
    monkeypatch.delenv("FIELD_ENCRYPTION_KEY_FILE", raising=False)
    try:
        for key, message in ((None, "FIELD_ENCRYPTION_KEY"), ("dev-only-field-encryption-key", "real secret"),
                             ("short", "real secret")):
            if key is not None:
                monkeypatch.setenv("FIELD_ENCRYPTION_KEY", key)
            for module in ("amexprog.settings.production", "amexprog.settings.base"):
                sys.modules.pop(module, None)
            with pytest.raises(ImproperlyConfigured, match=message):
                importlib.import_module("amexprog.settings.production")
        monkeypatch.setenv("FIELD_ENCRYPTION_KEY", "f" * 40)
        for module in ("amexprog.settings.production", "amexprog.settings.base"):
            sys.modules.pop(module, None)
        assert importlib.import_module("amexprog.settings.production").FIELD_ENCRYPTION_KEY == "f" * 40
    finally:
        for module in ("amexprog.settings.production", "amexprog.settings.base"):
            sys.modules.pop(module, None)
