"""Issue 15 item 12: a Content-Security-Policy and a guarded language cookie in production, and pages
that still work under the policy: no inline script or event handler anywhere (SPEC section 17)."""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from amexprog.common.csp import PRODUCTION_POLICY

pytestmark = pytest.mark.django_db
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


@pytest.fixture
def production(monkeypatch):
    monkeypatch.setenv("DJANGO_SECRET_KEY", "k" * 60)
    monkeypatch.setenv("PAN_HMAC_KEY", "x" * 40)
    monkeypatch.setenv("REQUEST_HMAC_KEY", "r" * 40)
    monkeypatch.setenv("FIELD_ENCRYPTION_KEY", "f" * 40)
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "cards.example.com")
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/amexprog")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    for name in ("amexprog.settings.production", "amexprog.settings.base"):
        sys.modules.pop(name, None)
    try:
        yield importlib.import_module("amexprog.settings.production")
    finally:
        sys.modules.pop("amexprog.settings.production", None)
        sys.modules.pop("amexprog.settings.base", None)


def test_issue15_item12_production_sends_a_csp_and_a_secure_language_cookie(production):
    assert production.CONTENT_SECURITY_POLICY == PRODUCTION_POLICY
    assert "script-src 'self';" in PRODUCTION_POLICY and "frame-ancestors 'none'" in PRODUCTION_POLICY
    assert "img-src 'self' data:" in PRODUCTION_POLICY
    assert (production.LANGUAGE_COOKIE_SECURE, production.LANGUAGE_COOKIE_HTTPONLY,
            production.LANGUAGE_COOKIE_SAMESITE) == (True, True, "Lax")


def test_issue15_item12_the_policy_is_on_every_response_and_the_pages_need_no_inline_script(settings, client,
                                                                                          alice_client):
    settings.CONTENT_SECURITY_POLICY = PRODUCTION_POLICY
    for response in (client.get("/login/", follow=True), alice_client.get("/", follow=True),
                     client.get("/api/docs/"), client.get("/api/v1/no-such-route/")):
        assert response["Content-Security-Policy"] == PRODUCTION_POLICY
    for response in (client.get("/login/", follow=True), alice_client.get("/", follow=True),
                     client.get("/api/docs/")):
        page = response.content.decode()
        assert response.status_code == 200
        assert not INLINE_SCRIPT.search(page), INLINE_SCRIPT.search(page)
        assert not EVENT_HANDLER.search(page), EVENT_HANDLER.search(page)
    # Swagger UI's start-up script is served as a file from our own origin.
    script = client.get("/api/docs/?script")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


def test_issue15_item12_no_template_carries_an_inline_script_or_event_handler():
    for template_dir in django_settings.TEMPLATES[0]["DIRS"]:
        for path in Path(template_dir).rglob("*.html"):
            text = path.read_text()
            assert not INLINE_SCRIPT.search(text), path
            assert not EVENT_HANDLER.search(text), path
