"""The monthly SAS files (SPEC section 13): the points file we send, and SAS's confirmation.

Points file (`export_eurobonus --month YYYY-MM --out PATH`): CSV, UTF-8, `\\n` line ends, one
header row naming the columns, then one `H` record (the batch and its month), one `D` record per
points posting (member number, points — negative reverses —, the statement period it was earned
in, and a line reference SAS quotes back) and one `T` record (control total of the points and the
number of `D` records):

    record_type,batch_reference,line_reference,member_number,points,period_start,period_end,line_count
    H,AMEXPROG-EB-2026-03,,,,2026-03-01,2026-03-31,
    D,AMEXPROG-EB-2026-03,P17,EBS123456789,199,2026-02-06,2026-03-05,
    T,AMEXPROG-EB-2026-03,,,199,,,1

The batch holds the non-zero points of the statements dated in the month. It is exported only once
the month's cycle is complete, so its lines never change: exporting it again writes the same bytes
and counts nothing twice.

Confirmation file (`import_eurobonus_confirmation FILE`): CSV with the header
`batch_reference,line_reference,member_number,points,result,reason`, one row per line of the
batch, `result` = `accepted` or `rejected` (then `reason` says why, e.g. an unknown member). The
file is checked whole against the exported batch before anything is recorded.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.db import transaction

from amexprog.common.csvfiles import ErrorCollector, read_rows, safe_csv_writer
from amexprog.common.cycle import business_date
from amexprog.common.errors import ApplicationError
from amexprog.common.logging import mask_pans
from rewards.models import ExportBatch, PointsPosting

FILE_COLUMNS = ["record_type", "batch_reference", "line_reference", "member_number", "points", "period_start",
                "period_end", "line_count"]
CONFIRMATION_COLUMNS = ["batch_reference", "line_reference", "member_number", "points", "result", "reason"]

MONTH_NOT_COMPLETE = ("The cycle has run through {through}; {month:%Y-%m} can be exported once it has run through "
                      "{last}, so that every statement of the month has its points.")
CHANGED_SINCE_EXPORT = "Batch {reference} no longer matches the file exported on {exported_on}; nothing was written."
NOT_EXPORTED = "Batch {reference} has not been exported yet; there is nothing for SAS to confirm."
ALREADY_CONFIRMED = "Batch {reference} was already confirmed on {confirmed_on}; nothing was recorded again."
ONE_BATCH_PER_FILE = "the file must confirm one batch; it also names {other}"
UNKNOWN_BATCH = "no batch {value!r} was exported"
UNKNOWN_LINE = "line {value!r} is not in batch {reference}"
DUPLICATE_LINE = "line {value!r} appears twice (first on row {first})"
MISMATCH = "SAS has {given!r}, the exported line {expected!r}"
BAD_RESULT = "must be accepted or rejected"
BAD_POINTS = "{value!r} is not a whole number of points"
MISSING_LINES = "{count} line(s) of the batch are not confirmed or rejected, e.g. {examples}"


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


@dataclass(frozen=True)
class ExportFile:
    batch: ExportBatch
    content: bytes
    first_export: bool


def _lines(batch: ExportBatch) -> list[PointsPosting]:
    return list(batch.lines.order_by("member_number", "statement_date", "pk"))


def _render(batch: ExportBatch, lines: list[PointsPosting]) -> bytes:
    first, last = month_bounds(batch.month)
    out = io.StringIO()
    writer = safe_csv_writer(out, lineterminator="\n")
    writer.writerow(FILE_COLUMNS)
    writer.writerow(["H", batch.reference, "", "", "", first.isoformat(), last.isoformat(), ""])
    for line in lines:
        writer.writerow(["D", batch.reference, line.line_reference, line.member_number, line.points,
                         line.period_start.isoformat(), line.statement_date.isoformat(), ""])
    writer.writerow(["T", batch.reference, "", "", sum(line.points for line in lines), "", "", len(lines)])
    return out.getvalue().encode("utf-8")


@transaction.atomic
def eurobonus_batch_export(*, month: dt.date, on: dt.date) -> ExportFile:
    """The month's points file for SAS; the first export moves the batch accrued → exported and
    fixes its control total. Any later export of the month returns the same bytes."""
    first, last = month_bounds(month)
    through = business_date()
    if through is None or through < last:
        raise ApplicationError(MONTH_NOT_COMPLETE.format(through=through or "no day yet", month=first, last=last),
                               "month_not_complete", {"field": "month"})
    ExportBatch.objects.get_or_create(month=first, defaults={"reference": ExportBatch.reference_for(first)})
    # Two exports at once: the second waits and then finds the batch exported.
    batch = ExportBatch.objects.select_for_update().get(month=first)
    lines = _lines(batch)
    content = _render(batch, lines)
    digest = hashlib.sha256(content).hexdigest()
    if batch.status != ExportBatch.Status.ACCRUED:
        if digest != batch.file_sha256:
            raise ApplicationError(CHANGED_SINCE_EXPORT.format(reference=batch.reference,
                                                               exported_on=batch.exported_on), "batch_changed")
        return ExportFile(batch=batch, content=content, first_export=False)
    batch.status, batch.exported_on, batch.file_sha256 = ExportBatch.Status.EXPORTED, on, digest
    batch.line_count, batch.control_total = len(lines), sum(line.points for line in lines)
    if not lines:
        # Nothing for SAS to confirm: an empty month must not wait for an answer that never comes.
        batch.status, batch.confirmed_on, batch.accepted_points, batch.rejected_points = (
            ExportBatch.Status.CONFIRMED, on, 0, 0)
    batch.save(update_fields=["status", "exported_on", "file_sha256", "line_count", "control_total", "confirmed_on",
                              "accepted_points", "rejected_points"])
    return ExportFile(batch=batch, content=content, first_export=True)


def write_file_atomically(path: Path, content: bytes) -> None:
    """Write beside the target, then rename: the transfer to SAS never picks up half a file."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class ConfirmationResult:
    batch: ExportBatch
    accepted: int
    rejected: int


@transaction.atomic
def eurobonus_confirmation_import(*, stream: BinaryIO, on: dt.date) -> ConfirmationResult:
    """Record SAS's answer to an exported batch: every line accepted or rejected, then the batch is
    confirmed. A file with any bad row records nothing and reports row, column and reason."""
    data = stream.read()
    errors = ErrorCollector()
    rows = list(read_rows(io.BytesIO(data), CONFIRMATION_COLUMNS, errors))
    references = {row["batch_reference"] for _number, row in rows}
    batch: ExportBatch | None = None
    if rows:
        first_reference = rows[0][1]["batch_reference"]
        batch = ExportBatch.objects.select_for_update().filter(reference=first_reference).first()
        if batch is None:
            errors.add(rows[0][0], "batch_reference", UNKNOWN_BATCH.format(value=first_reference))
        for other in sorted(references - {first_reference}):
            errors.add(1, "batch_reference", ONE_BATCH_PER_FILE.format(other=other))
    errors.raise_if_any()
    assert batch is not None
    if batch.status == ExportBatch.Status.ACCRUED:
        raise ApplicationError(NOT_EXPORTED.format(reference=batch.reference), "batch_not_exported")
    if batch.status == ExportBatch.Status.CONFIRMED:
        raise ApplicationError(ALREADY_CONFIRMED.format(reference=batch.reference, confirmed_on=batch.confirmed_on),
                               "batch_already_confirmed")
    lines = {line.line_reference: line for line in batch.lines.all()}
    seen: dict[str, int] = {}
    results: dict[str, tuple[str, str]] = {}
    for number, row in rows:
        reference = row["line_reference"]
        line = lines.get(reference)
        if line is None:
            errors.add(number, "line_reference", UNKNOWN_LINE.format(value=reference, reference=batch.reference))
            continue
        if reference in seen:
            errors.add(number, "line_reference", DUPLICATE_LINE.format(value=reference, first=seen[reference]))
            continue
        seen[reference] = number
        if row["member_number"] != line.member_number:
            errors.add(number, "member_number", MISMATCH.format(given=row["member_number"],
                                                                expected=line.member_number))
        try:
            points = int(row["points"])
        except ValueError:
            errors.add(number, "points", BAD_POINTS.format(value=row["points"]))
        else:
            if points != line.points:
                errors.add(number, "points", MISMATCH.format(given=points, expected=line.points))
        if row["result"] not in ("accepted", "rejected"):
            errors.add(number, "result", BAD_RESULT)
        results[reference] = (row["result"], row["reason"])
    missing = sorted(set(lines) - set(seen))
    if missing:
        errors.add(1, "", MISSING_LINES.format(count=len(missing), examples=", ".join(missing[:5])))
    errors.raise_if_any()

    accepted = [lines[ref].pk for ref, (result, _reason) in results.items() if result == "accepted"]
    PointsPosting.objects.filter(pk__in=accepted).update(sas_status=PointsPosting.SasStatus.ACCEPTED, sas_reason="")
    for reference, (result, reason) in results.items():
        if result == "rejected":
            PointsPosting.objects.filter(pk=lines[reference].pk).update(
                # SAS's free-text reason is shown to ops: a card number in it is masked (issue 15 item 12).
                sas_status=PointsPosting.SasStatus.REJECTED, sas_reason=mask_pans(reason)[:200])
    batch.status, batch.confirmed_on = ExportBatch.Status.CONFIRMED, on
    batch.confirmation_sha256 = hashlib.sha256(data).hexdigest()
    batch.accepted_points = sum(lines[ref].points for ref, (result, _r) in results.items() if result == "accepted")
    batch.rejected_points = sum(lines[ref].points for ref, (result, _r) in results.items() if result == "rejected")
    batch.save(update_fields=["status", "confirmed_on", "confirmation_sha256", "accepted_points", "rejected_points"])
    rejected = len(results) - len(accepted)
    return ConfirmationResult(batch=batch, accepted=len(accepted), rejected=rejected)
