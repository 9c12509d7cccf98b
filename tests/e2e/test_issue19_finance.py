"""Issue 19 items 1, 4, 11 and 12 in a browser, at desktop and phone width (390 px), in English and Danish
(Dutch for the Belgian PA): the amounts a finance team acts on (SPEC sections 9, 14, 17 and 18).

- Item 1: an order file's `10.000` is refused as ambiguous, a `;` file reads it as ten thousand and says
  so; a card limit looser than the company's warns and the card list shows the limit in force; the company
  statement PDF downloads.
- Item 4: a statement and the company statement say how to pay (amount, due date, IBAN, reference) and
  whether it is paid.
- Item 11: the demo's business date is today and its spend runs up to it ("this period" is not empty).
- Item 12: an ops user reads a customer's overview and the read-only cycle monitor in the admin.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from accounts.demo import DEMO_PASSWORD
from accounts.imports import CARD_COLUMNS
from accounts.models import Account, Card, Company, SpendingControls
from statements.models import CompanyStatement, Statement
from tests.accounts.order_files import CARD_ROW
from tests.e2e.conftest import CURRENT_TIME, HISTORY_THROUGH, plain

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (1280, 390)
READ_AS_COMMA = {"en": "Amounts read as 1.234,56 (decimal comma).", "da": "Beløb læst som 1.234,56 (decimalkomma)."}
TWO_WAYS = {"en": "can be read two ways", "da": "kan læses på to måder"}


def words(language: str, message: str) -> str:
    """The catalogue's own translation, so the test reads what a person in that language reads."""
    with translation.override(language):
        return gettext(message)


def order_file(limit: str, employee_id: str, *, delimiter: str) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CARD_COLUMNS, lineterminator="\n", delimiter=delimiter)
    writer.writeheader()
    writer.writerow({**CARD_ROW, "company_number": "10001", "employee_id": employee_id,
                     "email": f"{employee_id.lower()}@nordlys.example", "monthly_limit": limit})
    return out.getvalue().encode("utf-8-sig")


def fits_the_width(page, width: int) -> None:
    """No page wider than the screen (issue 19 item 10): the phone never scrolls sideways."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"wider than {width} px"


def test_issue19_item1_ambiguous_amounts_looser_limits_and_the_company_pdf_on_desktop_and_phone(visit, demo):
    alice = visit()
    page = alice.page
    alice.login("alice", DEMO_PASSWORD)
    upload = reverse("portal:order_upload", args=["10001"])
    company = Company.objects.get(number="10001")
    SpendingControls.objects.update_or_create(company=company, card=None,
                                              defaults={"monthly_limit": Decimal("20000.00")})
    card = Card.objects.get(account__cardmember__user__username="bob", status=Card.Status.ACTIVE)
    for language in ("en", "da"):
        alice.goto(upload, f"upload-{language}")
        alice.choose_language(language, f"language-{language}")
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            # 10.000 in a comma-separated file: ten kroner or ten thousand? Refused, and nothing issued.
            before = Card.objects.count()
            alice.goto(upload, f"upload-{language}-{width}")
            page.set_input_files("input[name=file]", {"name": "orders.csv", "mimeType": "text/csv",
                                                      "buffer": order_file("10.000", f"AMB-{language}-{width}",
                                                                           delimiter=",")})
            alice.click("main form button[type=submit]", f"ambiguous-{language}-{width}")
            report = page.locator("main").inner_text()
            assert TWO_WAYS[language] in report and "10000" in report, report
            assert Card.objects.count() == before
            fits_the_width(page, width)

            # The same amount in a ";" file (a Danish spreadsheet's export) with the format chosen on upload
            # is ten thousand, and the result says how the amounts were read.
            employee = f"DK-{language}-{width}"
            alice.goto(upload, f"upload-again-{language}-{width}")
            page.set_input_files("input[name=file]", {"name": "orders.csv", "mimeType": "text/csv",
                                                      "buffer": order_file("10.000", employee, delimiter=";")})
            page.select_option("select[name=number_format]", "comma")
            alice.click("main form button[type=submit]", f"read-as-comma-{language}-{width}")
            done = plain(page.locator("main").inner_text())
            assert READ_AS_COMMA[language] in done, done
            issued = Card.objects.get(account__cardmember__employee_id=employee)
            assert issued.monthly_limit.amount == Decimal("10000.00")
            fits_the_width(page, width)

            # A card limit looser than the company's 20,000: a warning, and the list shows the one in force.
            alice.goto(reverse("portal:card_controls", args=[card.pk]), f"controls-{language}-{width}")
            page.fill("input[name=monthly_limit]", "50000")
            save = words(language, "Save the controls")
            alice.click(f"main form:has(input[name=monthly_limit]) button:has-text('{save}')",
                        f"looser-limit-{language}-{width}")
            # Saved, with a warning naming both limits: the card's has no effect, the company's applies.
            in_force = "DKK 20,000.00" if language == "en" else "20.000,00 kr."
            looser = "DKK 50,000.00" if language == "en" else "50.000,00 kr."
            warning = plain(page.locator("ul.messages").inner_text())
            assert in_force in warning and looser in warning, warning
            alice.goto(reverse("portal:company_cards", args=["10001"]), f"cards-{language}-{width}")
            row = plain(page.locator("table.list tbody tr", has_text=card.last4).first.inner_text())
            assert in_force in row, row
            fits_the_width(page, width)

        statement = CompanyStatement.objects.filter(company=company).latest("statement_date")
        alice.goto(reverse("portal:company_statement_detail", args=[statement.pk]), f"company-statement-{language}")
        with page.expect_download() as download_info:
            page.click(f"a[href='{reverse('portal:company_statement_pdf', args=[statement.pk])}']")
        pdf = alice.keep(download_info.value, f"company-statement-pdf-{language}").read_bytes()
        assert pdf.startswith(b"%PDF-") and len(pdf) > 1000


def test_issue19_item4_statements_say_how_to_pay_and_whether_paid_on_desktop_and_phone(visit, demo):
    bob_account = Account.objects.get(cardmember__user__username="bob")
    statement = Statement.objects.get(account=bob_account, statement_date=HISTORY_THROUGH)
    company_statement = CompanyStatement.objects.get(company__number="10001", statement_date=HISTORY_THROUGH)
    alice = visit()
    page = alice.page
    alice.login("alice", DEMO_PASSWORD)
    for language in ("en", "da"):
        alice.goto(reverse("portal:company_statements", args=["10001"]), f"statements-{language}")
        alice.choose_language(language, f"language-{language}")
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            alice.goto(reverse("portal:company_statements", args=["10001"]), f"statements-{language}-{width}")
            listing = page.locator("main").inner_text()
            assert words(language, "Not yet paid") in listing, listing
            # The company statement reads in the PA's language; Bob's statement is a document in its holder's
            # language, Danish (SPEC 9), whatever the reader chose.
            for name, url, document_language in (
                    ("company", reverse("portal:company_statement_detail", args=[company_statement.pk]), language),
                    ("bob", reverse("portal:statement_detail", args=[statement.pk]), "da")):
                alice.goto(url, f"{name}-statement-{language}-{width}")
                box = page.locator("section.payment").first
                text = plain(box.inner_text())
                assert words(document_language, "How to pay") in text, text
                assert words(document_language, "Reference to quote") in text
                assert words(document_language, "Due date") in text
                assert "DK50 0040 0440 1162 43" in text, text  # the issuer's IBAN, grouped
                assert box.locator(".status strong").inner_text() == words(document_language, "Not yet paid")
                assert box.is_visible()
                fits_the_width(page, width)


def test_issue19_item11_the_demo_runs_to_today_with_this_periods_spend_on_desktop_and_phone(visit, demo):
    """The demo fixture's history runs to the day before the test's morning, as `seed_demo --history` does to
    the day it is started: the home's business date is yesterday's (the last day the cycle ran) and the
    company's newest transactions are from the history's last days."""
    from amexprog.common.models import BusinessDate

    assert BusinessDate.objects.get().last_completed == HISTORY_THROUGH == CURRENT_TIME.date() - dt.timedelta(days=1)
    alice = visit()
    page = alice.page
    alice.login("alice", DEMO_PASSWORD)
    for language in ("en", "da"):
        alice.choose_language(language, f"language-{language}")
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            alice.goto(reverse("portal:pa_home"), f"home-{language}-{width}")
            heading = plain(page.locator("h1").inner_text())
            # The business date (the last day the cycle ran) is yesterday: the history ran up to it.
            assert ("5 Aug 2026" if language == "en" else "5. aug. 2026") in heading, heading
            # The newest spend is from the last days of the history, not weeks before it.
            alice.goto(reverse("portal:company_transactions", args=["10001"]), f"transactions-{language}-{width}")
            newest = plain(page.locator("main table tbody tr").first.inner_text())
            days = ("4 Aug 2026", "5 Aug 2026") if language == "en" else ("4. aug. 2026", "5. aug. 2026")
            assert any(day in newest for day in days), newest
            fits_the_width(page, width)


def test_issue19_item12_ops_read_a_customer_overview_and_the_cycle_monitor_on_desktop_and_phone(visit, demo):
    ops = visit()
    page = ops.page
    ops.login("admin", DEMO_PASSWORD)
    company = Company.objects.get(number="10001")
    for language in ("en", "da"):
        # The admin has no language selector of its own: the language cookie the portal's selector sets.
        origin = re.match(r"https?://[^/]+", page.url).group(0)
        ops.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": origin + "/"}])
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            ops.goto(reverse("admin:accounts_company_change", args=[company.pk]), f"company-{language}-{width}")
            ops.click(f"a[href='{reverse('admin:accounts_company_overview', args=[company.pk])}']",
                      f"overview-{language}-{width}")
            overview = plain(page.locator("#content").inner_text())
            assert "Nordlys Energi A/S" in overview and "Bob Jensen" in overview
            assert words(language, "Statements") in overview and words(language, "Payments") in overview
            ops.goto(reverse("admin:common_cyclemonitor_changelist"), f"cycle-monitor-{language}-{width}")
            monitor = page.locator("#content")
            assert ("5 Aug 2026" if language == "en" else "5. aug. 2026") in plain(monitor.inner_text())
            # Read-only: nothing to save, add or delete on the cycle's records.
            assert monitor.locator("input[type=submit], button[type=submit], a.addlink").count() == 0
