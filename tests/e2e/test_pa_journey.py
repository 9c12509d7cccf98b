"""A programme administrator's morning in the browser (issue #8 item 6; SPEC sections 2, 9, 11; terms §26).

Alice, PA of Nordlys Energi (10001, central billing), logs in, orders a card with a Central Order
Card file, blocks the new card, downloads a statement PDF, then reads the portal in Danish; Emma,
PA of the Belgian Brabant Logistics (20001), reads hers in Dutch.
"""

import datetime as dt
import re

import pytest
from django.urls import reverse

from accounts.demo import DEMO_PASSWORD
from accounts.models import Account, Card
from statements.models import Statement
from tests.accounts.order_files import card_file, full_pans_in
from tests.e2e.conftest import network_charge, plain

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ORDER = card_file({"company_number": "10001", "employee_id": "E-105", "first_name": "Ida", "last_name": "Berg",
                   "email": "ida.berg@nordlys.example", "cost_centre": "CC-100", "monthly_limit": "25000.00"})


def test_alice_orders_by_file_blocks_the_card_downloads_a_statement_and_reads_danish(visit, demo):
    alice = visit()
    page = alice.page
    alice.login("alice", DEMO_PASSWORD)
    # Alice's own language is Danish: the portal opens in it; she switches to English for the work.
    assert page.locator("html").get_attribute("lang") == "da"
    alice.choose_language("en", "english")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text().startswith("Your companies")  # then the business date

    # Order a card by uploading a Central Order Card file.
    alice.click(f"a[href='{reverse('portal:company_detail', args=['10001'])}']", "company")
    assert page.locator("h1").inner_text().startswith("Nordlys Energi A/S")
    alice.click(f"main a[href='{reverse('portal:order_upload', args=['10001'])}']", "upload-form")
    page.set_input_files("input[name=file]", {"name": "nordlys-orders.csv", "mimeType": "text/csv",
                                              "buffer": ORDER})
    alice.shot("upload-filled")
    alice.click("main form button[type=submit]", "upload-done")
    assert page.locator("h1").inner_text() == "1 card issued"
    result = page.locator("table.list tbody tr").inner_text()
    assert "Ida Berg" in result and "E-105" in result and "Active" in result
    assert full_pans_in(page.content()) == []  # a PA never sees a full card number
    card = Card.objects.get(account__cardmember__employee_id="E-105", account__company__number="10001")
    assert card.masked_number in result

    # Block the new card from its page.
    alice.click(f"main a[href='{reverse('portal:company_detail', args=['10001'])}']", "company-with-new-card")
    alice.click(f"main a[href='{reverse('portal:company_cards', args=['10001'])}']", "cards")
    alice.click(f"a[href='{reverse('portal:card_detail', args=[card.pk])}']", "card")
    page.fill("#reason-block", "Left on the train; the holder is looking for it")
    alice.click("main form button:has-text('Block the card')", "card-blocked")
    assert f"Done: the card ending {card.last4} is now blocked." in page.locator("ul.messages").inner_text()
    assert "Blocked — Left on the train" in page.locator("dl.facts").first.inner_text()
    card.refresh_from_db()
    assert card.status == Card.Status.BLOCKED and card.block_reason.startswith("Left on the train")

    # Download Bob's statement of 5 August as a PDF from the company's statements.
    bob_account = Account.objects.get(cardmember__user__username="bob")
    statement = Statement.objects.get(account=bob_account, statement_date="2026-08-05")
    alice.goto(reverse("portal:company_statements", args=["10001"]), "company-statements")
    alice.click(f"a[href='{reverse('portal:statement_detail', args=[statement.pk])}']", "statement")
    assert "Bob Jensen" in page.content()
    with page.expect_download() as download_info:
        page.click(f"a[href='{reverse('portal:statement_pdf', args=[statement.pk])}']")
    download = download_info.value
    pdf = alice.keep(download, "statement-pdf").read_bytes()
    assert download.suggested_filename.endswith(".pdf")
    assert pdf.startswith(b"%PDF-") and len(pdf) > 1000

    # The language selector: the same company page in Danish, amounts in kroner.
    alice.goto(reverse("portal:company_detail", args=["10001"]), "company-en")
    assert "DKK 2,000,000.00" in plain(page.locator("dl.facts").first.inner_text())
    alice.choose_language("da", "company-da")
    assert page.locator("html").get_attribute("lang") == "da"
    facts = plain(page.locator("dl.facts").first.inner_text())
    assert "2.000.000,00 kr." in facts and "650,00 kr." in facts
    alice.goto(reverse("portal:company_cards", args=["10001"]), "cards-da")
    limits = [plain(text) for text in page.locator("table.list tbody td.num").all_inner_texts()]
    assert "50.000,00 kr." in limits and "25.000,00 kr." in limits, limits  # the demo cards' and Ida's
    alice.goto(reverse("portal:account_statements", args=[bob_account.number]), "statements-da")
    closing = page.locator("table.list tbody tr").first.locator("td.num").nth(1).inner_text()
    assert re.fullmatch(r"[\d.]+,\d\d kr\.", plain(closing)), closing


def test_emma_reads_her_belgian_company_in_dutch(visit, demo):
    emma = visit()
    page = emma.page
    emma.login("emma", DEMO_PASSWORD, enrol=True)  # her first login: she sets up her authenticator app
    assert page.locator("html").get_attribute("lang") == "nl"
    assert "Brabant Logistics NV" in page.content()
    emma.click(f"a[href='{reverse('portal:company_detail', args=['20001'])}']", "company-nl")
    facts = plain(page.locator("dl.facts").first.inner_text())
    assert "€ 250.000,00" in facts and "€ 55,00" in facts
    emma.goto(reverse("portal:company_cards", args=["20001"]), "cards-nl")
    cards = plain(page.locator("table.list tbody").inner_text())
    assert "Lotte Maes" in cards and "Julien Dubois" in cards and "€ 7.500,00" in cards
    assert page.locator("table.list th").nth(1).inner_text() == "Kaarthouder"  # after the bulk selection box
    lunch = network_charge(demo, "lotte", day=dt.date(2026, 8, 5), merchant="Brasserie Appelmans",
                           city="Antwerpen", country="BE", mcc="5812", amount="1234.50", currency="EUR",
                           transaction_id="E2E-LUNCH-1")
    emma.goto(reverse("portal:account_transactions", args=[lunch.account.number]), "transactions-nl")
    rows = page.locator("table.transactions tbody tr", has_text="Brasserie Appelmans")
    row = plain(rows.filter(has_text="1.234,50").inner_text())
    assert "€ 1.234,50" in row and "Aankoop" in row, row
