"""Issue 15 item 12: SAS's confirmation import echoed card numbers in its error report (SPEC section 17)."""

from __future__ import annotations

import datetime as dt
import io
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from rewards.models import PointsPosting
from tests.rewards.conftest import MEMBER
from tests.rewards.test_export_eurobonus import OTHER_MEMBER, confirmation, export, january  # noqa: F401

pytestmark = pytest.mark.django_db
PAN = "378282246310005"


def test_issue15_item12_the_sas_confirmation_report_masks_card_numbers(january, tmp_path):  # noqa: F811
    bob, ditte = january
    export("2026-01", tmp_path / "jan.csv")
    bob_line = PointsPosting.objects.get(account=bob)
    ditte_line = PointsPosting.objects.get(account=ditte)
    path = tmp_path / "confirmation.csv"
    path.write_bytes(confirmation([("AMEXPROG-EB-2026-01", bob_line.line_reference, PAN, PAN, "accepted", ""),
                                   ("AMEXPROG-EB-2026-01", ditte_line.line_reference, OTHER_MEMBER, 40, "rejected",
                                    "")]))
    stderr = StringIO()
    with time_machine.travel(dt.datetime(2026, 2, 20, 9, 0, tzinfo=dt.UTC), tick=False):
        with pytest.raises(CommandError):
            call_command("import_eurobonus_confirmation", str(path), stdout=StringIO(), stderr=stderr)
    report = (tmp_path / "confirmation.csv.errors.json").read_text()
    assert "****0005" in report and "****0005" in stderr.getvalue()
    assert PAN not in report and PAN not in stderr.getvalue()

    # SAS's own reason for a rejection is shown to ops: a card number in it is masked when stored.
    path.write_bytes(confirmation([("AMEXPROG-EB-2026-01", bob_line.line_reference, MEMBER, 123, "accepted", ""),
                                   ("AMEXPROG-EB-2026-01", ditte_line.line_reference, OTHER_MEMBER, 40, "rejected",
                                    f"card {PAN} not linked")]))
    with time_machine.travel(dt.datetime(2026, 2, 20, 9, 0, tzinfo=dt.UTC), tick=False):
        call_command("import_eurobonus_confirmation", str(path), stdout=io.StringIO())
    ditte_line.refresh_from_db()
    assert ditte_line.sas_reason == "card ****0005 not linked"
