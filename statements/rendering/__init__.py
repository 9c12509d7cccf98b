"""Statement documents (SPEC sections 9, 16): one builder (`data`), four renderings (`documents`)."""

from statements.rendering.data import (
    CompanyStatementData,
    StatementData,
    StatementLine,
    company_statement_document,
    statement_document,
    statement_documents,
)
from statements.rendering.documents import (
    CSV_COLUMNS,
    company_statement_json,
    render_company_statement_html,
    render_company_statement_pdf,
    render_statement_html,
    render_statement_pdf,
    statement_csv_rows,
    statement_json,
    statement_styles,
)
from statements.rendering.explain import explain_posting

__all__ = [
    "CSV_COLUMNS", "CompanyStatementData", "StatementData", "StatementLine", "company_statement_document",
    "company_statement_json", "explain_posting", "render_company_statement_html", "render_company_statement_pdf",
    "render_statement_html", "render_statement_pdf", "statement_csv_rows", "statement_document",
    "statement_documents", "statement_json", "statement_styles",
]
