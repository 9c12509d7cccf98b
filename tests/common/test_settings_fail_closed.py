"""Settings fail closed, card numbers stay out of error reports (issue 15 item 9, SPEC section 17).

Before the fix manage.py, wsgi.py and celery.py defaulted to `amexprog.settings.base`, which had
DEBUG on and the published SECRET_KEY and PAN_HMAC_KEY: a deployment that forgot
DJANGO_SETTINGS_MODULE ran in development mode. Now every entry point defaults to production, which
refuses to start without its secrets; development and test settings are named explicitly.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.views.debug import ExceptionReporter
from rest_framework.test import APIRequestFactory

from charges.apis import ChargeFileViewSet
from charges.authorization_apis import AuthorizationView

ROOT = Path(__file__).resolve().parents[2]
SECRETS = {
    "DJANGO_SECRET_KEY": "k" * 60,
    "PAN_HMAC_KEY": "x" * 40,
    "REQUEST_HMAC_KEY": "r" * 40,
    "FIELD_ENCRYPTION_KEY": "f" * 40,
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/amexprog",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "DJANGO_ALLOWED_HOSTS": "cards.example.com",
}
SHOW_SETTINGS = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'module': s.SETTINGS_MODULE, 'debug': s.DEBUG, 'engine': s.DATABASES['default']['ENGINE'], "
    "'eager': s.CELERY_TASK_ALWAYS_EAGER, 'secret': s.SECRET_KEY, 'pan_key': s.PAN_HMAC_KEY}))"
)


def clean_env(**extra: str) -> dict[str, str]:
    """Only what a process needs to run Python: no DJANGO_SETTINGS_MODULE, no secret, no database."""
    env = {name: value for name, value in os.environ.items() if name in ("PATH", "HOME", "LANG", "SYSTEMROOT")}
    env.update(extra)
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_issue15_item9_without_settings_manage_py_runs_production_and_names_each_missing_secret():
    given: dict[str, str] = {}
    for name in SECRETS:
        result = run(["manage.py", "check"], clean_env(**given))
        assert result.returncode != 0, f"started without {name}"
        assert re.search(rf"ImproperlyConfigured: {name} (\(or {name}_FILE\) )?must be set", result.stderr), \
            result.stderr[-1500:]
        given[name] = SECRETS[name]
    # With every secret given it starts (check needs neither service), as production.
    result = run(["-c", "import amexprog.wsgi; " + SHOW_SETTINGS], clean_env(**given))
    assert result.returncode == 0, result.stderr[-1500:]
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown["module"] == "amexprog.settings.production" and shown["debug"] is False


@pytest.mark.parametrize("entry_point", [
    "import amexprog.wsgi",
    "from amexprog.celery import app; from django.conf import settings; settings.DEBUG",
])
def test_issue15_item9_wsgi_and_celery_default_to_production(entry_point):
    result = run(["-c", entry_point], clean_env())
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE) must be set" in result.stderr, result.stderr[-1500:]


def test_issue15_item9_every_entry_point_names_production_as_its_default():
    for path in ("manage.py", "amexprog/wsgi.py", "amexprog/celery.py"):
        defaults = re.findall(r'setdefault\("DJANGO_SETTINGS_MODULE", "([\w.]+)"\)', (ROOT / path).read_text())
        assert defaults == ["amexprog.settings.production"], path
    assert re.search(r"^ENV .*DJANGO_SETTINGS_MODULE=amexprog\.settings\.production\b",
                     (ROOT / "Dockerfile").read_text(), re.M)


def test_issue15_item9_base_settings_hold_no_secret_and_no_debug():
    source = (ROOT / "amexprog" / "settings" / "base.py").read_text()
    assert "dev-only" not in source
    assert not re.search(r"^(SECRET_KEY|PAN_HMAC_KEY)\s*=", source, re.M)
    assert re.search(r"^DEBUG = False$", source, re.M)


def test_issue15_item9_development_settings_are_the_embedded_default_when_named():
    result = run(["-c", SHOW_SETTINGS], clean_env(DJANGO_SETTINGS_MODULE="amexprog.settings.development"))
    assert result.returncode == 0, result.stderr[-1500:]
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown["debug"] is True and shown["eager"] is True
    assert shown["engine"] == "django.db.backends.sqlite3"
    assert shown["secret"].startswith("dev-only") and shown["pan_key"].startswith("dev-only")


def test_issue15_item9_make_ci_and_tests_name_development_or_test_settings(settings):
    makefile = (ROOT / "Makefile").read_text()
    exported = dict(re.findall(r"^([\w ]+): export DJANGO_SETTINGS_MODULE = ([\w.]+)$", makefile, re.M))
    targets = {target: module for names, module in exported.items() for target in names.split()}
    assert targets["run"] == targets["check"] == "amexprog.settings.development"
    assert targets["test"] == "amexprog.settings.test"
    ci = (ROOT / ".ci" / "run").read_text()
    manage_lines = [line for line in ci.splitlines() if "manage.py" in line and not line.startswith("#")]
    assert len(manage_lines) >= 2
    assert all(line.startswith("DJANGO_SETTINGS_MODULE=amexprog.settings.development ") for line in manage_lines)
    assert "from amexprog.settings.development import *" in (ROOT / "amexprog/settings/test.py").read_text()
    assert settings.SECRET_KEY.startswith("dev-only") and settings.PAN_HMAC_KEY.startswith("dev-only")


def _error_report(view, request) -> str:
    """Run the view until it fails and return Django's error report with each frame's variables (HTML)."""
    try:
        view(request)
    except RuntimeError:
        return ExceptionReporter(request, *sys.exc_info()).get_traceback_html()
    raise AssertionError("the view did not fail")


def _parse_then_fail(data):
    card_number = data["card_number"]  # a local holding the full number, as the real parser has
    raise RuntimeError(f"failed after reading a card ending {card_number[-4:]}")


@pytest.mark.django_db
@pytest.mark.parametrize("content_type", ["json"])  # multipart is refused before parsing (issue 18 item 1)
def test_issue15_item9_an_authorization_error_report_hides_the_card_number(tokens, bob_card, content_type):
    request = APIRequestFactory().post(
        "/api/v1/authorizations", {"transaction_id": "A-1", "card_number": bob_card.pan, "type": "purchase",
                                   "amount": "10.00", "currency": "DKK", "merchant_country": "DK", "mcc": "5812",
                                   "entry_mode": "chip"},
        format=content_type, HTTP_AUTHORIZATION=f"Token {tokens.network}")
    with mock.patch("charges.authorization_apis.authorization_request_parse", _parse_then_fail):
        report = _error_report(AuthorizationView.as_view(), request)
    assert "_parse_then_fail" in report and "card_number" in report
    assert bob_card.pan not in report
    assert bob_card.pan[:8] not in report


def _import_then_fail(*, source, filename):
    content = source.read()  # the whole file, card numbers included
    raise RuntimeError(f"failed after reading {len(content)} bytes of {filename}")


@pytest.mark.django_db
def test_issue15_item9_a_charge_file_error_report_hides_the_card_numbers(tokens, bob_card):
    row = f"card_number,amount\n{bob_card.pan},10.00\n".encode()
    request = APIRequestFactory().post(
        "/api/v1/charge-files/", {"file": SimpleUploadedFile("charges.csv", row, content_type="text/csv")},
        format="multipart", HTTP_AUTHORIZATION=f"Token {tokens.ops}")
    with mock.patch("charges.apis.charge_file_import", _import_then_fail):
        report = _error_report(ChargeFileViewSet.as_view({"post": "create"}), request)
    assert "_import_then_fail" in report
    assert bob_card.pan not in report
