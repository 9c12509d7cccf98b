"""Issue 15 item 12: the payment import echoed card numbers in its error report (stderr and the
report file); they are masked now, as in the rate and SAS reports (SPEC section 17)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.charges.test_payments import HEADER, central  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
PAN = "378282246310005"


def test_issue15_item12_the_payment_import_report_masks_card_numbers(central, tmp_path):  # noqa: F811
    path = tmp_path / "payments.csv"
    path.write_text(HEADER + f"P1,{PAN},,2026-02-01,payment,{PAN},DKK,transfer,,\n")
    stderr = StringIO()
    with pytest.raises(CommandError, match="nothing was loaded"):
        call_command("import_payments", str(path), stdout=StringIO(), stderr=stderr)
    report = (tmp_path / "payments.csv.errors.json").read_text()
    assert "****0005" in report
    assert PAN not in report and PAN not in stderr.getvalue()
