"""Statement documents (SPEC sections 9, 16): one builder, rendered as JSON, HTML and PDF in the
holder's language, with the figures of SPEC sections 6–8 written out."""

import datetime as dt
import shutil
import subprocess
from types import SimpleNamespace

import pytest
from moneyed import Money

from statements.models import CompanyStatement, Statement
from statements.rendering import (
    company_statement_document,
    company_statement_json,
    explain_posting,
    render_company_statement_html,
    render_company_statement_pdf,
    render_statement_html,
    render_statement_pdf,
    statement_document,
    statement_json,
)
from statements.rendering.formatting import plain_spaces
from tests.accounts.factories import AccountFactory, CardmemberFactory, CompanyFactory, issue_card
from tests.statements.conftest import pay, run_through
from tests.statements.scenarios import HOTEL, foreign_charges, purchase

pytestmark = pytest.mark.django_db

NO_FX = {"original_amount": None, "original_currency": None, "usd_amount": None, "fx_rate_to_usd": None,
         "fx_rate": None, "fx_rate_date": None}


@pytest.fixture
def hotel_account():
    company = CompanyFactory(number="60001", legal_name="Hygge Rejser A/S")
    cardmember = CardmemberFactory(company=company, first_name="Karen", last_name="Blixen", language="da",
                                   address_line="Rungstedvej 111", postal_code="2960", city="Rungsted Kyst")
    account = AccountFactory(number="370000000001", cardmember=cardmember, cycle_day=15, opened_on=dt.date(2026, 1, 10))
    issued = issue_card(account, on=dt.date(2026, 1, 10))
    account.issued = issued
    return account


@pytest.fixture
def hotel_statement(hotel_account):
    """Purchase DKK 1,000.00 + the first annual fee 650.00 → closing DKK 1,650.00 (SPEC sections 7, 9)."""
    purchase(hotel_account, "1000.00", dt.date(2026, 1, 12), "charge/hotel", card=hotel_account.issued.card)
    purchase(hotel_account, "250.00", dt.date(2026, 1, 16), "charge/next-period")  # the next statement's line
    run_through(dt.date(2026, 1, 15), start=dt.date(2026, 1, 10))
    return Statement.objects.get(account=hotel_account)


def test_statement_json_has_exactly_the_spec_fields_and_figures(hotel_statement):
    data = statement_json(statement_document(hotel_statement))
    # Issue 19 item 4: how to pay, its status on the day read, and whom to call
    # (tests/statements/test_issue19_item4_payment_status.py).
    payment = data.pop("payment")
    assert (payment["amount_due"], payment["due_date"], payment["reference"]) == ("1650.00", "2026-02-12",
                                                                                  "3700000000010")
    assert data == {
        "account_number": "370000000001",
        "company_number": "60001",
        "statement_date": "2026-01-15",
        "period_start": "2026-01-10",
        "period_end": "2026-01-15",
        "due_date": "2026-02-12",
        "currency": "DKK",
        "opening_balance": "0.00",
        "closing_balance": "1650.00",
        "eurobonus_points": 0,
        "totals": {"purchase": "1000.00", "fee_annual": "650.00"},
        "lines": [
            {"posting_date": "2026-01-12", "kind": "purchase", "description": HOTEL, "amount": "1000.00", **NO_FX,
             "source_key": "charge/hotel", "explanation": None},
            {"posting_date": "2026-01-15", "kind": "fee_annual", "description": "Annual card fee 2026-01-10",
             "amount": "650.00", **NO_FX, "source_key": f"annual-fee/{hotel_statement.account_id}/1",
             "explanation": "Årligt kortgebyr for medlemsår 1 (10. jan. 2026 – 9. jan. 2027)"},
        ],
    }


def test_the_explanation_is_in_the_holders_language_or_the_one_asked_for(hotel_statement):
    line = statement_json(statement_document(hotel_statement, language="en"))["lines"][1]
    assert line["explanation"] == "Annual card fee for membership year 1 (10 Jan 2026 – 9 Jan 2027)"


def test_a_danish_statement_shows_danish_money_and_every_figure(hotel_statement):
    html = render_statement_html(statement_document(hotel_statement))
    assert '<html lang="da">' in html
    assert "1.650,00\xa0kr." in html  # closing balance and amount due
    assert "1.000,00\xa0kr." in html
    assert "650,00\xa0kr." in html
    assert "12. feb. 2026" in html  # due date
    assert "Karen Blixen" in html and "Rungstedvej 111" in html
    assert "Årligt kortgebyr for medlemsår 1" in html  # the fee line's explanation, in Danish
    assert HOTEL in html.replace("&#x27;", "'")


def test_an_english_copy_uses_the_iso_code(hotel_statement):
    html = render_statement_html(statement_document(hotel_statement, language="en"))
    assert "DKK\xa01,650.00" in html
    assert "12 Feb 2026" in html


def test_the_html_shows_the_masked_card_and_never_the_full_number(hotel_account, hotel_statement):
    html = render_statement_html(statement_document(hotel_statement))
    pan = hotel_account.issued.pan
    assert pan[-4:] in html
    assert pan not in html
    assert pan not in str(statement_json(statement_document(hotel_statement)))


def test_the_pdf_is_a_real_pdf(hotel_statement):
    pdf = render_statement_pdf(statement_document(hotel_statement))
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert len(pdf) > 5000


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) is not installed")
def test_the_pdf_text_carries_the_figures_in_danish(tmp_path, hotel_account, hotel_statement):
    path = tmp_path / "statement.pdf"
    path.write_bytes(render_statement_pdf(statement_document(hotel_statement)))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "1.650,00 kr." in text and "1.000,00 kr." in text and "12. feb. 2026" in text
    assert "Årligt kortgebyr for medlemsår 1" in text
    assert hotel_account.issued.pan not in text.replace(" ", "")


def test_a_statement_with_only_an_opening_balance_renders_without_lines(hotel_statement):
    """The February statement of an unpaid account: no postings of its own, but a balance."""
    pay(hotel_statement.account, "1650.00", dt.date(2026, 2, 12), "pay/jan")
    run_through(dt.date(2026, 2, 15))
    february = Statement.objects.get(account=hotel_statement.account, statement_date=dt.date(2026, 2, 15))
    data = statement_json(statement_document(february, language="en"))
    assert (data["opening_balance"], data["closing_balance"]) == ("1650.00", "250.00")
    assert [line["kind"] for line in data["lines"]] == ["purchase", "payment"]
    assert data["totals"] == {"purchase": "250.00", "payment": "-1650.00"}
    html = render_statement_html(statement_document(february, language="en"))
    assert "DKK\xa0250.00" in html


@pytest.fixture
def foreign_statement():
    company = CompanyFactory(number="60002", annual_fee=Money("0.00", "DKK"))
    account = AccountFactory(cardmember=CardmemberFactory(company=company, language="en"), cycle_day=31,
                             opened_on=dt.date(2026, 3, 1))
    card = issue_card(account, on=dt.date(2026, 3, 1))
    foreign_charges(card.pan)
    run_through(dt.date(2026, 3, 31), start=dt.date(2026, 3, 1))
    return Statement.objects.get(account=account)


def test_foreign_lines_carry_the_fx_details_of_spec_section_6(foreign_statement):
    data = statement_json(statement_document(foreign_statement))
    lines = {line["source_key"]: line for line in data["lines"]}
    assert {key: line["amount"] for key, line in lines.items()} == {
        "charge/T1": "687.65", "fee_fx/T1": "17.19", "charge/T3": "835.84", "fee_fx/T3": "20.90",
        "charge/T5": "746.10", "fee_fx/T5": "18.65", "fee_cash/T5": "29.84"}
    sek = lines["charge/T3"]
    assert {key: sek[key] for key in NO_FX} == {
        "original_amount": "1234.50", "original_currency": "SEK", "usd_amount": "121.55",
        "fx_rate_to_usd": "0.098457350272", "fx_rate": "6.876497695853", "fx_rate_date": "2026-03-10"}
    assert sek["explanation"] == ("SEK 1,234.50 → USD 121.55 at 0.098457 → DKK 835.84 at 6.876498 "
                                  "(ECB reference rates of 10 Mar 2026)")
    usd = lines["charge/T1"]
    assert (usd["original_amount"], usd["usd_amount"], usd["fx_rate_to_usd"], usd["fx_rate"]) == (
        "100.00", "100.00", None, "6.876497695853")
    assert lines["fee_fx/T3"]["explanation"] == (
        "Currency conversion fee: 2.50 % of DKK 835.84 (SEK 1,234.50 at 0.677068; ECB reference rate 0.677042 "
        "of 10 Mar 2026; total cost over the ECB rate 2.5044 %)")
    assert lines["fee_cash/T5"]["explanation"] == "Cash withdrawal fee: 4.00 % of DKK 746.10, at least DKK 25.00"
    assert data["totals"] == {"purchase": "1523.49", "cash": "746.10", "fee_fx": "56.74", "fee_cash": "29.84"}
    assert data["closing_balance"] == "2356.17"


def test_the_html_shows_original_amount_rates_and_rate_date(foreign_statement):
    html = render_statement_html(statement_document(foreign_statement))
    assert "SEK\xa01,234.50" in html
    assert "1 SEK = 0.098457 USD" in html
    assert "1 USD = 6.876498 DKK" in html
    assert "ECB rates of 10/03/2026" in html  # en-GB, never 3/10/26 (issue 19 item 8)
    assert "total cost over the ECB rate 2.5044\xa0%" in html


def test_late_interest_is_explained_run_by_run(overdue_account):
    """SPEC section 8's figures: 10 days on 10,000.00 and 20 days on 6,000.00 at 8.60 % = 51.8356… → 51.84."""
    pay(overdue_account, "4000.00", dt.date(2026, 3, 10), "pay/1")
    pay(overdue_account, "6000.00", dt.date(2026, 3, 30), "pay/2")
    run_through(dt.date(2026, 3, 31))
    march = Statement.objects.get(account=overdue_account, statement_date=dt.date(2026, 3, 31))
    interest = next(line for line in statement_json(statement_document(march, language="en"))["lines"]
                    if line["kind"] == "interest")
    assert interest["amount"] == "51.84"
    assert interest["explanation"] == (
        "Late interest: 10 days on DKK 10,000.00 at 8.60 % + 20 days on DKK 6,000.00 at 8.60 % "
        "= 51.8356… rounded to 51.84")
    danish = statement_document(march, language="da")
    sentence = next(line.explanation for line in danish.lines if line.kind == "interest")
    assert "10.000,00\xa0kr." in sentence and "8,60\xa0%" in sentence and "51,8356…" in sentence
    reminder = next(line for line in statement_json(statement_document(march, language="en"))["lines"]
                    if line["kind"] == "fee_reminder")
    assert reminder["explanation"] == "Reminder 1 of at most 3: DKK 10,000.00 unpaid, in arrears since 1 Mar 2026"


def sentence(posting, language: str) -> str | None:
    """The explanation as JSON shows it (Babel's no-break spaces as plain spaces)."""
    return plain_spaces(explain_posting(posting, language))


def fake_posting(kind: str, amount: str, explanation: dict) -> SimpleNamespace:
    return SimpleNamespace(kind=kind, amount=Money(amount, "DKK"), explanation=explanation, original_amount=None,
                           usd_amount=None, fx_rate_to_usd=None, fx_rate=None, fx_rate_date=None)


def test_a_capped_reminder_fee_says_the_law_capped_it():
    posting = fake_posting("fee_reminder", "100.00", {
        "rule": "reminder_fee", "schedule_fee": "250.00", "legal_cap_applied": True, "reminder_number": 2,
        "arrears_since": "2026-03-01", "unpaid": "6000.00"})
    assert sentence(posting, "en") == (
        "Reminder 2 of at most 3: DKK 6,000.00 unpaid, in arrears since 1 Mar 2026; "
        "the fee of DKK 250.00 is capped at DKK 100.00 by the Danish Interest Act §9b")


def test_the_pro_rata_refund_shows_its_formula():
    """SPEC section 7: 650 × 265 days to the anniversary ÷ 365 = 471.917… → DKK 471.92."""
    posting = fake_posting("fee_annual_refund", "-471.92", {
        "rule": "annual_fee_refund", "fee": "650.00", "membership_year": 1, "closed_on": "2026-04-20",
        "next_anniversary": "2027-01-10", "days_left": 265, "days_in_year": 365})
    assert sentence(posting, "en") == (
        "Annual card fee refunded pro rata: DKK 650.00 × 265 days to 10 Jan 2027 ÷ 365 days = DKK 471.92")
    assert "650,00\xa0kr. × 265" in explain_posting(posting, "da")


def test_an_unknown_or_broken_explanation_explains_nothing_instead_of_failing():
    assert explain_posting(fake_posting("adjustment", "1.00", {"rule": "something_new"}), "en") is None
    assert explain_posting(fake_posting("interest", "1.00", {"rule": "late_interest"}), "en") is None
    assert explain_posting(fake_posting("purchase", "1.00", {}), "en") is None


@pytest.fixture
def central_company_statement():
    """SPEC section 9, central billing: 1,200.50 and 99.95 − 20.00 plus two annual fees of 500.00."""
    company = CompanyFactory(number="50001", legal_name="Central Billing A/S", billing_type="central",
                             annual_fee=Money("500.00", "DKK"))
    first, second = (AccountFactory(cardmember=CardmemberFactory(company=company, last_name=name), cycle_day=20,
                                    opened_on=dt.date(2026, 2, 2)) for name in ("Andersen", "Bohr"))
    purchase(first, "1200.50", dt.date(2026, 2, 3), "charge/c1")
    purchase(second, "99.95", dt.date(2026, 2, 4), "charge/c2")
    from tests.statements.conftest import post

    post(second, "refund", "-20.00", dt.date(2026, 2, 5), "charge/c3")
    run_through(dt.date(2026, 2, 20), start=dt.date(2026, 2, 2))
    company_statement = CompanyStatement.objects.get(company=company)
    company_statement.accounts = (first, second)
    return company_statement


def test_a_company_statement_has_the_sum_and_each_accounts_share(central_company_statement):
    first, second = central_company_statement.accounts
    data = company_statement_json(company_statement_document(central_company_statement))
    assert (data["company_number"], data["statement_date"], data["due_date"]) == ("50001", "2026-02-20", "2026-03-20")
    assert (data["closing_balance"], data["amount_due"], data["account_count"]) == ("2280.45", "2280.45", 2)
    assert data["totals"] == {"purchase": "1300.45", "refund": "-20.00", "fee_annual": "1000.00"}
    assert [(row["account_number"], row["closing_balance"]) for row in data["accounts"]] == sorted(
        [(first.number, "1700.50"), (second.number, "579.95")])


def test_a_company_statement_renders_in_its_markets_language(central_company_statement):
    html = render_company_statement_html(company_statement_document(central_company_statement))
    assert '<html lang="da">' in html
    assert "2.280,45\xa0kr." in html and "1.700,50\xa0kr." in html and "579,95\xa0kr." in html
    assert "Andersen" in html and "Bohr" in html
    assert render_company_statement_pdf(company_statement_document(central_company_statement)).startswith(b"%PDF-")
