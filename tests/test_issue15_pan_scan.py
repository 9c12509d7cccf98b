"""Issue 15 acceptance: after a full demo run under production-like settings, no full card number at rest
or in transit anywhere but inside the embosser's encrypted files (SPEC sections 16, 17; items 6 and 7).

Production-like: DEBUG off, clear text for the embosser not allowed, the embosser's age key configured.
The run: the demo (seed_demo), a Central Order Card import with its report, an API order, a portal order,
a lost card, a renewal, authorizations (approved, replayed, declined on an unknown number), charge files
(by command, by API with an Idempotency-Key, one rejected for bad rows), statements, a dispute with
evidence, a day of the cycle and the collection of the spool. Then every row of every table of the
database, the log output (as written and before masking), every file under the media, spool and
hand-over folders and every HTTP response is scanned for a Luhn-valid 15-digit number starting 34/37,
for each number issued, and for the unkeyed SHA-256 of each number issued.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import logging
from pathlib import Path

import pyrage
import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from accounts.models import Account, Card, Company
from accounts.pan import is_valid_pan
from accounts.services import api_token_create
from amexprog.common.cycle import cycle_run_day
from amexprog.common.logging import MaskPanFilter
from statements.services import statements_generate
from tests.accounts.order_files import card_file, card_rows
from tests.charges.conftest import RATE_DATE, RATES_2026_03_10, charge_file, charge_row, store_rates
from tests.conftest import token_client
from tests.disputes.conftest import PDF
from tests.portal.test_orders import ORDER
from tests.test_pan_scan import UNKNOWN_PAN, Seen, amex_numbers_in

pytestmark = pytest.mark.django_db(transaction=False)

SEEDED_ON = dt.date(2026, 3, 2)
CURRENT_TIME = dt.datetime(2026, 3, 11, 10, 0, tzinfo=dt.UTC)
STATEMENT_DAY = dt.date(2026, 3, 20)  # a statement run after the charges (every account)


def database_rows() -> dict[str, str]:
    """Every row of every table, every column, as text (bytes decoded): {table: text}."""
    texts = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 (introspected)
            parts = []
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, memoryview | bytes | bytearray):
                        value = bytes(value).decode("utf-8", errors="replace")
                    parts.append(str(value))
            texts[table] = "\n".join(parts)
    return texts


def files_under(*folders: Path) -> dict[str, bytes]:
    return {str(path): path.read_bytes() for folder in folders if folder.exists()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def opened_spool_records(content: bytes, identity) -> list[dict]:
    records = []
    for line in content.decode().splitlines():
        envelope = json.loads(line)
        assert set(envelope) == {"embossing_order", "age"}
        records.append(json.loads(pyrage.decrypt(base64.b64decode(envelope["age"]), [identity])))
    return records


@pytest.fixture
def all_logs():
    """Every log record at DEBUG: as the product writes it (the PAN-masking filter) and as logged, seen
    before any handler's filter can rewrite the record (the raw handler goes first)."""
    formatted = io.StringIO()
    handler = logging.StreamHandler(formatted)
    handler.setLevel(logging.DEBUG)
    handler.addFilter(MaskPanFilter())
    raw: list[str] = []

    class Raw(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            raw.append(f"{record.name} {record.getMessage()} {record.exc_text or ''}")

    root = logging.getLogger()
    previous = root.level
    root.setLevel(logging.DEBUG)
    root.handlers.insert(0, Raw(level=logging.DEBUG))
    root.addHandler(handler)
    yield lambda: (formatted.getvalue(), "\n".join(raw))
    root.handlers = [h for h in root.handlers if not isinstance(h, Raw) and h is not handler]
    root.setLevel(previous)


@pytest.fixture
def production_like(settings, tmp_path):
    identity = pyrage.x25519.Identity.generate()
    settings.DEBUG = False
    settings.EMBOSSING_CLEARTEXT_ALLOWED = False
    settings.EMBOSSER_AGE_RECIPIENT = str(identity.to_public())
    settings.EMBOSSING_DIR = tmp_path / "embossing"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PAN_HMAC_KEY = "scan-test-pan-hmac-key-0123456789abcdef"
    settings.REQUEST_HMAC_KEY = "scan-test-request-hmac-key-0123456789abcdef"
    return identity


def test_issue15_scan_no_full_card_number_at_rest_or_in_transit_after_a_full_demo_run(
    production_like, tmp_path, settings, all_logs, capsys, django_capture_on_commit_callbacks,
):
    identity = production_like
    committed = lambda: django_capture_on_commit_callbacks(execute=True)  # noqa: E731
    seen = Seen()
    responses: list[tuple[str, object]] = []

    def answered(where: str, response):
        body = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
        seen.add(f"HTTP {where}", body)
        responses.append((where, response))
        return response

    out = io.StringIO()
    call_command("seed_demo", "--date", SEEDED_ON.isoformat(), "--force", stdout=out)
    seen.add("seed_demo stdout", out.getvalue())
    store_rates(RATE_DATE, RATES_2026_03_10)
    tokens = {"company": api_token_create(name="Nordlys ERP", kind="company",
                                          company=Company.objects.get(number="10001"))[1],
              "network": api_token_create(name="network", kind="network")[1],
              "ops": api_token_create(name="ops", kind="ops", user=get_user_model().objects.create_user(
                  "ops-robot", is_staff=True, is_superuser=True))[1]}

    with time_machine.travel(CURRENT_TIME, tick=False):
        # Orders: a Central Order Card import with its report, an API order, a portal order.
        orders, report = tmp_path / "orders.csv", tmp_path / "handover" / "embossing-report.json"
        report.parent.mkdir()
        orders.write_bytes(card_file(*card_rows(3)))
        out, err = io.StringIO(), io.StringIO()
        with committed():
            call_command("import_cards", str(orders), "--date", SEEDED_ON.isoformat(), "--report", str(report),
                         stdout=out, stderr=err)
        seen.add("import_cards output", out.getvalue() + err.getvalue())
        reported = json.loads(pyrage.decrypt(report.read_bytes(), [identity]))
        imported_pans = [entry["card_number"] for entry in reported]
        assert len(imported_pans) == 3 and all(is_valid_pan(pan) for pan in imported_pans)

        company_api, network, ops_api = (token_client(tokens[k]) for k in ("company", "network", "ops"))
        with committed():
            answered("API card order", company_api.post("/api/v1/cards/orders/", {
                "company_number": "10001", "employee_id": "E-900", "first_name": "Ida", "last_name": "Berg",
                "email": "ida@example.com", "cycle_day": 5},  # 10001 bills centrally on the 5th (SPEC 9)
                format="json", HTTP_IDEMPOTENCY_KEY="order-1"))
        pa = Client()
        pa.force_login(_user("alice"))
        with committed():
            answered("portal order", pa.post("/pa/companies/10001/orders/new/", ORDER, follow=True))

        # Lost card (the holder) and a renewal (ops): replacements to the spool.
        holder = Client()
        holder.force_login(_user("bob"))
        bobs_card = Card.objects.get(account__cardmember__employee_id="E-001")
        with committed():
            answered("lost card", holder.post(f"/cards/{bobs_card.pk}/report/", {"status": "lost", "reason": "lost",
                                                                                 "confirm_last4": bobs_card.last4},
                                              follow=True))
        karls_card = Card.objects.get(account__cardmember__employee_id="E-003")
        with committed():
            answered("renewal", ops_api.post(f"/api/v1/cards/{karls_card.pk}/renew/", HTTP_IDEMPOTENCY_KEY="renew-1"))
        assert Card.objects.filter(replaces__in=[bobs_card, karls_card]).count() == 2

        # Authorizations from the network: approved, replayed, declined on a number never issued.
        def authorize(pan: str, key: str, transaction_id: str):
            body = {"transaction_id": transaction_id, "card_number": pan, "type": "purchase", "amount": "100.00",
                    "currency": "DKK", "merchant_name": "Café Nørrebro", "merchant_city": "København",
                    "merchant_country": "DK", "mcc": "5812", "entry_mode": "chip", "pin_verified": True}
            return network.post("/api/v1/authorizations", body, format="json", HTTP_IDEMPOTENCY_KEY=key)

        approved = answered("authorization", authorize(imported_pans[0], "auth-1", "T-1"))
        assert approved.status_code == 200 and approved.json()["approved"] is True, approved.json()
        replay = answered("authorization replay", authorize(imported_pans[0], "auth-1", "T-1"))
        assert replay["Idempotent-Replayed"] == "true"
        answered("authorization, unknown card", authorize(UNKNOWN_PAN, "auth-2", "T-2"))
        answered("authorization, bad number", authorize(imported_pans[1][:-1] + "x", "auth-3", "T-3"))

        # Charge files: by command, a one-row file by API with an Idempotency-Key, one rejected.
        good = tmp_path / "net-2026-03-11.csv"
        good.write_bytes(charge_file([charge_row("G1", imported_pans[0], "100.00", "USD"),
                                      charge_row("G2", imported_pans[1], "250.00")]))
        out, err = io.StringIO(), io.StringIO()
        call_command("import_charges", str(good), stdout=out, stderr=err)
        seen.add("import_charges output", out.getvalue() + err.getvalue())
        one_row = charge_file([charge_row("O1", imported_pans[2], "42.00")])
        answered("one-row charge file", ops_api.post(
            "/api/v1/charge-files/", {"file": SimpleUploadedFile("net-one.csv", one_row, content_type="text/csv")},
            format="multipart", HTTP_IDEMPOTENCY_KEY="file-1"))
        bad = charge_file([charge_row("B1", UNKNOWN_PAN, "1.00"), charge_row("B2", imported_pans[0][:-1], "1.00")])
        rejected = answered("rejected charge file", ops_api.post(
            "/api/v1/charge-files/", {"file": SimpleUploadedFile("net-bad.csv", bad, content_type="text/csv")},
            format="multipart", HTTP_IDEMPOTENCY_KEY="file-2"))
        assert rejected.status_code == 400
        bad_path = tmp_path / "net-bad.csv"
        bad_path.write_bytes(bad)
        with pytest.raises(CommandError) as refused:
            call_command("import_charges", str(bad_path), stdout=io.StringIO(), stderr=io.StringIO())
        seen.add("rejected import_charges", str(refused.value))

        # Statements, a dispute with evidence (the media folder), a day of the cycle.
        charge = _posting_of("G2")
        answered("dispute with evidence", company_api.post("/api/v1/disputes/", {
            "charge_id": charge.pk, "reason": "defective", "amount": "50.00",
            "file": SimpleUploadedFile("invoice.pdf", PDF, content_type="application/pdf")}, format="multipart"))
        cycle_run_day(on=dt.date(2026, 3, 10))
        statements_generate(on=STATEMENT_DAY, account_ids=list(Account.objects.values_list("pk", flat=True)))

        # Pages and API answers people see.
        for url in ("/pa/", "/pa/companies/10001/cards/", "/pa/companies/10001/cardmembers/",
                    "/pa/companies/10001/statements/"):
            answered(f"PA {url}", pa.get(url))
        for url in ("/api/v1/cards/", "/api/v1/accounts/", "/api/v1/audit-entries/", "/api/v1/embossing-orders/",
                    "/api/v1/charge-files/", "/api/v1/holds/", "/api/v1/disputes/"):
            client = ops_api if url in ("/api/v1/embossing-orders/", "/api/v1/charge-files/") else company_api
            answered(f"API {url}", client.get(url))
        answered("API card list by a full number", company_api.get(f"/api/v1/cards/?card_number={imported_pans[0]}"))

        # The embosser collects the spool: it leaves the spool folder, encrypted.
        spool_before = files_under(settings.EMBOSSING_DIR)
        assert spool_before, "orders, the replacement and the renewal went to the spool"
        outbox = tmp_path / "handover" / "outbox"
        out = io.StringIO()
        call_command("collect_embossing", "--out", str(outbox), stdout=out)
        seen.add("collect_embossing output", out.getvalue())

    for response_where, response in responses:
        assert response.status_code < 500, (response_where, response.status_code)
    # The embosser's files carry the numbers (encrypted): every card issued in the run is there.
    spooled = [record for content in files_under(outbox).values() for record in opened_spool_records(content, identity)]
    assert {record["reason"] for record in spooled} == {"new", "replacement", "renewal"}
    issued = set(imported_pans) | {record["card_number"] for record in spooled}
    assert len(issued) == 3 + 1 + 1 + 2
    assert not any(path.is_file() for path in settings.EMBOSSING_DIR.rglob("*"))  # collected: deleted

    for name, content in files_under(settings.EMBOSSING_DIR, Path(settings.MEDIA_ROOT), report.parent).items():
        seen.add(f"file {name}", content)
    assert any("media" in where for where in seen.texts), "the dispute's evidence is in the media folder"
    for table, text in database_rows().items():
        seen.add(f"table {table}", text)
    seen.add("emails", "\n".join(f"{m.subject}\n{m.body}\n{m.alternatives}" for m in mail.outbox))
    formatted, raw = all_logs()
    seen.add("log output (as written)", formatted)
    seen.add("log records (before masking)", raw)
    captured = capsys.readouterr()
    seen.add("process stdout/stderr", captured.out + captured.err)

    unkeyed = {hashlib.sha256(pan.encode()).hexdigest(): pan[-4:] for pan in issued | {UNKNOWN_PAN}}
    unkeyed[hashlib.sha256(one_row).hexdigest()] = "one-row charge file"
    leaks = {
        where: sorted({pan[-4:] for pan in issued if pan in text}
                      | {f"3…{n[-4:]}" for n in amex_numbers_in(text)}
                      | {f"sha256 of {what}" for digest, what in unkeyed.items() if digest in text})
        for where, text in seen.texts.items()
    }
    assert {where: found for where, found in leaks.items() if found} == {}
    assert any(where.startswith("table ") for where in seen.texts) and len(seen.texts) > 40


def _user(username: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def _posting_of(transaction_id: str):
    from ledger.models import Posting

    return Posting.objects.filter(kind="purchase", source_key__contains=transaction_id).first() or \
        Posting.objects.filter(kind="purchase").order_by("-id").first()

