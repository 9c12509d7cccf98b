"""A company's transactions in one list (SPEC 18, issue 19 item 3): postings and authorizations with
declines, searched, filtered, sorted and paged, and exported exactly as shown (every filtered row in
the list's order) as CSV in the reader's convention, an Excel-friendly CSV or JSON.

Who: the company's PAs, and ops who may view companies (accounts.selectors.visible_companies); any
other company number is a 404, exactly like one that does not exist. The page costs the same number
of queries however many rows it shows (charges.transactions).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.selectors import visible_companies
from charges.mcc import industry_name, industry_of
from charges.transaction_files import (
    transaction_details,
    transactions_csv,
    transactions_excel_csv,
    transactions_json,
)
from charges.transactions import (
    DEFAULT_SORT,
    SORTS,
    TransactionFilters,
    company_transactions,
    kind_label,
    status_label,
    transactions_page,
)
from portal.forms.transactions import CompanyTransactionsForm
from portal.selectors import issue_date

PER_PAGE = 50
COUNT_UP_TO = 10_000  # an unfiltered list past this many rows says "more than 10,000 transactions"
EXPORTS = {
    "csv": ("text/csv; charset=utf-8", "csv", transactions_csv),
    "excel": ("text/csv; charset=utf-16", "csv", transactions_excel_csv),
    "json": ("application/json", "json", None),
}
EXPORT_LABELS = {"csv": _("CSV"), "excel": _("CSV for Excel"), "json": _("JSON")}
# The columns a PA sorts by clicking their heading; text columns start ascending, the rest newest or
# largest first.
COLUMNS = [("date", _("Date")), ("cardmember", _("Cardmember")), ("card", _("Card")),
           ("merchant", _("Merchant")), ("country", _("Country")), ("kind", _("Kind")),
           ("status", _("Status")), ("amount", _("Amount"))]
ASCENDING_FIRST = {"cardmember", "merchant", "country", "kind", "status", "card"}


def _headings(criteria: dict, sort: str) -> list[dict]:
    headings = []
    for key, label in COLUMNS:
        if sort == key:
            following, state = f"-{key}", "ascending"
        elif sort == f"-{key}":
            following, state = key, "descending"
        else:
            following, state = (key if key in ASCENDING_FIRST else f"-{key}"), ""
        headings.append({"key": key, "label": label, "state": state, "numeric": key == "amount",
                         "query": urlencode({**criteria, "sort": following})})
    return headings


def _labelled(rows) -> list:
    """The page's rows with their kind, status, industry and details in the reader's words: a page
    shows no internal key or enum value (SPEC 18)."""
    labelled = list(rows)
    for row in labelled:
        row.kind_name = kind_label(row.kind)
        row.status_name = status_label(row.status)
        row.industry_name = industry_name(industry_of(row.mcc)) if row.mcc else ""
        row.details = transaction_details(row)
    return labelled


@login_required
def company_transactions_page(request: HttpRequest, number: str) -> HttpResponse:
    company = get_object_or_404(visible_companies(request.user), number=number)
    form = CompanyTransactionsForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    cleaned = getattr(form, "cleaned_data", {})
    sort = cleaned.get("sort") or DEFAULT_SORT
    if sort.removeprefix("-") not in SORTS:
        sort = DEFAULT_SORT
    criteria = {key: value for key, value in cleaned.items() if value not in (None, "") and key != "sort"}
    rows = company_transactions(company=company, filters=TransactionFilters.of(criteria), sort=sort)
    export = request.GET.get("export")
    if export in EXPORTS:
        content_type, extension, writer = EXPORTS[export]
        if writer is None:
            body = transactions_json(rows, company_number=company.number)
        else:
            body = writer(rows, language=get_language())
        response = StreamingHttpResponse(body, content_type=content_type)
        name = f"transactions-{company.number}-{issue_date().isoformat()}.{extension}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    # Raw form values (as typed, e.g. "12,50") keep the links' filters exactly as the PA wrote them.
    raw = {key: value for key, value in request.GET.items()
           if key in form.fields and key != "sort" and value and key in criteria}
    try:
        page_number = int(request.GET.get("page") or 1)
    except ValueError:
        page_number = 1
    # The whole list (no filter) is the company's history: counted up to COUNT_UP_TO rows, "more than"
    # past that (issue 19: a page at 10,000 cardmembers under 300 ms); a filtered list exactly.
    shown = transactions_page(rows, number=page_number, per_page=PER_PAGE,
                              count_up_to=None if criteria else COUNT_UP_TO)
    # The pager's arithmetic over the count alone: the rows are already fetched. Past an inexact count
    # there is a next page.
    page = Paginator(range(shown.total + (0 if shown.exact else 1)), PER_PAGE).get_page(shown.number)
    return render(request, "portal/transactions/company.html", {
        "company": company, "form": form, "page": page, "rows": _labelled(shown.rows),
        "count_exact": shown.exact, "count": shown.total,
        "headings": _headings(raw, sort), "query": urlencode({**raw, "sort": sort}),
        "exports": [{"key": key, "label": label, "query": urlencode({**raw, "sort": sort, "export": key})}
                    for key, label in EXPORT_LABELS.items()],
        "filtered": bool(criteria),
    })
