"""Issue 16 item 2: value dates (SPEC sections 8 and 9; terms §7, §9i, §13, §27).

A bank's file for day D arrives after the nightly run of D. A payment whose received date falls in a
period already stated is booked on the first open day and keeps its received date as value date;
interest, days past due, reminders and delinquency count it from the value date. Rate: the tests'
reference rate 1.60 % + 7 points = 8.60 %, so one day on DKK 10,000.00 is
10,000 × 8.60 % ÷ 365 = DKK 2.356164383562.
"""

import datetime as dt
import io
from decimal import Decimal

import pytest
from moneyed import Money

from accounts.models import Account
from charges.payments import payments_import
from fees.models import InterestAccrual, InterestGiveBack, Reminder
from ledger.models import Posting
from ledger.verification import verify_ledger
from statements.models import Statement
from statements.rendering.explain import explain_posting
from tests.accounts.factories import AccountFactory, CardmemberFactory
from tests.statements.conftest import post, run_through

pytestmark = pytest.mark.django_db

HEADER = "payment_id,account_number,company_number,received_date,type,amount,currency,method,original_payment_id,cost\n"
ONE_DAY = Decimal("2.356164383562")


def load_payment(account, payment_id: str, received: dt.date, amount: str = "10000.00") -> None:
    row = f"{payment_id},{account.number},,{received.isoformat()},payment,{amount},DKK,transfer,,\n"
    payments_import(stream=io.BytesIO((HEADER + row).encode()), filename=f"{payment_id}.csv")


@pytest.fixture
def stated_on_the_20th(no_fee_company):
    """DKK 10,000.00 billed on 20 January 2026, due 17 February; the statement of 20 February carries
    3 days' interest (18, 19 and 20 February): 3 × 2.356164383562 = 7.068493150686 → DKK 7.07."""
    account = AccountFactory(cardmember=CardmemberFactory(company=no_fee_company), cycle_day=20,
                             opened_on=dt.date(2026, 1, 5))
    post(account, "purchase", "10000.00", dt.date(2026, 1, 10), "charge/big")
    run_through(dt.date(2026, 2, 20), start=dt.date(2026, 1, 5))
    february = Statement.objects.get(account=account, statement_date=dt.date(2026, 2, 20))
    assert february.totals["interest"] == "7.07"
    assert account.delinquency.days_past_due == 3
    return account


def assert_ledger_clean():
    assert {name: problems for name, problems in verify_ledger().items() if problems} == {}


def test_issue16_item2_terms_13_spec_9_payment_received_on_the_20th_arriving_on_the_21st(stated_on_the_20th):
    """Terms §13, §9i, §27; SPEC 9 worked example: statement on the 20th, due date (17 February) passed,
    DKK 10,000.00 received on the 20th, the bank's file loaded on the 21st after the run of the 20th."""
    account = stated_on_the_20th
    load_payment(account, "P-0220", dt.date(2026, 2, 20))  # refused before issue 16 item 2: period_closed

    payment = Posting.objects.get(account=account, kind="payment")
    assert payment.posting_date == dt.date(2026, 2, 21)  # the first open day
    assert payment.value_date == dt.date(2026, 2, 20)  # its received date
    assert payment.explanation["value_date"] == "2026-02-20" and payment.explanation["booked_on"] == "2026-02-21"

    run_through(dt.date(2026, 3, 20))
    # SPEC 8: a payment received on d stops accrual from d + 1. The 20th's interest stands (7.07, on the
    # statement of the 20th); nothing accrues from the 21st, so nothing was charged that must come back:
    # the interest given back for this file is DKK 0.00.
    assert list(InterestAccrual.objects.filter(account=account).order_by("day").values_list("day", flat=True)) == [
        dt.date(2026, 2, 18), dt.date(2026, 2, 19), dt.date(2026, 2, 20)]
    assert not InterestGiveBack.objects.exists()
    march = Statement.objects.get(account=account, statement_date=dt.date(2026, 3, 20))
    assert march.totals == {"payment": "-10000.00"}
    assert march.opening_balance == Decimal("10007.07")
    assert march.closing_balance == Decimal("7.07")
    account.refresh_from_db()
    assert account.delinquency.days_past_due == 0  # counted from the value date: paid on the 20th
    assert account.delinquency.arrears_since is None
    assert account.status == Account.Status.ACTIVE
    assert not Reminder.objects.filter(account=account).exists()  # the first would have gone out on 24 February
    assert_ledger_clean()


def test_issue16_item2_spec_8_9_interest_charged_after_the_value_date_comes_back_on_the_next_statement(
        stated_on_the_20th):
    """SPEC 8 and 9, terms §9i: the file for Friday 20 February comes on Monday 23 February, after the runs of
    the 21st and 22nd, which accrued 2 days on DKK 10,000.00 = 4.712328767124. Given back: DKK 4.71, a
    negative `interest` line on the statement of 20 March, explained."""
    account = stated_on_the_20th
    run_through(dt.date(2026, 2, 22))
    assert InterestAccrual.objects.filter(account=account, day__gt=dt.date(2026, 2, 20)).count() == 2
    load_payment(account, "P-0220", dt.date(2026, 2, 20))

    given = list(InterestGiveBack.objects.filter(account=account).order_by("accrual__day"))
    assert [(g.accrual.day, g.amount, g.unpaid) for g in given] == [
        (dt.date(2026, 2, 21), -ONE_DAY, Decimal("0.00")), (dt.date(2026, 2, 22), -ONE_DAY, Decimal("0.00"))]
    assert {g.booked_on for g in given} == {dt.date(2026, 2, 21)}

    run_through(dt.date(2026, 3, 20))
    assert InterestAccrual.objects.filter(account=account, day__gt=dt.date(2026, 2, 22)).count() == 0
    lines = dict(Posting.objects.filter(account=account, kind="interest", posting_date=dt.date(2026, 3, 20))
                 .values_list("source_key", "amount"))
    assert lines == {f"interest/{account.pk}/2026-03-20": Decimal("4.71"),
                     f"interest-given-back/{account.pk}/2026-03-20": Decimal("-4.71")}
    back = Posting.objects.get(source_key=f"interest-given-back/{account.pk}/2026-03-20")
    assert back.explanation["unrounded_total"] == "-4.712328767124"
    assert back.explanation["payments"] == [
        {"payment_id": "P-0220", "value_date": "2026-02-20", "booked_on": "2026-02-21"}]
    assert [(run["from"], run["to"], run["days"], run["charged_on"], run["owed_on"]) for run in
            back.explanation["runs"]] == [("2026-02-21", "2026-02-22", 2, "10000.00", "0.00")]
    assert explain_posting(back, "en") == (
        "Late interest given back (payment P-0220 received on 20 Feb 2026, booked on 21 Feb 2026): 21 Feb 2026 – "
        "22 Feb 2026: charged on DKK\xa010,000.00, owed on DKK\xa00.00 = 4.7123… rounded to 4.71")
    assert explain_posting(back, "da") == (
        "Rente givet tilbage (betaling P-0220 modtaget 20. feb. 2026, bogført 21. feb. 2026): 21. feb. 2026 – "
        "22. feb. 2026: opkrævet af 10.000,00\xa0kr., skyldig af 0,00\xa0kr. = 4,7123… afrundet til 4,71")
    assert "P-0220" in explain_posting(back, "da")
    march = Statement.objects.get(account=account, statement_date=dt.date(2026, 3, 20))
    assert march.totals == {"interest": "0.00", "payment": "-10000.00"}
    assert march.closing_balance == Decimal("7.07")
    assert_ledger_clean()


def test_issue16_item2_spec_7_9_a_reminder_sent_the_day_the_arrears_were_paid_has_its_fee_refunded(overdue_account):
    """SPEC 7 and 9, terms §9c, Danish Interest Act §9b: DKK 10,000.00 due 28 February; reminder 1 went out
    in the run of 7 March with its DKK 100.00 fee. The bank's file of 7 March (payment in full) came on the
    8th: the arrears were in fact paid before the reminder went out, so the letter stays sent and the fee
    is refunded. Interest: 7 days (1–7 March) × 2.356164383562 = 16.493150684934 → DKK 16.49."""
    account = overdue_account
    run_through(dt.date(2026, 3, 7))
    reminder = Reminder.objects.get(account=account)
    assert (reminder.number, reminder.sent_on, reminder.fee_posting.amount) == (1, dt.date(2026, 3, 7),
                                                                                Money("100.00", "DKK"))
    load_payment(account, "P-0307", dt.date(2026, 3, 7))
    refund = Posting.objects.get(source_key=f"reminder-refund/{reminder.pk}")
    assert refund.amount == Money("-100.00", "DKK")
    assert refund.kind == "fee_reminder" and refund.related == reminder.fee_posting
    assert refund.posting_date == dt.date(2026, 3, 7)
    assert explain_posting(refund, "en") == (
        "Reminder fee refunded: reminder 1 of 7 Mar 2026 went out after the arrears were paid (payment P-0307 "
        "received on 7 Mar 2026)")

    run_through(dt.date(2026, 3, 31))
    assert Reminder.objects.filter(account=account).count() == 1  # it stays sent, no second one
    march = Statement.objects.get(account=account, statement_date=dt.date(2026, 3, 31))
    assert march.totals == {"fee_reminder": "0.00", "interest": "16.49", "payment": "-10000.00"}
    account.refresh_from_db()
    assert account.delinquency.days_past_due == 0
    assert_ledger_clean()


def test_issue16_item2_a_reminder_still_due_by_value_date_keeps_its_fee(overdue_account):
    """Half paid on 7 March: still in arrears at the end of that day, so reminder 1's fee stands."""
    run_through(dt.date(2026, 3, 7))
    load_payment(overdue_account, "P-half", dt.date(2026, 3, 7), amount="5000.00")
    assert not Posting.objects.filter(source_key__startswith="reminder-refund/").exists()


def test_issue16_item2_the_import_command_books_a_stated_day_payment_on_the_first_open_day(stated_on_the_20th,
                                                                                            tmp_path):
    """The payments import path takes the received date (SPEC 9's file format) and no longer refuses it."""
    from django.core.management import call_command

    path = tmp_path / "bank-2026-02-20.csv"
    path.write_text(HEADER + f"P-CMD,{stated_on_the_20th.number},,2026-02-20,payment,1000.00,DKK,transfer,,\n")
    call_command("import_payments", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    posting = Posting.objects.get(kind="payment")
    assert (posting.posting_date, posting.value_date, posting.amount) == (
        dt.date(2026, 2, 21), dt.date(2026, 2, 20), Money("-1000.00", "DKK"))


def test_issue16_item2_the_payment_files_api_takes_a_stated_day_and_the_line_says_so(stated_on_the_20th, tokens):
    """POST /api/v1/payment-files/ (ops): the received date of a stated day is booked on the first open day,
    and the payment's line on the statement explains its value date."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.conftest import token_client

    body = (HEADER + f"API-0220,{stated_on_the_20th.number},,2026-02-20,payment,10000.00,DKK,transfer,,\n").encode()
    response = token_client(tokens.ops).post("/api/v1/payment-files/", {"file": SimpleUploadedFile("p.csv", body)},
                                               format="multipart")
    assert response.status_code == 201, response.json()
    payment = Posting.objects.get(kind="payment")
    assert (payment.posting_date, payment.value_date) == (dt.date(2026, 2, 21), dt.date(2026, 2, 20))
    assert explain_posting(payment, "en") == (
        "received on 20 Feb 2026, the value date from which it counts; booked on 21 Feb 2026, the first day after "
        "the statement already produced")
    assert explain_posting(payment, "fr").startswith("reçu le 20 févr. 2026")
