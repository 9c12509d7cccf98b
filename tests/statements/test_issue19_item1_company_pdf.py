"""Issue 19 item 1: the company statement PDF fits the A4 page (SPEC 18: "statements and PDFs that fit
the page"); the "Closing balance" column was cut off in en and da."""

import datetime as dt
from decimal import Decimal

import pytest

from statements.rendering.data import CompanyAccountRow, CompanyStatementData, KindTotal
from statements.rendering.documents import render_company_statement_html

BIG = Decimal("1234567.89")


def document(language: str) -> CompanyStatementData:
    rows = tuple(CompanyAccountRow(
        statement_id=n, account_number=f"3700000000{n:05d}", holder_name="Karen Christentze Dinesen-Blixen",
        employee_id=f"EMP-2026-{n:06d}", cost_centre="CC-DK-4100-Marketing", currency="DKK",
        opening_balance=BIG, billed_amount=BIG, payments_amount=-BIG, closing_balance=BIG, eurobonus_points=0)
        for n in range(1, 4))
    return CompanyStatementData(
        company_statement_id=1, language=language, company_number="60001", company_name="Hygge Rejser A/S",
        address_lines=("Rungstedvej 111", "2960 Rungsted Kyst"), statement_date=dt.date(2026, 9, 8),
        due_date=dt.date(2026, 10, 8), currency="DKK", opening_balance=BIG, closing_balance=BIG,
        billed_amount=BIG, payments_amount=-BIG, account_count=3,
        totals=(KindTotal(kind="purchase", label="Purchases", amount=BIG),), accounts=rows)


def text_boxes(page):
    return [box for box in page.descendants() if type(box).__name__ == "TextBox" and box.text.strip()]


@pytest.mark.parametrize("language", ["en", "da", "nl", "fr"])
def test_issue19_item1_company_statement_pdf_keeps_every_column_on_the_page(language):
    from weasyprint import HTML

    rendered = HTML(string=render_company_statement_html(document(language))).render()
    page = rendered.pages[0]._page_box
    right_edge = page.margin_width() - page.margin_right
    boxes = list(text_boxes(page))
    texts = " ".join(box.text for box in boxes)
    closing = {"en": "Closing balance", "da": "Udgående saldo", "nl": "Eindsaldo", "fr": "Solde final"}[language]
    assert closing.split()[0] in texts
    overflowing = [(box.text, round(box.position_x + box.width - right_edge, 1)) for box in boxes
                   if box.position_x + box.width > right_edge + 0.5]
    assert overflowing == []
    amount = {"en": "DKK 1,234,567.89", "da": "1.234.567,89\xa0kr.", "nl": "DKK\xa01.234.567,89",
              "fr": "1\u202f234\u202f567,89\xa0DKK"}[language]
    assert amount.replace("\xa0", " ").replace("\u202f", " ") in texts.replace("\xa0", " ").replace("\u202f", " ")
