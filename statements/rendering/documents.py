"""Statement documents as JSON, CSV, HTML and PDF — each a view of the same built data.

HTML and PDF share one template: the PDF is WeasyPrint's rendering of the standalone HTML, and
the portal embeds the template's body. Everything is rendered in the document's language.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from statements.rendering.data import CompanyStatementData, StatementData

STATEMENT_KEYS = ["account_number", "company_number", "statement_date", "period_start", "period_end", "due_date",
                  "currency", "opening_balance", "closing_balance", "eurobonus_points"]
LINE_KEYS = ["posting_date", "kind", "description", "amount", "original_amount", "original_currency", "usd_amount",
             "fx_rate_to_usd", "fx_rate", "fx_rate_date", "source_key", "explanation"]
# One row per statement line, each row repeating its statement's figures (SPEC section 16's JSON,
# flattened). A statement without lines (an opening balance carried over) still gets one row,
# with the line columns empty, so the file lists every statement of the period.
CSV_COLUMNS = STATEMENT_KEYS + LINE_KEYS


def statement_json(document: StatementData) -> dict[str, Any]:
    from statements.serializers import StatementSerializer

    return _plain(StatementSerializer(document).data)


def company_statement_json(document: CompanyStatementData) -> dict[str, Any]:
    from statements.serializers import CompanyStatementSerializer

    return _plain(CompanyStatementSerializer(document).data)


def _plain(value: Any) -> Any:
    """DRF's ReturnDict/OrderedDict as plain dicts and lists, ready for json.dumps."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def statement_csv_rows(document: StatementData) -> Iterator[list[str]]:
    data = statement_json(document)
    head = [_csv(data[key]) for key in STATEMENT_KEYS]
    if not data["lines"]:
        yield head + [""] * len(LINE_KEYS)
    for line in data["lines"]:
        yield head + [_csv(line[key]) for key in LINE_KEYS]


def _csv(value: Any) -> str:
    return "" if value is None else str(value)


def render_statement_html(document: StatementData, *, standalone: bool = True) -> str:
    """A complete HTML document, or (standalone=False) the statement's <article> for a page."""
    template = "statements/statement.html" if standalone else "statements/_statement.html"
    with translation.override(document.language):
        return render_to_string(template, {"doc": document})


def render_company_statement_html(document: CompanyStatementData, *, standalone: bool = True) -> str:
    template = "statements/company_statement.html" if standalone else "statements/_company_statement.html"
    with translation.override(document.language):
        return render_to_string(template, {"doc": document})


def statement_styles() -> str:
    """The documents' CSS, for a page that embeds a statement."""
    return render_to_string("statements/_styles.css")


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported late: loading Pango costs time every command would pay

    return HTML(string=html).write_pdf()


def render_statement_pdf(document: StatementData) -> bytes:
    return html_to_pdf(render_statement_html(document))


def render_company_statement_pdf(document: CompanyStatementData) -> bytes:
    return html_to_pdf(render_company_statement_html(document))

