"""Statements in the portal (SPEC sections 9, 14; PA sheet "statement copies").

A PA sees the statements of the companies they administer (account statements and, with central
billing, company statements) and downloads a copy of any of them; a cardmember sees their own.
Everything is scoped by accounts.selectors: another company's statement is a 404, exactly like
one that does not exist. A statement document is written in its holder's language whoever
views it (`?language=` shows a copy in another language); the page around it is the viewer's.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from accounts.models import Company, Language
from accounts.selectors import visible_accounts, visible_companies
from liability.models import PersonalCharge
from liability.selectors import company_statement_personal_total
from statements.models import Statement
from statements.rendering import (
    company_statement_document,
    render_company_statement_html,
    render_company_statement_pdf,
    render_statement_html,
    render_statement_pdf,
    statement_document,
    statement_styles,
)
from statements.rendering.payment import company_statement_payments, reading_day, statement_payments
from statements.rendering.selectors import (
    statements_for_documents,
    visible_company_statements,
    visible_statements,
)

STATEMENTS_PER_PAGE = 24


def _copy_language(request: HttpRequest) -> str | None:
    """`?language=` asks for a copy in another language; anything unknown shows the original."""
    language = request.GET.get("language") or None
    return language if language in Language.values else None


def _administers(request: HttpRequest, company_id: int) -> bool:
    return visible_companies(request.user).filter(pk=company_id).exists()


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _with_payments(request: HttpRequest, page, *, company: bool = False, as_of=None) -> bool:
    """Each listed statement gets its `payment` status (issue 19 item 4), in the viewer's language; a
    fixed number of queries for the page."""
    rows = list(page)
    if company:
        payments = company_statement_payments(rows, language=request.LANGUAGE_CODE, as_of=as_of)
    else:
        payments = statement_payments(rows, languages={row.pk: request.LANGUAGE_CODE for row in rows}, as_of=as_of)
    for row in rows:
        row.payment = payments[row.pk]
    return bool(rows)


@login_required
def account_statements(request: HttpRequest, number: str) -> HttpResponse:
    account = get_object_or_404(visible_accounts(request.user).select_related("company", "cardmember"), number=number)
    page = Paginator(
        Statement.objects.filter(account=account).select_related("account__company").order_by("-statement_date"),
        STATEMENTS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    return render(request, "portal/statements/account_list.html", {
        "account": account, "page": page, "administers": _administers(request, account.company_id),
        "payments": _with_payments(request, page),
    })


@login_required
def statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    statement = get_object_or_404(statements_for_documents(visible_statements(request.user)), pk=pk)
    language = _copy_language(request)
    document = statement_document(statement, language=language)
    return render(request, "portal/statements/detail.html", {
        "statement": statement, "account": statement.account, "document": document, "copy_language": language,
        "copy_languages": Language.choices, "administers": _administers(request, statement.account.company_id),
        "statement_html": render_statement_html(document, standalone=False),
        "statement_css": statement_styles(),
    })


@login_required
def statement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    statement = get_object_or_404(statements_for_documents(visible_statements(request.user)), pk=pk)
    document = statement_document(statement, language=_copy_language(request))
    return _pdf(render_statement_pdf(document), document.filename)


@login_required
def company_statements(request: HttpRequest, number: str) -> HttpResponse:
    """A company's statements: its company statements (central billing) and every account statement."""
    company: Company = get_object_or_404(visible_companies(request.user), number=number)
    company_page = Paginator(
        visible_company_statements(request.user).filter(company=company).select_related("company")
        .order_by("-statement_date"),
        STATEMENTS_PER_PAGE,
    ).get_page(request.GET.get("cpage"))
    account_page = Paginator(
        Statement.objects.filter(account__company=company)
        .select_related("account__cardmember", "account__company")
        .order_by("-statement_date", "account__number"),
        STATEMENTS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    as_of = reading_day()
    return render(request, "portal/statements/company_list.html", {
        "company": company, "company_page": company_page, "page": account_page,
        "payments": _with_payments(request, account_page, as_of=as_of),
        "company_payments": _with_payments(request, company_page, company=True, as_of=as_of),
    })


@login_required
def company_statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    company_statement = get_object_or_404(visible_company_statements(request.user).select_related("company"), pk=pk)
    # A PA reads the company's statement in their own portal language unless they ask for another.
    copy_language = _copy_language(request)
    document = company_statement_document(company_statement, language=copy_language or request.LANGUAGE_CODE)
    return render(request, "portal/statements/company_detail.html", {
        "company_statement": company_statement, "company": company_statement.company, "document": document,
        "copy_languages": Language.choices, "copy_language": copy_language,
        "statement_html": render_company_statement_html(document, standalone=False),
        "statement_css": statement_styles(),
        # Joint liability (terms §12a-ii): what cardmembers declared personal is not the company's to pay.
        "personal_total": company_statement_personal_total(company_statement),
        # SPEC section 3 (issue 16 item 12): nor what the company already reimbursed to the cardmember.
        "reimbursed_total": company_statement_personal_total(company_statement,
                                                             reason=PersonalCharge.Reason.REIMBURSED),
    })


@login_required
def company_statement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    company_statement = get_object_or_404(visible_company_statements(request.user).select_related("company"), pk=pk)
    document = company_statement_document(company_statement, language=_copy_language(request) or request.LANGUAGE_CODE)
    return _pdf(render_company_statement_pdf(document), document.filename)

