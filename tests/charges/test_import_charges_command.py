"""`manage.py import_charges FILE [--report OUT]` (SPEC sections 5, 16)."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from amexprog.common.csvfiles import FILE_REJECTED
from charges.management.commands.import_charges import REPORT_WRITTEN
from charges.validation import BAD_DATE, UNKNOWN_CARD
from ledger.models import Posting
from tests.charges.conftest import charge_file, charge_row

pytestmark = pytest.mark.django_db
UNKNOWN_PAN = "378282246310005"


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_charges", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_loads_a_file_and_prints_the_summary(spec_rates, bob_card, tmp_path):
    path = tmp_path / "net.csv"
    path.write_bytes(charge_file([charge_row("A1", bob_card.pan, "100.00", "USD")]))
    out, err = run(path)
    assert "Loaded net.csv: 1 charge(s), 2 posting(s), 0 flagged for review." in out
    assert "purchase: 1 (DKK 687.65)" in out and "fee_fx: 1 (DKK 17.19)" in out
    assert Posting.objects.count() == 2


def test_a_bad_file_exits_non_zero_with_the_report_on_stderr_and_in_a_file(spec_rates, bob_card, tmp_path):
    path = tmp_path / "net.csv"
    path.write_bytes(charge_file([charge_row("B1", bob_card.pan, "1.00"),
                                  charge_row("B2", UNKNOWN_PAN, "1.00", transaction_date="11/03/2026")]))
    with pytest.raises(CommandError) as error:
        run(path)
    assert str(error.value) == FILE_REJECTED.format(count=2)
    report_path = tmp_path / "net.csv.errors.json"
    report = json.loads(report_path.read_text())
    assert report == {"error_count": 2, "errors": [
        {"row": 3, "column": "card_number", "reason": UNKNOWN_CARD.format(last4="0005")},
        {"row": 3, "column": "transaction_date", "reason": BAD_DATE.format(value="11/03/2026")},
    ]}
    assert UNKNOWN_PAN not in report_path.read_text()
    assert not Posting.objects.exists()


def test_report_path_and_stderr_lines(spec_rates, tmp_path, capsys):
    path = tmp_path / "net.csv"
    path.write_bytes(charge_file([charge_row("C1", UNKNOWN_PAN, "1.00")]))
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_charges", str(path), "--report", str(tmp_path / "r.csv"), stdout=out, stderr=err)
    assert "row 2, card_number: unknown card ending 0005" in err.getvalue()
    assert REPORT_WRITTEN.format(path=tmp_path / "r.csv") in err.getvalue()
    assert (tmp_path / "r.csv").read_text().splitlines()[1] == "2,card_number,unknown card ending 0005"
    assert UNKNOWN_PAN not in err.getvalue() + out.getvalue() + capsys.readouterr().err


def test_the_same_file_twice_is_refused_with_a_clear_message(spec_rates, bob_card, tmp_path):
    path = tmp_path / "net.csv"
    path.write_bytes(charge_file([charge_row("D1", bob_card.pan, "1.00")]))
    run(path)
    with pytest.raises(CommandError, match="already loaded"):
        run(path)
    assert Posting.objects.count() == 1


def test_missing_file(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        run(tmp_path / "missing.csv")
