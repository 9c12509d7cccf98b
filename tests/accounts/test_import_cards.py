"""`manage.py import_cards FILE [--date D] [--report OUT.json]`: the Central Order Card (SPEC sections 11, 16)."""

from __future__ import annotations

import datetime as dt
import io
import json
import stat
from types import SimpleNamespace

import pytest
import time_machine
from django.core.management import CommandError, call_command
from moneyed import Money

from accounts.imports import EMPLOYEE_REPEATED, UNKNOWN_COMPANY, cards_import
from accounts.models import Account, Card, Cardmember, Company
from accounts.pan import pan_hash
from accounts.services import (
    BAD_EUROBONUS_NUMBER,
    CARDMEMBER_EXISTS,
    CASH_NOT_ALLOWED,
    EUROBONUS_NOT_ALLOWED,
    CardOrder,
    card_order,
)
from amexprog.common.csvfiles import FILE_REJECTED, FileRejected
from amexprog.common.errors import ApplicationError
from amexprog.common.models import BusinessDate
from tests.accounts.factories import CardmemberFactory
from tests.accounts.order_files import card_file, card_rows, full_pans_in, looks_like_our_pan

pytestmark = pytest.mark.django_db

ISSUED_ON = dt.date(2026, 3, 2)
CURRENT_TIME = dt.datetime(2026, 4, 15, 10, 0, tzinfo=dt.UTC)


def run(tmp_path, content: bytes, *args: str) -> SimpleNamespace:
    """Run the command as ops would; `failure` is the CommandError (a non-zero exit) or None."""
    path = tmp_path / "cards.csv"
    path.write_bytes(content)
    out, err = io.StringIO(), io.StringIO()
    failure = None
    try:
        call_command("import_cards", str(path), *args, stdout=out, stderr=err)
    except CommandError as exc:
        failure = exc
    return SimpleNamespace(out=out.getvalue(), err=err.getvalue(), failure=failure)


def test_a_good_file_issues_every_card_and_only_the_report_has_the_full_numbers(company_a, tmp_path):
    report = tmp_path / "embossing.json"

    result = run(tmp_path, card_file(*card_rows(5)), "--date", ISSUED_ON.isoformat(), "--report", str(report))

    assert result.failure is None, result.err
    assert f"Issued 5 card(s) for 1 company(ies) on {ISSUED_ON}." in result.out
    entries = json.loads(report.read_text())
    assert [entry["employee_id"] for entry in entries] == ["E001", "E002", "E003", "E004", "E005"]
    for entry in entries:
        assert set(entry) == {"employee_id", "company_number", "account_number", "card_number", "expiry"}
        assert looks_like_our_pan(entry["card_number"])  # 15 digits, prefix 37, Luhn-valid
        card = Card.objects.get(pan_hash=pan_hash(entry["card_number"]))  # the report matches the card issued
        assert card.account.number == entry["account_number"]
        assert entry["company_number"] == "10001"
        assert entry["expiry"] == "2030-03-31"  # 48 months, end of month
        assert card.status == Card.Status.ACTIVE and card.issued_on == ISSUED_ON
    assert len({entry["card_number"] for entry in entries}) == 5
    # The report holds full card numbers: only its owner may read it.
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    # Never on the console (SPEC section 3).
    assert full_pans_in(result.out) == [] and full_pans_in(result.err) == []


def test_the_rows_fields_reach_cardmember_account_and_card(company_a, tmp_path):
    company_a.cash_allowed = True
    company_a.save()
    rows = [
        {"employee_id": "E1", "cash_enabled": "true", "cycle_day": "31", "liability": "joint",
         "billing": "individual", "monthly_limit": "2500.50"},
        {"employee_id": "E2", "first_name": "Ole", "email": "ole@example.com", "language": "", "country": "",
         "cycle_day": "", "monthly_limit": ""},
    ]
    assert run(tmp_path, card_file(*rows), "--date", "2026-03-02").failure is None

    first = Account.objects.select_related("cardmember").get(cardmember__employee_id="E1")
    assert (first.liability, first.billing_type, first.cycle_day) == ("joint", "individual", 31)
    assert first.cardmember.cost_centre == "CC-10" and first.cardmember.language == "da"
    card = first.cards.get()
    assert card.cash_enabled and card.monthly_limit == Money("2500.50", "DKK")
    second = Account.objects.get(cardmember__employee_id="E2")
    # Empty liability, billing and cycle day: the company's defaults (company A bills centrally).
    assert (second.liability, second.billing_type, second.cycle_day) == ("corporate", "central", 1)
    assert second.cards.get().monthly_limit is None


def test_one_bad_row_among_many_issues_nothing_and_the_report_names_row_and_column(company_a, tmp_path):
    rows = card_rows(20)
    rows[12]["email"] = "not-an-email"  # row 14
    report = tmp_path / "embossing.json"

    result = run(tmp_path, card_file(*rows), "--report", str(report))

    assert str(result.failure) == FILE_REJECTED.format(count=1)
    assert "row 14, email: 'not-an-email' is not an email address" in result.err
    assert Cardmember.objects.count() == 0 and Card.objects.count() == 0
    assert not report.exists()  # no half-written embossing report either


def test_an_employee_id_twice_in_the_file_or_already_a_cardmember_is_refused(company_a, company_b):
    CardmemberFactory(company=company_a, employee_id="E7")
    rows = [
        {"employee_id": "E1"}, {"employee_id": "E1", "email": "other@example.com"},
        {"employee_id": "E7"},
        {"employee_id": "E1", "company_number": "10002"},  # the same id in another company is fine
    ]
    with pytest.raises(FileRejected) as error:
        cards_import(stream=io.BytesIO(card_file(*rows)), issued_on=ISSUED_ON)
    assert [(e.row, e.column, e.reason) for e in error.value.errors] == [
        (3, "employee_id", EMPLOYEE_REPEATED.format(employee_id="E1", company="10001", first_row=2)),
        (4, "employee_id", CARDMEMBER_EXISTS.format(company="10001", employee_id="E7")),
    ]
    assert Card.objects.count() == 0


def test_company_must_exist_and_be_active(company_a, company_b):
    company_b.status = Company.Status.TERMINATED
    company_b.save()
    rows = [{"company_number": "99999"}, {"company_number": "10002", "employee_id": "E2"}, {"employee_id": "E3"}]
    with pytest.raises(FileRejected) as error:
        cards_import(stream=io.BytesIO(card_file(*rows)), issued_on=ISSUED_ON)
    assert [(e.row, e.column) for e in error.value.errors] == [(2, "company_number"), (3, "company_number")]
    assert error.value.errors[0].reason == UNKNOWN_COMPANY.format(number="99999")


def test_cash_and_eurobonus_only_where_the_programme_allows_them(company_a):
    rows = [{"employee_id": "E1", "cash_enabled": "true"}, {"employee_id": "E2", "eurobonus_number": "EBS123456789"}]
    with pytest.raises(FileRejected) as error:
        cards_import(stream=io.BytesIO(card_file(*rows)), issued_on=ISSUED_ON)
    assert [(e.row, e.column, e.reason) for e in error.value.errors] == [
        (2, "cash_enabled", CASH_NOT_ALLOWED.format(company="10001")),
        (3, "eurobonus_number", EUROBONUS_NOT_ALLOWED.format(company="10001")),
    ]


def test_a_eurobonus_number_enrols_the_cardmember_on_the_issue_date(company_a, tmp_path):
    company_a.eurobonus_allowed = True
    company_a.save()
    rows = [{"employee_id": "E1", "eurobonus_number": "ebs 123 456 789"}, {"employee_id": "E2"}]

    assert run(tmp_path, card_file(*rows), "--date", "2026-03-02").failure is None

    enrolled, not_enrolled = Cardmember.objects.order_by("employee_id")
    assert (enrolled.eurobonus_number, enrolled.eurobonus_enrolled_on) == ("EBS123456789", ISSUED_ON)
    assert (not_enrolled.eurobonus_number, not_enrolled.eurobonus_enrolled_on) == ("", None)


def test_a_malformed_eurobonus_number_is_a_row_error(company_a):
    company_a.eurobonus_allowed = True
    company_a.save()
    with pytest.raises(FileRejected) as error:
        cards_import(stream=io.BytesIO(card_file({"eurobonus_number": "EB-1"})), issued_on=ISSUED_ON)
    assert error.value.errors[0].column == "eurobonus_number"
    assert error.value.errors[0].reason == BAD_EUROBONUS_NUMBER.format(value="EB-1")


def test_a_card_number_shaped_value_is_masked_in_the_error_report(company_a, tmp_path):
    result = run(tmp_path, card_file({"monthly_limit": "371234567890123", "phone": "3712345678901234567"}))
    assert "row 2, monthly_limit: ****0123 is too large" in result.err
    assert full_pans_in(result.err) == []


@time_machine.travel(CURRENT_TIME, tick=False)
def test_issue_date_defaults_to_today_on_a_fresh_database_then_to_the_business_date(company_a, tmp_path):
    run(tmp_path, card_file({"employee_id": "E1"}))
    assert Card.objects.get().issued_on == dt.date(2026, 4, 15)

    BusinessDate.objects.create(pk=1, last_completed=dt.date(2026, 4, 10))
    run(tmp_path, card_file({"employee_id": "E2"}))
    assert Card.objects.get(account__cardmember__employee_id="E2").issued_on == dt.date(2026, 4, 10)


def test_an_existing_report_is_never_overwritten(company_a, tmp_path):
    report = tmp_path / "embossing.json"
    report.write_text("[] earlier cards")

    result = run(tmp_path, card_file({}), "--report", str(report))

    assert "already exists" in str(result.failure)
    assert report.read_text() == "[] earlier cards"
    assert Card.objects.count() == 0


def test_a_bad_header_or_date_is_a_clear_error(company_a, tmp_path):
    result = run(tmp_path, b"company_number,employee_id\n10001,E1\n")
    assert "row 1, file: The header must be exactly" in result.err
    assert "not a date" in str(run(tmp_path, card_file({}), "--date", "2026-13-01").failure)


def test_a_single_order_asking_for_cash_where_it_is_not_allowed_is_refused_not_silently_dropped(company_a):
    order = CardOrder(employee_id="E1", first_name="Ida", last_name="Berg", email="ida@example.com",
                      cash_enabled=True)
    with pytest.raises(ApplicationError) as error:
        card_order(company=company_a, order=order, issued_on=ISSUED_ON)
    assert error.value.message == CASH_NOT_ALLOWED.format(company="10001")
    assert Cardmember.objects.count() == 0
