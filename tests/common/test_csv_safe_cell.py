"""CSV formula injection (OWASP "CSV injection"): every CSV the product writes for people goes through
amexprog.common.csvfiles.safe_cell, so a merchant name like `=HYPERLINK(...)` opens as text."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest

from amexprog.common.csvfiles import RowError, safe_cell, safe_csv_writer, write_error_report

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("value", ["=1+1", "+1+2", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", "=HYPERLINK(\"x\")",
                                   "-", "+", "-1E5", "- 12.50"])
def test_formula_like_text_gets_a_leading_apostrophe(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["-12.50", "+3", "1000", "12.50", "-0.01"])
def test_plain_numbers_stay_numbers(value):
    assert safe_cell(value) == value


def test_numbers_dates_and_ordinary_text_pass_unchanged():
    assert safe_cell(Decimal("-12.50")) == Decimal("-12.50")
    assert safe_cell(-3) == -3
    assert safe_cell(None) == ""
    assert safe_cell("Hotel d'Angleterre") == "Hotel d'Angleterre"
    assert safe_cell("a=b") == "a=b"  # only a leading trigger makes a formula


def test_writer_neutralises_every_cell():
    out = io.StringIO()
    writer = safe_csv_writer(out, lineterminator="\n")
    writer.writerow(["name", "amount"])
    writer.writerows([["=cmd|' /C calc'!A0", Decimal("-12.50")], ["@evil", "-7.00"]])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["name", "amount"], ["'=cmd|' /C calc'!A0", "-12.50"], ["'@evil", "-7.00"]]


def test_error_reports_neutralise_echoed_input(tmp_path):
    path = tmp_path / "report.csv"
    write_error_report([RowError(2, "merchant_name", "=HYPERLINK(\"x\") is too long")], 1, path)
    assert "'=HYPERLINK" in path.read_text()


def test_no_csv_export_bypasses_safe_cell():
    """Every csv.writer in the product code is the one inside safe_csv_writer, or writes a file only the
    product itself reads: the COPY staging buffer of the charge import and the demo's charge files."""
    allowed = {"amexprog/common/csvfiles.py", "charges/bulk.py", "accounts/demo_history.py"}
    offenders = []
    folders = [path for path in ROOT.iterdir() if path.is_dir() and not path.name.startswith(".")
               and path.name not in {"tests", "bench", "locale", "static", "templates", "node_modules"}]
    for path in (file for folder in folders for file in folder.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative in allowed:
            continue
        if re.search(r"csv\.(writer|DictWriter)\(", path.read_text(encoding="utf-8")):
            offenders.append(relative)
    assert offenders == []
