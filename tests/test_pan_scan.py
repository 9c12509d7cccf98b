"""No full card number leaves the issuer (SPEC section 3, PCI DSS 3.4.1): one run through the main
flows, then a scan of everything a person or a log could see.

Cards are issued through `import_cards --report` (the only output meant to carry full numbers, for
the embosser) and by a lost-card replacement (its number goes to the ops embossing spool, the other
place built for it). Then: charges loaded, including a file with bad rows that carry card numbers;
statements produced; cards blocked; every portal page of cards, transactions, statements (HTML and
PDF), data files, reports and the data export; the API's answers; the admin; the emails sent; and
the log output at DEBUG. None may show a number issued in the test, nor any 15-digit number starting
37 that passes Luhn.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re
import shutil
import subprocess

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from accounts.models import Account, Card, Cardmember
from accounts.pan import is_valid_pan
from amexprog.common.logging import MaskPanFilter
from statements.models import Statement
from statements.reports import REPORT_NAMES
from statements.services import statements_generate
from tests.accounts.factories import UserFactory
from tests.accounts.order_files import card_file, card_rows
from tests.charges.conftest import RATE_DATE, RATES_2026_03_10, charge_file, charge_row, store_rates
from tests.conftest import token_client

pytestmark = pytest.mark.django_db

ISSUED_ON = dt.date(2026, 3, 2)
CURRENT_TIME = dt.datetime(2026, 4, 8, 10, 0, tzinfo=dt.UTC)
STATEMENT_DAY = dt.date(2026, 4, 5)  # the cycle day (5) after the charges
UNKNOWN_PAN = "378282246310005"  # Luhn-valid, never issued: a bad row of a charge file names it

# A 15-digit run starting 34/37 (also written 4-6-5 with spaces or dashes, as on a card).
AMEX_SHAPED = re.compile(r"(?<!\d)3[47]\d{2}[ -]?\d{6}[ -]?\d{5}(?!\d)")


def amex_numbers_in(text: str) -> set[str]:
    return {digits for digits in (re.sub(r"\D", "", hit) for hit in AMEX_SHAPED.findall(text))
            if is_valid_pan(digits)}


class Seen:
    """Everything collected for the scan, by where it came from."""

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}

    def add(self, where: str, content: bytes | str) -> str:
        text = content.decode("utf-8", errors="replace") if isinstance(content, bytes) else content
        self.texts[where] = text
        return text

    def page(self, client: Client, url: str, where: str = "") -> str:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return self.add(where or url, body)


@pytest.fixture
def debug_logs():
    """The log output as the product writes it (settings.LOGGING's PAN-masking filter) at DEBUG, and the
    raw records before any filter, so a number logged and only masked on the way out is caught too."""
    formatted = io.StringIO()
    handler = logging.StreamHandler(formatted)
    handler.setLevel(logging.DEBUG)
    handler.addFilter(MaskPanFilter())
    raw: list[str] = []

    class Raw(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            raw.append(f"{record.name} {record.getMessage()}")

    raw_handler = Raw(level=logging.DEBUG)
    root = logging.getLogger()
    previous = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(raw_handler)  # first, before the masking filter can rewrite a record
    root.addHandler(handler)
    yield lambda: (formatted.getvalue(), "\n".join(raw))
    root.removeHandler(handler)
    root.removeHandler(raw_handler)
    root.setLevel(previous)


def test_no_full_card_number_is_shown_anywhere_but_the_embossing_report(
    company_a, alice, bob, bob_card, tokens, tmp_path, settings, debug_logs, capsys,
    django_capture_on_commit_callbacks,
):
    settings.EMBOSSING_DIR = tmp_path / "embossing"
    store_rates(RATE_DATE, RATES_2026_03_10)
    seen = Seen()
    issued = {bob_card.pan}

    with time_machine.travel(CURRENT_TIME, tick=False):
        # Cards: the Central Order Card import, with its report for the embosser.
        orders = tmp_path / "orders.csv"
        orders.write_bytes(card_file(*card_rows(3)))
        report = tmp_path / "embossing.json"
        out, err = io.StringIO(), io.StringIO()
        call_command("import_cards", str(orders), "--date", ISSUED_ON.isoformat(), "--report", str(report),
                     stdout=out, stderr=err)
        seen.add("import_cards stdout", out.getvalue())
        seen.add("import_cards stderr", err.getvalue())
        from_report = [entry["card_number"] for entry in json.loads(report.read_text())]
        issued |= set(from_report)
        assert len(from_report) == 3 and all(is_valid_pan(pan) for pan in from_report)
        assert amex_numbers_in(report.read_text()) == set(from_report)  # the scan does see full numbers

        # Charges: a good file on two cards, and a rejected file whose bad rows name card numbers.
        good = tmp_path / "net-2026-03-11.csv"
        good.write_bytes(charge_file([charge_row("G1", bob_card.pan, "100.00", "USD"),
                                      charge_row("G2", from_report[0], "250.00")]))
        out, err = io.StringIO(), io.StringIO()
        call_command("import_charges", str(good), stdout=out, stderr=err)
        seen.add("import_charges stdout", out.getvalue() + err.getvalue())
        bad = tmp_path / "net-2026-03-12.csv"
        bad.write_bytes(charge_file([charge_row("B1", bob_card.pan, "1.00", transaction_date="12/03/2026"),
                                     charge_row("B2", UNKNOWN_PAN, "1.00"),
                                     charge_row("B3", bob_card.pan[:-1], "1.00")]))
        out, err = io.StringIO(), io.StringIO()
        with pytest.raises(CommandError) as rejected:
            call_command("import_charges", str(bad), stdout=out, stderr=err)
        seen.add("rejected charge file: stdout, stderr, message", out.getvalue() + err.getvalue() + str(rejected.value))
        error_report = tmp_path / "net-2026-03-12.csv.errors.json"
        assert "unknown card ending 0005" in seen.add("rejected charge file: error report", error_report.read_text())
        ops_api = token_client(tokens.ops)
        bad_upload = SimpleUploadedFile("net-2026-03-13.csv", bad.read_bytes(), content_type="text/csv")
        upload = ops_api.post("/api/v1/charge-files/", {"file": bad_upload}, format="multipart")
        assert upload.status_code == 400
        seen.add("rejected charge file: API answer", upload.content)

        # Statements, then the lifecycle: a PA blocks a card, the holder reports one lost (a replacement).
        statements_generate(on=STATEMENT_DAY, account_ids=list(Account.objects.values_list("pk", flat=True)))
        assert Statement.objects.filter(account=bob_card.card.account).exists()
        pa = Client()
        pa.force_login(alice)
        blocked = Card.objects.get(account__cardmember__employee_id="E001")
        with django_capture_on_commit_callbacks(execute=True):  # notices and the spool are written on commit
            pa.post(f"/cards/{blocked.pk}/block/", {"reason": "travelling"})
        assert Card.objects.get(pk=blocked.pk).status == "blocked"
        holder = Client()
        holder.force_login(bob)
        with django_capture_on_commit_callbacks(execute=True):
            holder.post(f"/cards/{bob_card.card.pk}/report/", {"status": "lost", "reason": "lost at the airport",
                                                               "confirm_last4": bob_card.card.last4})
        replacement = Card.objects.get(replaces=bob_card.card)
        spool = "".join(path.read_text() for path in settings.EMBOSSING_DIR.rglob("*") if path.is_file())
        issued |= {pan for pan in amex_numbers_in(spool) if pan.endswith(replacement.last4)}
        assert len(issued) == 5  # bob's card, three imported, one replacement

        # The portal as the holder sees it.
        account = bob_card.card.account
        statement = Statement.objects.filter(account=account).first()
        for url in ("/me/", f"/cards/{bob_card.card.pk}/", f"/cards/{replacement.pk}/",
                    f"/accounts/{account.number}/transactions/", f"/accounts/{account.number}/statements/",
                    f"/statements/{statement.pk}/", "/notices/",
                    f"/cardmembers/{account.cardmember_id}/data-export.json"):
            seen.page(holder, url, f"holder {url}")
        pdf = holder.get(f"/statements/{statement.pk}/pdf/")
        assert pdf.status_code == 200
        pdf_bytes = b"".join(pdf.streaming_content) if pdf.streaming else pdf.content
        seen.add("statement PDF bytes", pdf_bytes)
        if shutil.which("pdftotext"):
            seen.add("statement PDF text", subprocess.run(["pdftotext", "-", "-"], input=pdf_bytes,
                                                          capture_output=True, check=True).stdout)

        # The portal as the PA sees it: the company, its cards and cardmembers, statements, data files.
        imported = Cardmember.objects.get(employee_id="E001")
        for url in ("/pa/", "/pa/companies/10001/", "/pa/companies/10001/cards/", "/pa/companies/10001/cardmembers/",
                    f"/pa/companies/10001/cardmembers/{imported.pk}/", f"/cards/{blocked.pk}/",
                    f"/accounts/{imported.account.number}/transactions/", "/pa/companies/10001/statements/",
                    "/pa/companies/10001/reports/", f"/cardmembers/{imported.pk}/data-export.json"):
            seen.page(pa, url, f"PA {url}")
        params = {"transactions": "?date=2026-03-11", "billed": "?month=2026-04"}
        for name in REPORT_NAMES:
            for file_format in ("csv", "json"):
                seen.page(pa, f"/pa/companies/10001/reports/{name}.{file_format}{params.get(name, '')}",
                          f"PA data file {name}.{file_format}")

        # The API as the company's ERP sees it.
        api = token_client(tokens.a)
        for url in ("/api/v1/cards/", f"/api/v1/cards/{bob_card.card.pk}/", f"/api/v1/cards/{replacement.pk}/",
                    "/api/v1/accounts/", f"/api/v1/accounts/{account.number}/postings/",
                    f"/api/v1/accounts/{account.number}/statements/", "/api/v1/statements/", "/api/v1/cardmembers/",
                    f"/api/v1/cardmembers/{account.cardmember_id}/export/", "/api/v1/audit-entries/",
                    "/api/v1/companies/10001/reports/transactions.json?date=2026-03-11"):
            response = api.get(url)
            assert response.status_code == 200, (url, response.status_code)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            seen.add(f"API {url}", body)
        card_number_lookup = api.get(f"/api/v1/cards/?card_number={bob_card.pan}")
        seen.add("API card list filtered by a full number", card_number_lookup.content)

        # Ops in the admin.
        ops = Client()
        ops.force_login(UserFactory(username="ops", is_staff=True, is_superuser=True))
        for url in ("/admin/accounts/card/", f"/admin/accounts/card/{replacement.pk}/change/",
                    "/admin/ledger/posting/", "/admin/audit/cardevent/", "/admin/accounts/embossingorder/"):
            seen.page(ops, url, f"admin {url}")

        # Exports run by ops.
        export = tmp_path / "statements.json"
        call_command("export_statements", "--period", "2026-04", "--format", "json", "--out", str(export),
                     stdout=io.StringIO())
        seen.add("export_statements JSON", export.read_bytes())

    seen.add("emails", "\n".join(f"{m.subject}\n{m.body}\n{m.alternatives}" for m in mail.outbox))
    assert mail.outbox, "the block and the replacement send notices"
    formatted, raw = debug_logs()
    seen.add("log output (DEBUG, as written)", formatted)
    seen.add("log records (DEBUG, before masking)", raw)
    captured = capsys.readouterr()
    seen.add("process stdout/stderr", captured.out + captured.err)

    # The pages did show the cards, by their last four digits.
    assert all(pan[-4:] in seen.texts["PA /pa/companies/10001/cards/"] for pan in from_report)
    assert bob_card.pan[-4:] in seen.texts[f"holder /cards/{bob_card.card.pk}/"]
    leaks = {
        where: sorted({pan[-4:] for pan in issued if pan in text} | {f"37…{n[-4:]}" for n in amex_numbers_in(text)})
        for where, text in seen.texts.items()
    }
    assert {where: found for where, found in leaks.items() if found} == {}
