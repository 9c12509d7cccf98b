"""Issue 19 item 4 and issue 16 item 11 (SPEC sections 9 and 15; terms §13): every statement and company
statement says how to pay (amount, due date, IBAN, BIC, the reference to quote) and whom to call, and shows
paid, partly paid or overdue, computed from the payments against its amount due and due date."""

import datetime as dt

import pytest
import time_machine
from moneyed import Money

from amexprog.common.errors import ApplicationError
from documents.issuer import payment_reference, payment_reference_number
from statements.rendering import (
    company_statement_document,
    company_statement_json,
    render_company_statement_html,
    render_statement_html,
    statement_document,
    statement_json,
)
from statements.rendering.formatting import plain_spaces
from tests.accounts.factories import AccountFactory, CardmemberFactory, CompanyFactory
from tests.statements.conftest import pay, run_through
from tests.statements.scenarios import purchase
from tests.statements.test_rendering import central_company_statement, hotel_account, hotel_statement  # noqa: F401

pytestmark = pytest.mark.django_db


def at(day: dt.date):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, 12, 0, tzinfo=dt.UTC), tick=False)


def test_issue16_item11_references_by_the_markets_rule():
    """DK (example rule): the account number and a Luhn check digit; BE: the ISO 11649 RF reference."""
    assert payment_reference(rule="mod10", number="370000000001") == "3700000000010"
    assert payment_reference(rule="mod10", number="50001") == "500017"
    assert payment_reference(rule="iso11649", number="370000000001") == "RF11 3700 0000 0001"
    assert payment_reference(rule="iso11649", number="20001") == "RF73 2000 1"
    assert payment_reference_number(rule="iso11649", reference="rf11370000000001") == "370000000001"
    assert payment_reference_number(rule="mod10", reference="3700000000010") == "370000000001"
    for rule, typo in (("mod10", "3700000000011"), ("iso11649", "RF11 3700 0000 0002")):
        with pytest.raises(ApplicationError) as error:
            payment_reference_number(rule=rule, reference=typo)
        assert error.value.code == "bad_payment_reference"


def test_issue19_item4_unpaid_partly_paid_overdue_paid(hotel_statement):  # noqa: F811
    """Statement of 15 January 2026: DKK 1,650.00 due 12 February. DKK 600.00 paid on 25 January leaves
    1,050.00; on 13 February that is overdue; paying it makes the statement paid."""
    account = hotel_statement.account
    with at(dt.date(2026, 1, 20)):
        payment = statement_json(statement_document(hotel_statement))["payment"]
    assert {key: payment[key] for key in ("status", "as_of", "amount_due", "due_date", "paid", "outstanding",
                                          "payer", "iban", "bic", "reference")} == {
        "status": "unpaid", "as_of": "2026-01-20", "amount_due": "1650.00", "due_date": "2026-02-12",
        "paid": "0.00", "outstanding": "1650.00", "payer": "holder", "iban": "DK5000400440116243",
        "bic": "DABADKKK", "reference": "3700000000010"}
    assert [line["line"] for line in payment["issuer"]["phone_lines"]] == [
        "cards", "lost_stolen", "credit", "pa_service", "fraud"]

    pay(account, "600.00", dt.date(2026, 1, 25), "payment/part")
    with at(dt.date(2026, 1, 26)):
        payment = statement_json(statement_document(hotel_statement))["payment"]
    assert (payment["status"], payment["paid"], payment["outstanding"]) == ("partly_paid", "600.00", "1050.00")

    # Paying on the due date is on time: still partly paid on 12 February, overdue on the 13th.
    with at(dt.date(2026, 2, 12)):
        assert statement_document(hotel_statement).payment.status == "partly_paid"
    with at(dt.date(2026, 2, 13)):
        document = statement_document(hotel_statement, language="en")
        html = plain_spaces(render_statement_html(document, standalone=False))
    assert (document.payment.status, str(document.payment.outstanding)) == ("overdue", "1050.00")
    assert "Overdue" in html and "DKK 1,050.00 is past its due date" in html
    assert "DK50 0040 0440 1162 43" in html and "3700000000010" in html and "DABADKKK" in html
    assert "Lost or stolen cards" in html and "+45 70 00 00 02" in html and "around the clock, every day" in html

    pay(account, "1050.00", dt.date(2026, 2, 14), "payment/rest")
    with at(dt.date(2026, 2, 15)):
        payment = statement_json(statement_document(hotel_statement))["payment"]
    assert (payment["status"], payment["paid"], payment["outstanding"]) == ("paid", "1650.00", "0.00")


def test_issue19_item4_the_danish_statement_says_how_to_pay_in_danish(hotel_statement):  # noqa: F811
    with at(dt.date(2026, 1, 20)):
        html = render_statement_html(statement_document(hotel_statement))
    assert "Sådan betaler du" in html and "Ikke betalt endnu" in html and "Reference, der skal angives" in html
    assert "1.650,00\xa0kr." in html and "Mistede eller stjålne kort" in html


def test_issue19_item4_a_later_statement_carrying_overdue_arrears_is_overdue(hotel_account):  # noqa: F811
    """The second statement's amount due includes the first's unpaid 1,650.00, past its due date."""
    purchase(hotel_account, "1000.00", dt.date(2026, 1, 12), "charge/hotel", card=hotel_account.issued.card)
    purchase(hotel_account, "250.00", dt.date(2026, 2, 16), "charge/february")
    run_through(dt.date(2026, 3, 15), start=dt.date(2026, 1, 10))
    second = hotel_account.statements.get(statement_date=dt.date(2026, 3, 15))
    with at(dt.date(2026, 3, 16)):
        payment = statement_document(second).payment
    assert payment.status == "overdue" and payment.outstanding >= payment.amount_due - 250


def test_issue19_item4_a_credit_balance_has_nothing_to_pay():
    company = CompanyFactory(number="60002")
    account = AccountFactory(number="370000000019", cardmember=CardmemberFactory(company=company), cycle_day=15,
                             opened_on=dt.date(2026, 1, 10))
    purchase(account, "100.00", dt.date(2026, 1, 11), "charge/small")
    pay(account, "900.00", dt.date(2026, 1, 12), "payment/over")
    run_through(dt.date(2026, 1, 15), start=dt.date(2026, 1, 10))
    statement = account.statements.get()
    with at(dt.date(2026, 1, 16)):
        payment = statement_document(statement).payment
    assert (payment.status, payment.amount_due, payment.outstanding) == ("nothing_due", 0, 0)


def test_issue19_item4_the_company_statement_is_paid_by_the_company_with_its_reference(central_company_statement):  # noqa: F811
    """DKK 2,280.45 due 20 March 2026: Andersen's 1,700.50 paid, Bohr's 579.95 not → partly paid, then
    overdue on 21 March."""
    first, _second = central_company_statement.accounts
    pay(first, "1700.50", dt.date(2026, 2, 25), "payment/andersen")
    with at(dt.date(2026, 3, 1)):
        data = company_statement_json(company_statement_document(central_company_statement))
    assert {key: data["payment"][key] for key in ("status", "amount_due", "paid", "outstanding", "payer",
                                                  "reference")} == {
        "status": "partly_paid", "amount_due": "2280.45", "paid": "1700.50", "outstanding": "579.95",
        "payer": "company", "reference": "500017"}
    with at(dt.date(2026, 3, 21)):
        document = company_statement_document(central_company_statement, language="en")
        html = plain_spaces(render_company_statement_html(document))
    assert document.payment.status == "overdue"
    assert "DKK 579.95 is past its due date" in html and "500017" in html
    assert "Service for programme administrators" in html and "+45 70 00 00 04" in html
    # The accounts' own statements name the company's reference: the company pays them.
    with at(dt.date(2026, 3, 21)):
        own = statement_document(first.statements.get())
    assert (own.payment.payer, own.payment.reference, own.payment.status) == ("company", "500017", "paid")


def test_issue16_item11_a_belgian_statement_quotes_the_rf_reference():
    company = CompanyFactory(number="20009", market="BE", country="BE", credit_limit=Money("100000.00", "EUR"),
                             annual_fee=Money("0.00", "EUR"))
    account = AccountFactory(number="370000000001", cardmember=CardmemberFactory(company=company, language="nl"),
                             cycle_day=15, opened_on=dt.date(2026, 1, 10))
    purchase(account, "100.00", dt.date(2026, 1, 11), "charge/be")
    run_through(dt.date(2026, 1, 15), start=dt.date(2026, 1, 10))
    with at(dt.date(2026, 1, 16)):
        document = statement_document(account.statements.get())
    assert (document.payment.iban, document.payment.bic, document.payment.reference) == (
        "BE68539007547034", "GEBABEBB", "RF11 3700 0000 0001")
    assert document.payment.issuer.legal_name == "Example Card Issuer Belgium SA/NV"
