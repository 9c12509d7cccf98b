"""Payment files (SPEC section 9): allocation, returns with the bank's cost, foreign currency."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from moneyed import Money

from accounts.models import Account
from charges.models import FxRate, Payment
from ledger.models import Posting
from ledger.selectors import account_balance
from ledger.verification import verify_ledger
from statements.selectors import account_dues
from tests.accounts.factories import AccountFactory, CardmemberFactory, CompanyFactory
from tests.api.errors import row_errors
from tests.statements.conftest import post, run_through

pytestmark = pytest.mark.django_db
HEADER = "payment_id,account_number,company_number,received_date,type,amount,currency,method,original_payment_id,cost\n"


def load(tmp_path, rows: str, name: str = "payments.csv") -> str:
    path = tmp_path / name
    path.write_text(HEADER + rows)
    out = StringIO()
    call_command("import_payments", str(path), stdout=out, stderr=StringIO())
    return out.getvalue()


def ledger_clean():
    return {name: p for name, p in verify_ledger().items() if p} == {}


@pytest.fixture
def central():
    """A central-billing company, seen on 1 February 2026: account 1 billed 1,000.00 on 5 Jan (due
    2 Feb), account 2 billed 500.00 on 15 Jan (due 12 Feb) and has 300.00 unbilled since 20 Jan."""
    company = CompanyFactory(number="60001", billing_type="central", annual_fee=Money("0.00", "DKK"))
    first = AccountFactory(cardmember=CardmemberFactory(company=company), cycle_day=5, opened_on=dt.date(2026, 1, 2),
                           number="600000000001")
    second = AccountFactory(cardmember=CardmemberFactory(company=company), cycle_day=15,
                            opened_on=dt.date(2026, 1, 2), number="600000000002")
    post(first, "purchase", "1000.00", dt.date(2026, 1, 3), "charge/p1")
    post(second, "purchase", "500.00", dt.date(2026, 1, 10), "charge/p2")
    post(second, "purchase", "300.00", dt.date(2026, 1, 20), "charge/p3")
    run_through(dt.date(2026, 1, 31), start=dt.date(2026, 1, 2))
    return company, first, second


def test_a_company_payment_pays_the_oldest_due_amount_first(central, tmp_path):
    company, first, second = central
    load(tmp_path, "CP-1,,60001,2026-02-01,payment,1200.00,DKK,transfer,,\n")
    parts = dict(Posting.objects.filter(kind="payment").values_list("account__number", "amount"))
    assert parts == {"600000000001": Decimal("-1000.00"), "600000000002": Decimal("-200.00")}
    assert [d.unpaid for d in account_dues(account=second, as_of=dt.date(2026, 2, 1))] == [Decimal("300.00")]
    assert ledger_clean()


def test_a_larger_company_payment_then_pays_unbilled_and_leaves_a_credit(central, tmp_path):
    company, first, second = central
    load(tmp_path, "CP-2,,60001,2026-02-01,payment,2000.00,DKK,transfer,,\n")
    parts = dict(Posting.objects.filter(kind="payment").values_list("account__number", "amount"))
    # 1,000 due on account 1, 500 due then 300 unbilled on account 2, 200 left as credit on account 1.
    assert parts == {"600000000001": Decimal("-1200.00"), "600000000002": Decimal("-800.00")}
    assert account_balance(account=first) == Money("-200.00", "DKK")
    assert account_balance(account=second) == Money("0.00", "DKK")


def test_an_account_payment_then_its_return_with_the_banks_cost_puts_the_account_in_default(tmp_path):
    company = CompanyFactory(number="60002", annual_fee=Money("0.00", "DKK"))
    account = AccountFactory(cardmember=CardmemberFactory(company=company), cycle_day=10,
                             opened_on=dt.date(2026, 3, 1), number="600000000010")
    post(account, "purchase", "1000.00", dt.date(2026, 3, 2), "charge/r1")
    run_through(dt.date(2026, 3, 31), start=dt.date(2026, 3, 1))
    load(tmp_path, "P-1,600000000010,,2026-04-01,payment,1000.00,DKK,transfer,,\n", "in.csv")
    assert account_balance(account=account) == Money("0.00", "DKK")
    load(tmp_path, "R-1,600000000010,,2026-04-03,return,1000.00,DKK,transfer,P-1,35.00\n", "returns.csv")
    returned = Posting.objects.get(kind="payment_return")
    assert returned.amount == Money("1000.00", "DKK")
    assert Posting.objects.get(kind="fee_returned_payment").amount == Money("35.00", "DKK")
    assert account_balance(account=account) == Money("1035.00", "DKK")
    assert Payment.objects.get(payment_id="P-1").returned_by.payment_id == "R-1"
    run_through(dt.date(2026, 4, 3))
    account.refresh_from_db()
    assert account.status == Account.Status.IN_DEFAULT  # terms §27: a returned payment
    assert account.delinquency.returned_payment_on == dt.date(2026, 4, 3)
    assert ledger_clean()


def test_a_foreign_currency_payment_converts_via_usd_and_carries_the_fx_fee(tmp_path):
    """EUR 100.00 → USD 108.50 → DKK 746.10 with the rates of 10 March 2026 (SPEC section 6); fee 18.65."""
    for currency, rate in (("EUR", "1"), ("USD", "1.0850"), ("DKK", "7.4610")):
        FxRate.objects.create(rate_date=dt.date(2026, 3, 10), currency=currency, rate=Decimal(rate))
    AccountFactory(cardmember=CardmemberFactory(company=CompanyFactory(number="60003")),
                   opened_on=dt.date(2026, 3, 1), number="600000000020")
    load(tmp_path, "P-EUR,600000000020,,2026-03-11,payment,100.00,EUR,transfer,,\n")
    payment = Posting.objects.get(kind="payment")
    assert payment.amount == Money("-746.10", "DKK")
    assert payment.usd_amount == Decimal("108.50")
    assert payment.original_amount == Money("100.00", "EUR")
    fee = Posting.objects.get(kind="fee_fx")
    assert fee.amount == Money("18.65", "DKK")
    assert fee.related == payment


def test_a_file_with_one_bad_row_posts_nothing_and_names_the_row(central, tmp_path):
    rows = "".join(f"OK-{i},600000000001,,2026-02-01,payment,1.00,DKK,transfer,,\n" for i in range(50))
    rows += "BAD,600000000001,60001,2026-02-30,payment,1.001,DKK,transfer,,\n"
    with pytest.raises(CommandError, match="nothing was loaded"):
        load(tmp_path, rows)
    assert not Posting.objects.filter(kind="payment").exists()
    report = (tmp_path / "payments.csv.errors.json").read_text()
    assert '"row": 52' in report
    assert "exactly one of account_number and company_number" in report
    assert "2026-02-30" in report
    assert "more decimals than DKK allows" in report


@pytest.mark.parametrize("day", ["20260201", "2026-W05-7", "2026-032"])
def test_a_date_is_only_ever_yyyy_mm_dd(central, tmp_path, day):
    """Python's date.fromisoformat would take these as 1 February 2026; a bank file that writes them is
    not the file we agreed on, as for charge files and the commands' --date."""
    with pytest.raises(CommandError, match="nothing was loaded"):
        load(tmp_path, f"P-1,600000000001,,{day},payment,10.00,DKK,transfer,,\n")
    assert f"'{day}' is not a date (YYYY-MM-DD)" in (tmp_path / "payments.csv.errors.json").read_text()
    assert not Posting.objects.filter(kind="payment").exists()


def test_a_file_is_loaded_once_and_a_payment_id_once(central, tmp_path):
    load(tmp_path, "P-9,600000000001,,2026-02-01,payment,10.00,DKK,transfer,,\n", "a.csv")
    with pytest.raises(CommandError, match="already loaded"):
        load(tmp_path, "P-9,600000000001,,2026-02-01,payment,10.00,DKK,transfer,,\n", "a.csv")
    with pytest.raises(CommandError, match="nothing was loaded"):
        load(tmp_path, "P-9,600000000001,,2026-02-02,payment,10.00,DKK,transfer,,\n", "b.csv")
    assert Posting.objects.filter(kind="payment").count() == 1


def test_a_return_must_match_its_payment_and_can_happen_once(central, tmp_path):
    load(tmp_path, "P-5,600000000001,,2026-02-01,payment,10.00,DKK,transfer,,\n", "a.csv")
    with pytest.raises(CommandError):
        load(tmp_path, "R-5,600000000001,,2026-02-02,return,9.00,DKK,transfer,P-5,0\n", "b.csv")
    load(tmp_path, "R-6,600000000001,,2026-02-02,return,10.00,DKK,transfer,P-5,0\n", "c.csv")
    with pytest.raises(CommandError):
        load(tmp_path, "R-7,600000000001,,2026-02-03,return,10.00,DKK,transfer,P-5,0\n", "d.csv")
    assert Posting.objects.filter(kind="payment_return").count() == 1


def test_ops_upload_a_payment_file_over_the_api_and_a_company_token_cannot(central, tokens):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.conftest import token_client

    body = (HEADER + "API-1,600000000001,,2026-02-01,payment,100.00,DKK,transfer,,\n").encode()
    company = token_client(tokens.a).post("/api/v1/payment-files/", {"file": SimpleUploadedFile("p.csv", body)},
                                          format="multipart")
    assert company.status_code == 403
    ops = token_client(tokens.ops).post("/api/v1/payment-files/", {"file": SimpleUploadedFile("p.csv", body)},
                                        format="multipart")
    assert ops.status_code == 201, ops.json()
    assert ops.json()["payment_count"] == 1
    bad = (HEADER + "API-2,600000000001,,2026-02-31,payment,100.00,DKK,transfer,,\n").encode()
    rejected = token_client(tokens.ops).post("/api/v1/payment-files/", {"file": SimpleUploadedFile("b.csv", bad)},
                                             format="multipart")
    assert rejected.status_code == 400
    assert row_errors(rejected.json())[0]["column"] == "received_date"
    assert Posting.objects.filter(kind="payment").count() == 1
