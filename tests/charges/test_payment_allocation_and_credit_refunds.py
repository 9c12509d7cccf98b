"""Payments and their allocation, and credit-balance refunds (SPEC section 9; PA sheet), through the
selector, the service, the portal and the API; carol and company B's token see nothing of company A."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from moneyed import Money

from accounts.audit import Actor, Role
from accounts.models import AuditEntry
from amexprog.common.errors import ApplicationError
from charges.credit_refunds import NO_BANK_ACCOUNT, credit_refund_request
from charges.payment_allocation import account_payment_allocation, company_payments
from charges.payments import PaymentRow, payment_receive
from ledger.models import Posting, PostingKind
from ledger.selectors import account_balance, posting_legs
from tests.conftest import token_client
from tests.statements.conftest import run_through
from tests.statements.test_reports import charge

pytestmark = pytest.mark.django_db
IBAN = "DK5000400440116243"


def pay(account, payment_id: str, amount: str, on: dt.date):
    row = PaymentRow(row=2, payment_id=payment_id, account=account, company=None, received_on=on, type="payment",
                     amount=Decimal(amount), currency="DKK", method="transfer", original_id="", cost=Decimal(0))
    return payment_receive(row=row)


@pytest.fixture
def paid(bob_account, bob_card):
    """Statement of 5 January bills DKK 1,650.00 (hotel 1,000.00 + annual fee 650.00), due 2 February;
    a 300.00 dinner on 20 January; payments of 1,000.00 on 25 January and 800.00 on 1 February; the
    statement of 5 February bills the 300.00."""
    charge(bob_account, "purchase", "1000.00", dt.date(2026, 1, 5), "a/hotel", merchant="Hotel", mcc="7011",
           card=bob_card.card)
    run_through(dt.date(2026, 1, 5), start=dt.date(2026, 1, 5))
    charge(bob_account, "purchase", "300.00", dt.date(2026, 1, 20), "a/dinner", merchant="Noma", mcc="5812",
           card=bob_card.card)
    pay(bob_account, "P-1", "1000.00", dt.date(2026, 1, 25))
    pay(bob_account, "P-2", "800.00", dt.date(2026, 2, 1))
    run_through(dt.date(2026, 2, 5))
    return bob_account


def test_each_payment_pays_the_oldest_billed_amount_first(paid):
    allocation = account_payment_allocation(account=paid, as_of=dt.date(2026, 2, 5))
    assert [(due.statement_date, due.billed, due.unpaid) for due in allocation.dues] == [
        (dt.date(2026, 1, 5), Decimal("1650.00"), Decimal("0.00")),
        (dt.date(2026, 2, 5), Decimal("300.00"), Decimal("150.00")),
    ]
    first, second = allocation.credits
    assert (first.amount, [(s.statement_date, s.amount) for s in first.shares]) == (
        Decimal("1000.00"), [(dt.date(2026, 1, 5), Decimal("1000.00"))])
    assert [(s.statement_date, s.amount) for s in second.shares] == [
        (dt.date(2026, 1, 5), Decimal("650.00")), (dt.date(2026, 2, 5), Decimal("150.00"))]
    assert first.unallocated == second.unallocated == Decimal("0.00")


def test_the_company_page_lists_payments_with_their_accounts(paid, company_a):
    rows = company_payments(company=company_a)
    assert [row.payment.payment_id for row in rows] == ["P-2", "P-1"]
    assert rows[0].parts == [(paid.number, "Bob Jensen", Decimal("800.00"))]


def test_a_credit_balance_is_refunded_to_the_company_bank_and_audited(paid, company_a, alice):
    pay(paid, "P-3", "200.00", dt.date(2026, 2, 6))  # 150.00 owed: a credit of 50.00
    company_a.iban = IBAN
    company_a.save(update_fields=["iban"])
    by = Actor(Role.COMPANY, "user:alice", alice.pk)
    posting = credit_refund_request(account=paid, by=by, on=dt.date(2026, 2, 7))
    assert posting.kind == PostingKind.ADJUSTMENT and posting.amount == Money("50.00", "DKK")
    assert {leg.ledger_account: leg.amount for leg in posting_legs(posting=posting)}["bank"] == Money("-50.00", "DKK")
    assert account_balance(account=paid).amount == Decimal("0.00")
    entry = AuditEntry.objects.get(action=AuditEntry.Action.CREDIT_REFUNDED)
    assert entry.account == paid and entry.actor == "user:alice" and entry.details["amount"] == "50.00"
    with pytest.raises(ApplicationError) as again:
        credit_refund_request(account=paid, by=by, on=dt.date(2026, 2, 8))
    assert again.value.code == "no_credit_balance"


def test_refund_refusals(paid, company_a, alice, bob):
    with pytest.raises(ApplicationError) as owing:
        company_a.iban = IBAN
        company_a.save(update_fields=["iban"])
        credit_refund_request(account=paid, by=Actor(Role.COMPANY, "user:alice", alice.pk), on=dt.date(2026, 2, 7))
    assert owing.value.code == "no_credit_balance"
    with pytest.raises(ApplicationError) as holder:
        credit_refund_request(account=paid, by=Actor(Role.HOLDER, "user:bob", bob.pk), on=dt.date(2026, 2, 7))
    assert holder.value.code == "not_allowed"
    company_a.iban = ""
    company_a.save(update_fields=["iban"])
    with pytest.raises(ApplicationError) as no_bank:
        credit_refund_request(account=paid, by=Actor(Role.COMPANY, "user:alice", alice.pk), on=dt.date(2026, 2, 7))
    assert no_bank.value.message == NO_BANK_ACCOUNT.format(company="10001")


def test_portal_pages_for_the_pa_and_the_refund_form(client, paid, company_a, alice):
    pay(paid, "P-3", "200.00", dt.date(2026, 2, 6))
    company_a.iban = IBAN
    company_a.save(update_fields=["iban"])
    client.force_login(alice)
    html = client.get(reverse("portal:account_payments", args=[paid.number])).content.decode()
    assert "Refund the credit balance" in html and IBAN in html
    assert "DKK 650.00 of the statement of 5 Jan 2026" in html.replace("\xa0", " ")
    html = client.get(reverse("portal:company_payments", args=["10001"])).content.decode()
    assert "P-1" in html and "P-2" in html and paid.number in html
    url = reverse("portal:account_credit_refund", args=[paid.number])
    client.post(url)  # without the confirmation box nothing happens
    assert not Posting.objects.filter(kind=PostingKind.ADJUSTMENT).exists()
    response = client.post(url, {"confirm": "yes"}, follow=True)
    assert "is being paid to the company&#x27;s bank account" in response.content.decode()
    assert Posting.objects.get(kind=PostingKind.ADJUSTMENT).amount == Money("50.00", "DKK")


def test_the_cardmember_sees_the_allocation_but_no_refund_form(client, paid, bob):
    pay(paid, "P-3", "200.00", dt.date(2026, 2, 6))
    client.force_login(bob)
    html = client.get(reverse("portal:account_payments", args=[paid.number])).content.decode()
    assert "DKK 1,000.00 of the statement of 5 Jan 2026" in html.replace("\xa0", " ")
    assert "Refund the credit balance" not in html
    assert client.get(reverse("portal:company_payments", args=["10001"])).status_code == 404


def test_carol_gets_404_on_every_payment_page_and_action(client, paid, carol):
    client.force_login(carol)
    assert client.get(reverse("portal:account_payments", args=[paid.number])).status_code == 404
    assert client.get(reverse("portal:company_payments", args=["10001"])).status_code == 404
    assert client.post(reverse("portal:account_credit_refund", args=[paid.number]),
                       {"confirm": "yes"}).status_code == 404


def test_api_allocation_and_refund_for_the_company_token_only(paid, company_a, tokens):
    pay(paid, "P-3", "200.00", dt.date(2026, 2, 6))
    company_a.iban = IBAN
    company_a.save(update_fields=["iban"])
    outsider = token_client(tokens.b)
    assert outsider.get(f"/api/v1/accounts/{paid.number}/payment-allocation/").status_code == 404
    assert outsider.post(f"/api/v1/accounts/{paid.number}/credit-refund/").status_code == 404
    client = token_client(tokens.a)
    body = client.get(f"/api/v1/accounts/{paid.number}/payment-allocation/").json()
    assert [s["unpaid"] for s in body["statements"]] == ["0.00", "0.00"]
    assert body["credits"][1]["shares"][1] == {"statement_id": body["statements"][1]["statement_id"],
                                               "statement_date": "2026-02-05", "due_date": "2026-03-05",
                                               "amount": "150.00"}
    assert body["credits"][2]["unallocated"] == "50.00"
    response = client.post(f"/api/v1/accounts/{paid.number}/credit-refund/")
    assert response.status_code == 201 and response.json()["amount"] == "50.00" and response.json()["iban"] == IBAN
    again = client.post(f"/api/v1/accounts/{paid.number}/credit-refund/")
    assert again.status_code == 400 and again.json()["code"] in ("already_refunded", "no_credit_balance")


def test_payment_lists_read_a_fixed_number_of_queries(client, alice, company_a, bob_account,
                                                      django_assert_max_num_queries):
    from tests.accounts.factories import AccountFactory, CardmemberFactory

    def pages() -> None:
        for url in (reverse("portal:company_payments", args=["10001"]),
                    reverse("portal:account_payments", args=[bob_account.number])):
            with django_assert_max_num_queries(14):
                assert client.get(url).status_code == 200

    client.force_login(alice)
    pay(bob_account, "Q-0", "10.00", dt.date(2026, 1, 6))
    pages()
    for number in range(1, 25):
        account = bob_account if number % 2 else AccountFactory(cardmember=CardmemberFactory(company=company_a))
        pay(account, f"Q-{number}", "10.00", dt.date(2026, 1, 6) + dt.timedelta(days=number))
    pages()


def test_api_company_payments_list_with_allocation(paid, company_a, tokens):
    body = token_client(tokens.a).get("/api/v1/companies/10001/payments/").json()
    assert [row["payment_id"] for row in body["results"]] == ["P-2", "P-1"]
    assert body["results"][0]["allocation"] == [
        {"account_number": paid.number, "cardmember_name": "Bob Jensen", "amount": "800.00"}]
    assert token_client(tokens.b).get("/api/v1/companies/10001/payments/").status_code == 404
