"""Reports and data files in the PA portal (SPEC section 14; PA sheet "integration data files").

One page per company: the downloads (daily transaction file, monthly billed file, cardmember listing,
ageing analysis, spend by industry) as CSV and JSON, the ageing totals, the billed totals of a month
with what cardmembers declared personal under joint liability (terms §12a-ii), and spend by
industry and month as an inline SVG chart with a table beside it. Only the companies a PA
administers: any other company number is a 404.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext

from amexprog.common.errors import ApplicationError
from charges.mcc import INDUSTRY_NAMES, industry_name
from portal.selectors import administered_company_or_404, issue_date
from statements.report_apis import CONTENT_TYPES, report_response
from statements.reports import (
    REPORT_NAMES,
    SpendCell,
    billed_totals,
    build_report,
    months_back,
    parse_month,
    spend_by_industry,
)
from statements.selectors_ageing import ageing_buckets

# Colours of the chart's industries, in INDUSTRY_NAMES order (distinguishable, print-friendly).
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354",
           "#756bb1")
CHART_HEIGHT = 200
BAR_WIDTH = 32
BAR_GAP = 12
CHART_LEFT = 8


def spend_chart(cells: list[SpendCell], months: list[dt.date]) -> dict:
    """Geometry of a stacked bar chart: one bar per month, one segment per industry (net spend > 0).

    Built here, not in the template, so the template only places rectangles; labels are escaped
    by the template like any other text.
    """
    per_month: dict[dt.date, dict[str, Decimal]] = defaultdict(dict)
    for cell in cells:
        if cell.amount > 0:
            per_month[cell.month][cell.industry] = per_month[cell.month].get(cell.industry, Decimal(0)) + cell.amount
    peak = max((sum(values.values()) for values in per_month.values()), default=Decimal(0))
    order = list(INDUSTRY_NAMES)
    used = sorted({industry for values in per_month.values() for industry in values}, key=order.index)
    colours = {industry: PALETTE[order.index(industry) % len(PALETTE)] for industry in used}
    bars = []
    for position, month in enumerate(months):
        x = CHART_LEFT + position * (BAR_WIDTH + BAR_GAP)
        y = CHART_HEIGHT
        segments = []
        for industry in used:
            amount = per_month.get(month, {}).get(industry)
            if not amount or not peak:
                continue
            height = float(amount / peak) * (CHART_HEIGHT - 10)
            y -= height
            segments.append({"x": x, "y": round(y, 2), "height": round(height, 2), "colour": colours[industry],
                             "label": industry_name(industry), "amount": amount})
        bars.append({"month": month, "x": x, "label_x": x + BAR_WIDTH / 2, "segments": segments,
                     "total": sum(per_month.get(month, {}).values(), Decimal(0))})
    return {
        "bars": bars, "width": CHART_LEFT * 2 + len(months) * (BAR_WIDTH + BAR_GAP), "height": CHART_HEIGHT,
        "label_y": CHART_HEIGHT + 14, "bar_width": BAR_WIDTH,
        "legend": [{"label": industry_name(industry), "colour": colours[industry]} for industry in used],
    }


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


@login_required
def company_reports(request: HttpRequest, number: str) -> HttpResponse:
    company = administered_company_or_404(request.user, number)
    today = issue_date()
    this_month = today.replace(day=1)
    try:
        billed_month = parse_month(request.GET["month"]) if request.GET.get("month") else months_back(this_month, 2)
    except ApplicationError:
        billed_month = months_back(this_month, 2)
    first = months_back(this_month, 12)
    cells = spend_by_industry(company=company, first_month=first, last_month=this_month)
    months = _months(first, this_month)
    table: dict[tuple[dt.date, str], Decimal] = {(cell.month, cell.industry): cell.amount for cell in cells}
    industries = sorted({cell.industry for cell in cells}, key=list(INDUSTRY_NAMES).index)
    spend_rows = [{"label": industry_name(industry), "amounts": [table.get((month, industry)) for month in months]}
                  for industry in industries]
    return render(request, "portal/reports/company.html", {
        "company": company, "today": today, "billed_month": billed_month,
        "default_day": today, "ageing": ageing_buckets(company, today),
        "billed_totals": billed_totals(company=company, month=billed_month),
        "chart": spend_chart(cells, months), "months": months, "spend_rows": spend_rows,
        "currency": company.currency,
    })


@login_required
def company_report_download(request: HttpRequest, number: str, name: str, file_format: str) -> HttpResponse:
    company = administered_company_or_404(request.user, number)
    if name not in REPORT_NAMES or file_format not in CONTENT_TYPES:
        raise Http404
    try:
        report = build_report(company=company, name=name, params=request.GET, today=issue_date())
    except ApplicationError as exc:
        messages.error(request, gettext(exc.message))
        return redirect("portal:company_reports", number=company.number)
    return report_response(report, file_format)
