"""Issue 15 item 6: no full PAN at rest outside the embosser's file (SPEC sections 16, 17).

Under production settings the embossing spool and the `import_cards --report` file are encrypted to the
embosser's age key; no key means no file and a clear refusal before any card exists; the spool is
deleted once collected or after its retention; the development default writes clear text and says so.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import logging

import pyrage
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.html import escape

from accounts.embosser_key import CLEAR_TEXT_WARNING, NO_EMBOSSER_KEY
from accounts.embossing import embossing_spool_purge, spool_cards, spool_path
from accounts.models import Card, EmbossingOrder
from accounts.pan import is_valid_pan, pan_hash
from amexprog.common.cycle import cycle_run_day, registered_steps
from tests.accounts.order_files import card_file, card_rows, full_pans_in
from tests.conftest import token_client
from tests.portal.test_orders import ORDER

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 2)
API_ORDER = {"company_number": "10001", "employee_id": "E-900", "first_name": "Ida", "last_name": "Berg",
             "email": "ida@example.com", "cycle_day": 15, "address_line": "Nørregade 1", "postal_code": "1165",
             "city": "København", "country": "DK"}


@pytest.fixture(autouse=True)
def today(settings, tmp_path):
    settings.EMBOSSING_DIR = tmp_path / "embossing"
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def embosser(settings):
    """Production-like: clear text not allowed, the embosser's age recipient configured."""
    identity = pyrage.x25519.Identity.generate()
    settings.EMBOSSING_CLEARTEXT_ALLOWED = False
    settings.EMBOSSER_AGE_RECIPIENT = str(identity.to_public())
    return identity


@pytest.fixture
def no_key(settings):
    """Production-like without a key."""
    settings.EMBOSSING_CLEARTEXT_ALLOWED = False
    settings.EMBOSSER_AGE_RECIPIENT = ""


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def opened(lines: list[dict], identity) -> list[dict]:
    """What the embosser reads: each line's age message decrypted with its identity."""
    records = []
    for line in lines:
        assert set(line) == {"embossing_order", "age"}  # nothing else in clear
        record = json.loads(pyrage.decrypt(base64.b64decode(line["age"]), [identity]))
        assert record["embossing_order"] == line["embossing_order"]
        records.append(record)
    return records


def test_issue15_item6_spool_records_are_encrypted_to_the_embosser_key(embosser, tokens, company_a, committed):
    with committed():
        response = token_client(tokens.a).post("/api/v1/cards/orders/", API_ORDER, format="json")
    assert response.status_code == 201, response.json()
    raw = spool_path(TODAY).read_text()
    assert full_pans_in(raw) == [] and "Ida" not in raw and "Nørregade" not in raw
    [record] = opened(spool_cards(TODAY), embosser)
    card = Card.objects.get()
    assert card.pan_hash == pan_hash(record["card_number"]) and is_valid_pan(record["card_number"])
    assert (record["name"], record["address_line"], record["city"]) == ("Ida Berg", "Nørregade 1", "København")
    assert record["expiry"] == card.expiry.strftime("%m/%y")
    assert card.embossing_order.written_at is not None
    with pytest.raises(pyrage.DecryptError):  # only the embosser's identity opens it
        pyrage.decrypt(base64.b64decode(spool_cards(TODAY)[0]["age"]), [pyrage.x25519.Identity.generate()])


def test_issue15_item6_import_cards_report_is_encrypted_to_the_embosser_key(embosser, company_a, tmp_path):
    orders, report = tmp_path / "cards.csv", tmp_path / "embossing.json"
    orders.write_bytes(card_file(*card_rows(3)))
    out = io.StringIO()
    call_command("import_cards", str(orders), "--date", TODAY.isoformat(), "--report", str(report), stdout=out)
    content = report.read_bytes()
    assert content.startswith(b"age-encryption.org/v1\n")
    assert full_pans_in(content.decode("latin-1")) == []
    records = json.loads(pyrage.decrypt(content, [embosser]))
    assert sorted(r["employee_id"] for r in records) == ["E001", "E002", "E003"]
    assert {pan_hash(r["card_number"]) for r in records} == set(Card.objects.values_list("pan_hash", flat=True))
    assert "age-encrypted" in out.getvalue()


def test_issue15_item6_import_cards_without_a_key_refuses_and_issues_nothing(no_key, company_a, tmp_path):
    orders, report = tmp_path / "cards.csv", tmp_path / "embossing.json"
    orders.write_bytes(card_file(*card_rows(2)))
    for extra in (["--report", str(report)], []):
        with pytest.raises(CommandError) as refused:
            call_command("import_cards", str(orders), "--date", TODAY.isoformat(), *extra, stdout=io.StringIO())
        assert str(refused.value) == str(NO_EMBOSSER_KEY)
    assert not Card.objects.exists() and not report.exists() and not spool_path(TODAY).exists()


def test_issue15_item6_api_and_portal_orders_without_a_key_are_refused_before_any_card(
        no_key, tokens, company_a, alice, client, committed):
    with committed():
        response = token_client(tokens.a).post("/api/v1/cards/orders/", API_ORDER, format="json")
    assert response.status_code == 503 and response.json()["code"] == "embosser_key_missing"
    client.force_login(alice)
    with committed():
        page = client.post(reverse("portal:order_new", args=["10001"]), ORDER)
        upload = client.post(reverse("portal:order_upload", args=["10001"]),
                             {"file": SimpleUploadedFile("cards.csv", card_file(*card_rows(2)), "text/csv")})
    shown = escape(str(NO_EMBOSSER_KEY))
    assert shown in page.content.decode() and shown in upload.content.decode()
    assert not Card.objects.exists() and not EmbossingOrder.objects.exists()
    assert not spool_path(TODAY).exists()


def test_issue15_item6_a_replacement_without_a_key_writes_nothing_and_is_left_for_reissue(
        no_key, bob, bob_card, client, committed, caplog):
    """A lost card is still cancelled (refusing would leave it usable); its replacement's number is not
    written anywhere, and the unwritten embossing order tells ops to reissue it."""
    client.force_login(bob)
    with committed(), caplog.at_level(logging.ERROR):
        client.post(f"/cards/{bob_card.card.pk}/report/", {"status": "lost", "reason": "lost",
                                                                 "confirm_last4": bob_card.card.last4})
    replacement = Card.objects.get(replaces=bob_card.card)
    assert replacement.embossing_order.written_at is None
    assert not spool_path(TODAY).exists()
    assert "embosser_key_missing" in caplog.text


def test_issue15_item6_collect_embossing_hands_the_spool_out_and_deletes_it(embosser, tokens, company_a,
                                                                             committed, tmp_path, settings):
    with committed():
        token_client(tokens.a).post("/api/v1/cards/orders/", API_ORDER, format="json")
    spooled = spool_path(TODAY).read_bytes()
    outbox = tmp_path / "outbox"
    out = io.StringIO()
    call_command("collect_embossing", "--out", str(outbox), stdout=out)
    assert (outbox / spool_path(TODAY).name).read_bytes() == spooled
    assert list(settings.EMBOSSING_DIR.iterdir()) == []  # deleted from the spool
    assert "1 card(s)" in out.getvalue()
    with committed():  # a later order starts a new spool file, collected next time
        token_client(tokens.a).post("/api/v1/cards/orders/", {**API_ORDER, "employee_id": "E-901"}, format="json")
    assert len(spool_cards(TODAY)) == 1


def test_issue15_item6_spool_files_are_deleted_after_their_retention(settings):
    settings.EMBOSSING_SPOOL_RETENTION_DAYS = 14
    settings.EMBOSSING_DIR.mkdir(parents=True)
    old, kept = spool_path(TODAY - dt.timedelta(days=15)), spool_path(TODAY - dt.timedelta(days=14))
    old.write_text('{"embossing_order": 1, "age": "x"}\n')
    kept.write_text('{"embossing_order": 2, "age": "x"}\n')
    other = settings.EMBOSSING_DIR / "README.txt"
    other.write_text("not a spool file")
    assert "embossing_spool_retention" in [step.name for step in registered_steps()]
    assert embossing_spool_purge(on=TODAY) == 1
    assert not old.exists() and kept.exists() and other.exists()
    cycle_run_day(on=TODAY + dt.timedelta(days=1))  # the daily cycle runs it
    assert not kept.exists()


def test_issue15_item6_the_development_default_writes_clear_text_and_says_so(settings, company_a, tmp_path):
    settings.EMBOSSING_CLEARTEXT_ALLOWED, settings.EMBOSSER_AGE_RECIPIENT = True, ""
    orders, report = tmp_path / "cards.csv", tmp_path / "embossing.json"
    orders.write_bytes(card_file(*card_rows(1)))
    out, err = io.StringIO(), io.StringIO()
    call_command("import_cards", str(orders), "--report", str(report), stdout=out, stderr=err)
    assert CLEAR_TEXT_WARNING in err.getvalue() and "(in clear)" in out.getvalue()
    assert is_valid_pan(json.loads(report.read_text())[0]["card_number"])


def test_issue15_item6_production_settings_refuse_clear_text_and_a_malformed_key(monkeypatch):
    import importlib
    import sys

    from django.core.exceptions import ImproperlyConfigured

    for name, value in {"DJANGO_SECRET_KEY": "k" * 60, "PAN_HMAC_KEY": "x" * 40, "REQUEST_HMAC_KEY": "r" * 40,
                        "FIELD_ENCRYPTION_KEY": "f" * 40,
                        "DJANGO_ALLOWED_HOSTS": "cards.example.com",
                        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/amexprog",
                        "REDIS_URL": "redis://127.0.0.1:6379/0"}.items():
        monkeypatch.setenv(name, value)
    try:
        for name in ("amexprog.settings.production", "amexprog.settings.base"):
            sys.modules.pop(name, None)
        production = importlib.import_module("amexprog.settings.production")
        assert production.EMBOSSING_CLEARTEXT_ALLOWED is False and production.EMBOSSER_AGE_RECIPIENT == ""
        monkeypatch.setenv("EMBOSSER_AGE_RECIPIENT", "age1notakey")
        for name in ("amexprog.settings.production", "amexprog.settings.base"):
            sys.modules.pop(name, None)
        with pytest.raises(ImproperlyConfigured, match="EMBOSSER_AGE_RECIPIENT"):
            importlib.import_module("amexprog.settings.production")
    finally:
        sys.modules.pop("amexprog.settings.production", None)
        sys.modules.pop("amexprog.settings.base", None)
