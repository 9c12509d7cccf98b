"""Reports and data files in the PA portal (SPEC section 14; PA sheet "integration data files").

One page per company: the downloads (daily transaction file, monthly billed file, cardmember listing,
ageing analysis, spend by industry) as CSV and JSON, the ageing totals, the billed totals of a month
with what cardmembers declared personal under joint liability (terms §12a-ii), and spend by
industry and month as an SVG chart (portal/charts.py) with a table beside it. Only the companies a PA
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
from portal.charts import Series, bar_chart
from portal.selectors import administered_company_or_404, issue_date
from portal.templatetags.portal_format import local_date
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


def spend_chart(cells: list[SpendCell], months: list[dt.date], *, currency: str):
    """A stacked bar chart (portal/charts.py, pygal): one bar per month, one segment per industry with
    net spend > 0, axes, a legend, and each segment's amount on hover; the table beside it has every figure."""
    per_cell: dict[tuple[dt.date, str], Decimal] = defaultdict(Decimal)
    for cell in cells:
        if cell.amount > 0:
            per_cell[(cell.month, cell.industry)] += cell.amount
    used = sorted({industry for _month, industry in per_cell}, key=list(INDUSTRY_NAMES).index)
    return bar_chart(
        chart_id="spend-chart", title=gettext("Spend by industry and month"), x_title=gettext("Month"),
        labels=[local_date(month, "MMM y") for month in months], stacked=True, currency=currency,
        series=[Series(industry_name(industry), [per_cell.get((month, industry), Decimal(0)) for month in months])
                for industry in used],
    )


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
        "chart": spend_chart(cells, months, currency=company.currency), "months": months, "spend_rows": spend_rows,
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
