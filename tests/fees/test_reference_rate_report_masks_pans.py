"""Issue 15 item 12: the reference-rate import echoed card numbers in its error report (SPEC section 17)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db
PAN = "378282246310005"


def test_issue15_item12_the_reference_rate_report_masks_card_numbers(tmp_path):
    path = tmp_path / "rates.csv"
    path.write_text(f"effective_date,rate_percent\n2026-07-01,{PAN}\n{PAN},1.00\n")
    stderr = StringIO()
    with pytest.raises(CommandError):
        call_command("load_reference_rates", str(path), stdout=StringIO(), stderr=stderr)
    assert "****0005" in stderr.getvalue()
    assert PAN not in stderr.getvalue()
