"""Reports and data files over the REST API (SPEC sections 14, 16): the same files as the portal.

`GET /api/v1/companies/{number}/reports/{name}.{csv|json}` with the report's parameters in the query
string. A company token sees only its company: any other company number is a 404 with the same body
as a company that does not exist.
"""

from __future__ import annotations

from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.roles import VIEW_COMPANIES
from accounts.selectors import visible_companies
from amexprog.common import clock
from amexprog.common.cycle import business_date
from amexprog.common.permissions import IsPortalUserOrCompanyToken
from statements.reports import REPORT_NAMES, build_report, render_chunks

CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


def report_response(report, file_format: str) -> StreamingHttpResponse:
    """A streamed download of `report` as CSV or JSON (shared with the portal)."""
    chunks = render_chunks(report, file_format)
    response = StreamingHttpResponse((chunk.encode("utf-8") for chunk in chunks),
                                     content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="{report.filename_stem}.{file_format}"'
    return response


@extend_schema(
    summary="A report or data file of a company (SPEC section 14)",
    description=(
        "`transactions`: the daily transaction file, every posting of the company's accounts posted on `date`. "
        "`billed`: the monthly billed file, what the statements dated in `month` billed (with each line's "
        "statement and due date); its JSON carries per-currency totals billed, declared personal (joint "
        "liability, terms §12a-ii) and owed by the company. `cardmembers`: every card with its cardmember, "
        "status, limits and expiry. `ageing`: what each account owes by days past due on `date` (default: the "
        "business date), with totals. `spend`: purchases and cash less refunds by MCC industry and month from "
        "`from` to `to` (YYYY-MM, default the last 12 months). Card numbers are masked. CSV cells that a "
        "spreadsheet would run as a formula start with an apostrophe."
    ),
    parameters=[
        OpenApiParameter("number", str, OpenApiParameter.PATH, description="Company number."),
        OpenApiParameter("name", str, OpenApiParameter.PATH, enum=list(REPORT_NAMES), description="The report."),
        OpenApiParameter("file_format", str, OpenApiParameter.PATH, enum=["csv", "json"],
                         description="csv or json."),
        OpenApiParameter("date", OpenApiTypes.DATE, required=False,
                         description="`transactions` (required) and `ageing`: the day."),
        OpenApiParameter("month", str, required=False, description="`billed` (required): the statement month, "
                                                                   "YYYY-MM."),
        OpenApiParameter("from", str, required=False, description="`spend`: the first month, YYYY-MM."),
        OpenApiParameter("to", str, required=False, description="`spend`: the last month, YYYY-MM."),
    ],
    responses={
        (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The report as CSV, a header row first."),
        (200, "application/json"): OpenApiResponse(
            OpenApiTypes.OBJECT, description="`{report, company, parameters, columns, rows: [...], totals?}`."),
        400: OpenApiResponse(description="A missing or malformed parameter."),
        404: OpenApiResponse(description="No such company (or not yours), or no such report."),
    },
)
class CompanyReportView(APIView):
    permission_classes = [IsPortalUserOrCompanyToken]
    # Reports list cardmembers and their spending: view permissions on both.
    ops_permissions = {"get": (VIEW_COMPANIES, "accounts.view_cardmember", "accounts.view_account")}

    def get(self, request: Request, number: str, name: str, file_format: str):
        company = get_object_or_404(visible_companies(request.user), number=number)
        if file_format not in CONTENT_TYPES or name not in REPORT_NAMES:
            raise Http404
        report = build_report(company=company, name=name, params=request.query_params,
                              today=business_date() or clock.today())
        return report_response(report, file_format)
