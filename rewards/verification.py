"""Ledger checks for EuroBonus points (SPEC section 4: "points equal their postings")."""

from __future__ import annotations

from django.db.models import Count, F, Q, Sum, Value, Window
from django.db.models.functions import Coalesce, Lag

from ledger.verification import ledger_check
from rewards.models import ExportBatch, PointsPosting
from statements.models import Statement


@ledger_check("statement points equal their points postings")
def statement_points_match(limit: int) -> list[str]:
    rows = (
        Statement.objects.annotate(posted=Coalesce(F("points_posting__points"), Value(0)))
        .exclude(eurobonus_points=F("posted"))
        .values_list("account__number", "statement_date", "eurobonus_points", "posted")[:limit]
    )
    return [f"statement of account {number} on {day} shows {shown} points but its points posting has {posted}"
            for number, day, shown, posted in rows]


@ledger_check("points postings add up per account")
def points_postings_chain(limit: int) -> list[str]:
    """Each posting's running totals continue the previous one's: nothing awarded twice or lost."""
    ordered = {"partition_by": [F("account_id")], "order_by": [F("statement_date").asc()]}
    rows = (
        PointsPosting.objects.annotate(
            previous_points=Coalesce(Window(Lag("cumulative_points"), **ordered), Value(0)),
            previous_carried=Window(Lag("carried_out"), **ordered),
        )
        .filter(~Q(cumulative_points=F("previous_points") + F("points"))
                | (Q(previous_carried__isnull=False) & ~Q(carried_in=F("previous_carried"))))
        .values_list("account__number", "statement_date")[:limit]
    )
    return [f"points posting of account {number} on {day} does not continue the previous one" for number, day in rows]


@ledger_check("SAS batches equal their lines")
def batches_match_lines(limit: int) -> list[str]:
    rows = (
        ExportBatch.objects.exclude(status=ExportBatch.Status.ACCRUED)
        .annotate(points=Coalesce(Sum("lines__points"), Value(0)), lines_count=Count("lines"))
        .filter(~Q(control_total=F("points")) | ~Q(line_count=F("lines_count")))
        .values_list("reference", "control_total", "points", "line_count", "lines_count")[:limit]
    )
    return [f"batch {reference}: control total {total} / {count} lines, but its lines hold {points} / {lines}"
            for reference, total, points, count, lines in rows]
