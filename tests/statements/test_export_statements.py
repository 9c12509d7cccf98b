"""`manage.py export_statements` (SPEC section 16): json, csv and pdf, scoped by month and company."""

import csv
import datetime as dt
import io
import json
import zipfile

import pytest
from django.core.management import CommandError, call_command
from moneyed import Money

from tests.accounts.factories import AccountFactory, CardmemberFactory, CompanyFactory, issue_card
from tests.statements.scenarios import bill_on_opening_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def january():
    """Two companies' statements of 5 January 2026 (1,000.00 + the 650.00 fee each), one of February."""
    central = CompanyFactory(number="70001", billing_type="central")
    other = CompanyFactory(number="70002")
    late = CompanyFactory(number="70003", annual_fee=Money("0.00", "DKK"))
    accounts = [AccountFactory(cardmember=CardmemberFactory(company=company), opened_on=dt.date(2026, 1, 5),
                               cycle_day=5) for company in (central, central, other)]
    cards = [issue_card(account, on=dt.date(2026, 1, 5)) for account in accounts]
    statements = bill_on_opening_day(*accounts)
    february = AccountFactory(cardmember=CardmemberFactory(company=late), opened_on=dt.date(2026, 2, 5), cycle_day=5)
    bill_on_opening_day(february)
    return {"accounts": accounts, "statements": statements, "pans": [card.pan for card in cards]}


def export(*args: str) -> str:
    out = io.StringIO()
    call_command("export_statements", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_json_writes_one_file_with_a_list_of_the_months_statements(january, tmp_path):
    target = tmp_path / "january.json"
    message = export("--period", "2026-01", "--format", "json", "--out", str(target))
    assert "Exported 3 statement(s) of 2026-01" in message
    data = json.loads(target.read_text(encoding="utf-8"))
    assert [row["account_number"] for row in data] == sorted(a.number for a in january["accounts"])
    first = data[0]
    assert (first["statement_date"], first["closing_balance"], first["totals"]) == (
        "2026-01-05", "1650.00", {"purchase": "1000.00", "fee_annual": "650.00"})
    assert [line["kind"] for line in first["lines"]] == ["purchase", "fee_annual"]
    assert not any(pan in target.read_text() for pan in january["pans"])


def test_company_narrows_the_export(january, tmp_path):
    target = tmp_path / "central.json"
    export("--period", "2026-01", "--company", "70001", "--format", "json", "--out", str(target))
    assert {row["company_number"] for row in json.loads(target.read_text())} == {"70001"}
    assert len(json.loads(target.read_text())) == 2


def test_csv_writes_one_row_per_line(january, tmp_path):
    target = tmp_path / "january.csv"
    export("--period", "2026-01", "--format", "csv", "--out", str(target), "--language", "en")
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert len(rows) == 6  # three statements × (purchase + annual fee)
    fee = next(row for row in rows if row["kind"] == "fee_annual")
    assert (fee["amount"], fee["closing_balance"], fee["currency"]) == ("650.00", "1650.00", "DKK")
    assert fee["explanation"].startswith("Annual card fee for membership year 1")
    assert list(rows[0]) == ["account_number", "company_number", "statement_date", "period_start", "period_end",
                             "due_date", "currency", "opening_balance", "closing_balance", "eurobonus_points",
                             "posting_date", "kind", "description", "amount", "original_amount",
                             "original_currency", "usd_amount", "fx_rate_to_usd", "fx_rate", "fx_rate_date",
                             "source_key", "explanation"]


def test_pdf_writes_a_folder_with_one_pdf_per_statement_and_company_statement(january, tmp_path):
    target = tmp_path / "pdfs"
    message = export("--period", "2026-01", "--format", "pdf", "--out", str(target))
    assert "Exported 3 statement(s) of 2026-01" in message and "1 company statement(s)" in message
    names = sorted(path.name for path in target.iterdir())
    expected = sorted([f"statement-{a.number}-2026-01-05.pdf" for a in january["accounts"]]
                      + ["company-statement-70001-2026-01-05.pdf"])
    assert names == expected
    assert all(path.read_bytes().startswith(b"%PDF-") for path in target.iterdir())


def test_pdf_into_a_zip_archive(january, tmp_path):
    target = tmp_path / "january.zip"
    export("--period", "2026-01", "--company", "70002", "--format", "pdf", "--out", str(target))
    with zipfile.ZipFile(target) as archive:
        assert archive.namelist() == [f"statement-{january['accounts'][2].number}-2026-01-05.pdf"]
        assert archive.read(archive.namelist()[0]).startswith(b"%PDF-")


def test_a_month_without_statements_writes_an_empty_list(january, tmp_path):
    target = tmp_path / "march.json"
    assert "Exported 0 statement(s)" in export("--period", "2026-03", "--format", "json", "--out", str(target))
    assert json.loads(target.read_text()) == []


@pytest.mark.parametrize("period", ["2026-13", "2026-1", "January", "2026-01-05", ""])
def test_a_bad_period_is_refused(period, tmp_path):
    with pytest.raises(CommandError, match="--period must be a month as YYYY-MM"):
        export("--period", period, "--format", "json", "--out", str(tmp_path / "x.json"))
    assert not (tmp_path / "x.json").exists()


def test_an_unknown_company_is_refused(january, tmp_path):
    with pytest.raises(CommandError, match="No company has the number '99999'"):
        export("--period", "2026-01", "--company", "99999", "--format", "csv", "--out", str(tmp_path / "x.csv"))


def test_a_missing_folder_is_refused(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        export("--period", "2026-01", "--format", "json", "--out", str(tmp_path / "nowhere" / "x.json"))


def test_the_command_exits_non_zero_with_the_message(tmp_path):
    """Through the real entry point: what an operator sees."""
    import subprocess
    import sys

    from django.conf import settings

    result = subprocess.run(
        [sys.executable, "manage.py", "export_statements", "--period", "2026/01", "--format", "json",
         "--out", str(tmp_path / "x.json")],
        capture_output=True, text=True, timeout=120, cwd=settings.BASE_DIR,
    )
    assert result.returncode != 0
    assert "--period must be a month as YYYY-MM (e.g. 2026-03), not '2026/01'." in result.stderr
