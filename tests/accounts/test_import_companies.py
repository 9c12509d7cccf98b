"""`manage.py import_companies FILE` (SPEC sections 3, 11, 16)."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from moneyed import Money

from accounts.imports import (
    BAD_VAT_NUMBER,
    COMPANY_ALREADY_EXISTS,
    COMPANY_NUMBER_REPEATED,
    NOT_A_CHOICE,
    REQUIRED,
    companies_import,
)
from accounts.models import Company
from accounts.services import ANNUAL_FEE_TOO_HIGH
from amexprog.common.csvfiles import FILE_REJECTED, FileRejected
from tests.accounts.factories import CompanyFactory
from tests.accounts.order_files import company_file

pytestmark = pytest.mark.django_db

BELGIAN = {"company_number": "20002", "name": "Brugge NV", "vat_number": "BE0123456789", "market": "BE",
           "billing": "individual", "liability": "joint", "credit_limit": "250000", "annual_fee": "55.00",
           "cash_allowed": "false", "eurobonus_allowed": "", "payment_terms_days": "", "country": "BE",
           "iban": "BE68 5390 0754 7034", "bic": "GEBABEBB"}


def run(tmp_path, content: bytes, *args: str) -> SimpleNamespace:
    """Run the command as ops would; `failure` is the CommandError (a non-zero exit) or None."""
    path = tmp_path / "companies.csv"
    path.write_bytes(content)
    out, err = io.StringIO(), io.StringIO()
    failure = None
    try:
        call_command("import_companies", str(path), *args, stdout=out, stderr=err)
    except CommandError as exc:
        failure = exc
    return SimpleNamespace(out=out.getvalue(), err=err.getvalue(), failure=failure)


def test_a_good_file_onboards_every_company_with_its_programme_settings(tmp_path):
    result = run(tmp_path, company_file({}, BELGIAN))

    assert result.failure is None
    assert "Created 2 company(ies) (BE: 1, DK: 1)." in result.out
    dk, be = Company.objects.order_by("number")
    assert (dk.legal_name, dk.market, dk.billing_type, dk.default_liability) == ("Nordlys A/S", "DK", "central",
                                                                                 "corporate")
    assert dk.credit_limit == Money("500000.00", "DKK")
    assert dk.annual_fee == Money("650.00", "DKK")  # exactly the cap is allowed
    assert dk.cash_allowed and dk.eurobonus_allowed and dk.payment_terms_days == 30
    assert be.currency == "EUR" and be.credit_limit == Money("250000", "EUR")
    assert be.iban == "BE68539007547034"  # stored without the spaces people type
    assert (be.eurobonus_allowed, be.payment_terms_days) == (False, 28)  # empty = the default


def test_one_bad_row_among_many_creates_nothing_and_the_report_names_row_and_column(tmp_path):
    rows = [{"company_number": f"2{index:04d}"} for index in range(1, 8)]
    rows[4]["credit_limit"] = "1000.001"  # row 6 (header is row 1)

    result = run(tmp_path, company_file(*rows))

    assert str(result.failure) == FILE_REJECTED.format(count=1)
    assert "row 6, credit_limit: 1000.001 has more decimals than DKK allows" in result.err
    assert Company.objects.count() == 0


def test_the_annual_fee_above_dkk_650_is_a_row_error_but_not_in_belgium(tmp_path):
    result = run(tmp_path, company_file({"annual_fee": "650.01"}))
    assert result.failure is not None
    assert f"row 2, annual_fee: {ANNUAL_FEE_TOO_HIGH}" in result.err
    assert not Company.objects.exists()

    result = run(tmp_path, company_file({**BELGIAN, "annual_fee": "700.00"}))
    assert "Created 1 company(ies)" in result.out


def test_an_invalid_iban_or_bic_is_a_row_error(tmp_path):
    with pytest.raises(FileRejected) as error:
        companies_import(stream=io.BytesIO(company_file(
            {"iban": "DK5000400440116244"}, {"company_number": "20003", "bic": "XXXXDKKK9"},
        )))
    columns = [(e.row, e.column) for e in error.value.errors]
    assert columns == [(2, "iban"), (3, "bic")]
    assert error.value.errors[0].reason.startswith("The IBAN is not valid")
    assert Company.objects.count() == 0


def test_a_company_number_twice_in_the_file_or_already_onboarded_is_refused(tmp_path):
    CompanyFactory(number="20009")
    with pytest.raises(FileRejected) as error:
        companies_import(stream=io.BytesIO(company_file({}, {"name": "Again"}, {"company_number": "20009"})))
    reasons = {(e.row, e.column): e.reason for e in error.value.errors}
    assert reasons == {
        (3, "company_number"): COMPANY_NUMBER_REPEATED.format(number="20001", first_row=2),
        (4, "company_number"): COMPANY_ALREADY_EXISTS.format(number="20009"),
    }
    assert Company.objects.count() == 1


def test_every_field_is_checked_and_every_problem_reported(tmp_path):
    bad = {"company_number": "20004", "name": "", "vat_number": "12", "market": "SE"}
    be_bad = {**BELGIAN, "vat_number": "DK12345678", "credit_limit": "-5", "liability": "personal",
              "cash_allowed": "maybe", "payment_terms_days": "120", "country": "Belgium"}
    with pytest.raises(FileRejected) as error:
        companies_import(stream=io.BytesIO(company_file(bad, be_bad)))
    reasons = {(e.row, e.column): e.reason for e in error.value.errors}
    assert reasons[(2, "name")] == str(REQUIRED)
    assert reasons[(2, "market")] == NOT_A_CHOICE.format(value="SE", choices="DK, BE")
    assert reasons[(3, "vat_number")] == BAD_VAT_NUMBER.format(value="DK12345678", market="BE",
                                                               example="BE0123456789")
    assert {column for row, column in reasons if row == 3} == {
        "vat_number", "credit_limit", "liability", "cash_allowed", "payment_terms_days", "country"}


def test_the_error_report_can_be_written_as_json(tmp_path):
    report = tmp_path / "errors.json"
    assert run(tmp_path, company_file({"market": ""}), "--errors", str(report)).failure is not None
    assert json.loads(report.read_text()) == {
        "error_count": 1, "errors": [{"row": 2, "column": "market", "reason": "required"}]}


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_companies", str(tmp_path / "nope.csv"))


def test_amounts_are_decimal_end_to_end(tmp_path):
    run(tmp_path, company_file({"credit_limit": "0.10", "annual_fee": "0"}))
    company = Company.objects.get()
    assert company.credit_limit.amount == Decimal("0.10")
    assert company.annual_fee.amount == Decimal("0")
