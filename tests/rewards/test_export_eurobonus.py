"""`export_eurobonus --month YYYY-MM --out PATH` and SAS's confirmation file (SPEC section 13):
each month's batch goes accrued → exported → confirmed; exporting twice changes nothing."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from ledger.verification import verify_ledger
from rewards.exports import ALREADY_CONFIRMED, MISMATCH, MONTH_NOT_COMPLETE, eurobonus_confirmation_import
from rewards.models import ExportBatch, PointsPosting
from rewards.selectors import overdue_batches
from rewards.services import enrolment_enrol_by_card_order
from tests.rewards.conftest import JAN_5, MEMBER, purchase, refund
from tests.statements.conftest import run_through

pytestmark = pytest.mark.django_db

CURRENT_TIME = dt.datetime(2026, 2, 2, 9, 0, tzinfo=dt.UTC)
OTHER_MEMBER = "EBS987654321"


@pytest.fixture
def january(enrolled, bob_account, other_account):
    """Bob earns 123 points in January; Ditte 40 points less a 10-point refund in February."""
    enrolment_enrol_by_card_order(account=other_account, member_number=OTHER_MEMBER, on=JAN_5)
    purchase(bob_account, "1234.56", dt.date(2026, 1, 10), "charge/bob")
    shoes = purchase(other_account, "400.00", dt.date(2026, 1, 12), "charge/ditte")
    run_through(dt.date(2026, 1, 31), start=JAN_5)
    refund(other_account, "100.00", dt.date(2026, 2, 3), "charge/ditte-refund", of=shoes)
    return bob_account, other_account


def export(month: str, out) -> str:
    stdout = io.StringIO()
    with time_machine.travel(CURRENT_TIME, tick=False):
        call_command("export_eurobonus", "--month", month, "--out", str(out), stdout=stdout)
    return stdout.getvalue()


def test_a_month_is_exported_once_it_is_complete(january, tmp_path):
    with pytest.raises(CommandError) as error:
        export("2026-02", tmp_path / "feb.csv")
    assert str(error.value) == MONTH_NOT_COMPLETE.format(through=dt.date(2026, 1, 31), month=dt.date(2026, 2, 1),
                                                         last=dt.date(2026, 2, 28))
    assert not (tmp_path / "feb.csv").exists()


def test_the_file_carries_member_number_points_period_and_control_total(january, tmp_path):
    bob, ditte = january
    bob_line = PointsPosting.objects.get(account=bob).line_reference
    ditte_line = PointsPosting.objects.get(account=ditte).line_reference
    message = export("2026-01", tmp_path / "jan.csv")
    assert (tmp_path / "jan.csv").read_text() == (
        "record_type,batch_reference,line_reference,member_number,points,period_start,period_end,line_count\n"
        "H,AMEXPROG-EB-2026-01,,,,2026-01-01,2026-01-31,\n"
        f"D,AMEXPROG-EB-2026-01,{bob_line},EBS123456789,123,2026-01-05,2026-01-31,\n"
        f"D,AMEXPROG-EB-2026-01,{ditte_line},EBS987654321,40,2026-01-05,2026-01-31,\n"
        "T,AMEXPROG-EB-2026-01,,,163,,,2\n"
    )
    assert "2 line(s), control total 163 points" in message
    batch = ExportBatch.objects.get()
    assert (batch.status, batch.exported_on, batch.control_total, batch.line_count) == (
        "exported", dt.date(2026, 2, 2), 163, 2)


def test_exporting_a_month_twice_writes_the_same_file_and_counts_nothing_twice(january, tmp_path):
    export("2026-01", tmp_path / "first.csv")
    run_through(dt.date(2026, 2, 28))  # February's points (Ditte's refund: −10) go to February's batch
    again = export("2026-01", tmp_path / "again.csv")
    assert (tmp_path / "again.csv").read_bytes() == (tmp_path / "first.csv").read_bytes()
    assert "Nothing was counted twice" in again
    january_batch, february_batch = ExportBatch.objects.get(month=dt.date(2026, 1, 1)), ExportBatch.objects.get(
        month=dt.date(2026, 2, 1))
    assert (january_batch.control_total, january_batch.line_count, january_batch.exported_on) == (
        163, 2, dt.date(2026, 2, 2))
    assert list(february_batch.lines.values_list("member_number", "points")) == [(OTHER_MEMBER, -10)]
    export("2026-02", tmp_path / "feb.csv")
    assert "EBS987654321,-10," in (tmp_path / "feb.csv").read_text()
    assert "T,AMEXPROG-EB-2026-02,,,-10,,,1" in (tmp_path / "feb.csv").read_text()
    assert {name: problems for name, problems in verify_ledger().items() if problems} == {}


def test_a_month_without_points_exports_an_empty_batch_with_nothing_to_confirm(bob_account, tmp_path):
    run_through(dt.date(2026, 1, 31), start=JAN_5)
    export("2026-01", tmp_path / "jan.csv")
    assert (tmp_path / "jan.csv").read_text().endswith("T,AMEXPROG-EB-2026-01,,,0,,,0\n")
    assert ExportBatch.objects.get().status == "confirmed"


def test_bad_arguments_exit_non_zero_with_a_clear_message(january, tmp_path):
    with pytest.raises(CommandError, match="--month must be a month as YYYY-MM"):
        export("2026-13", tmp_path / "x.csv")
    with pytest.raises(CommandError, match="does not exist; create it first"):
        export("2026-01", tmp_path / "missing" / "x.csv")
    with pytest.raises(CommandError, match="is a folder"):
        export("2026-01", tmp_path)


def confirmation(rows: list[tuple]) -> bytes:
    lines = ["batch_reference,line_reference,member_number,points,result,reason"]
    lines += [",".join(str(value) for value in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def test_sas_confirms_the_batch_line_by_line(january, tmp_path):
    bob, ditte = january
    export("2026-01", tmp_path / "jan.csv")
    bob_line = PointsPosting.objects.get(account=bob)
    ditte_line = PointsPosting.objects.get(account=ditte)
    path = tmp_path / "confirmation.csv"
    path.write_bytes(confirmation([
        ("AMEXPROG-EB-2026-01", bob_line.line_reference, MEMBER, 123, "accepted", ""),
        ("AMEXPROG-EB-2026-01", ditte_line.line_reference, OTHER_MEMBER, 40, "rejected", "unknown member"),
    ]))
    stdout = io.StringIO()
    with time_machine.travel(dt.datetime(2026, 2, 20, 9, 0, tzinfo=dt.UTC), tick=False):
        call_command("import_eurobonus_confirmation", str(path), stdout=stdout)
    assert "1 line(s) accepted (123 points), 1 rejected (40 points)" in stdout.getvalue()
    batch = ExportBatch.objects.get()
    assert (batch.status, batch.confirmed_on, batch.accepted_points, batch.rejected_points) == (
        "confirmed", dt.date(2026, 2, 20), 123, 40)
    ditte_line.refresh_from_db()
    assert (ditte_line.sas_status, ditte_line.sas_reason) == ("rejected", "unknown member")
    with pytest.raises(CommandError) as error:
        call_command("import_eurobonus_confirmation", str(path))
    assert str(error.value) == ALREADY_CONFIRMED.format(reference=batch.reference, confirmed_on=dt.date(2026, 2, 20))


def test_a_confirmation_that_does_not_match_the_batch_records_nothing(january, tmp_path):
    bob, _ditte = january
    export("2026-01", tmp_path / "jan.csv")
    bob_line = PointsPosting.objects.get(account=bob)
    content = confirmation([("AMEXPROG-EB-2026-01", bob_line.line_reference, MEMBER, 124, "accepted", "")])
    from amexprog.common.csvfiles import FileRejected

    with pytest.raises(FileRejected) as error:
        eurobonus_confirmation_import(stream=io.BytesIO(content), on=dt.date(2026, 2, 20))
    reasons = [(e.row, e.column, e.reason) for e in error.value.errors]
    assert (2, "points", MISMATCH.format(given=124, expected=123)) in reasons
    assert any(column == "" and "not confirmed or rejected" in reason for _row, column, reason in reasons)
    assert ExportBatch.objects.get().status == "exported"
    assert PointsPosting.objects.get(account=bob).sas_status == "pending"


def test_exports_unconfirmed_after_10_weeks_are_shown_to_ops(january, tmp_path):
    export("2026-01", tmp_path / "jan.csv")  # 2 February 2026
    assert list(overdue_batches(today=dt.date(2026, 4, 13))) == []  # 70 days: not yet
    assert [b.reference for b in overdue_batches(today=dt.date(2026, 4, 14))] == ["AMEXPROG-EB-2026-01"]
