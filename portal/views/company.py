"""A company's own pages for its PAs (issue 8, PA sheet): the dashboard a PA lands on, the company's
data (address, bank details, authorised signatories) and its programme administrators.

A company the user does not administer is a 404, exactly like one that does not exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from accounts.audit import actor_for
from accounts.data_changes import company_pa_add, company_pa_remove, company_update
from accounts.models import AuditEntry
from amexprog.common.errors import ApplicationError
from portal.charts import dashboard_charts
from portal.forms.company import AdministratorForm, CompanyDataForm, add_service_error
from portal.selectors import administered_company_or_404, issue_date
from portal.selectors.dashboard import company_dashboard
from portal.selectors.home import companies_glance

COMPANY_ACTIONS = (AuditEntry.Action.COMPANY_UPDATED, AuditEntry.Action.PA_ADDED, AuditEntry.Action.PA_REMOVED)
PENDING_BANK_DETAILS = _lazy("The new bank details wait for approval by another programme administrator or the card "
                             "issuer; until then the company keeps its current bank details. Anything else you "
                             "changed is saved.")


@login_required
def company_detail(request: HttpRequest, number: str) -> HttpResponse:
    company = administered_company_or_404(request.user, number)
    on = issue_date()
    board = company_dashboard(company, on=on)
    glance = companies_glance(companies=[company], user=request.user, on=on)[0]
    return render(request, "portal/company_detail.html", {"company": company, "board": board, "glance": glance,
                                                          "charts": dashboard_charts(board)})


def _company_and_actor(request: HttpRequest, number: str, *, permission: str):
    company = administered_company_or_404(request.user, number)  # PA pages: ops never reach them
    by = actor_for(request.user, company=company, permission=permission)
    if by is None:
        raise Http404
    return company, by


def _history(company):
    return (AuditEntry.objects.filter(company=company, action__in=COMPANY_ACTIONS)
            .order_by("-at", "-id")[:20])


@login_required
def company_edit(request: HttpRequest, number: str) -> HttpResponse:
    company, by = _company_and_actor(request, number, permission="accounts.change_company")
    form = CompanyDataForm(request.POST or None, initial=CompanyDataForm.initial_for(company))
    if request.method == "POST" and form.is_valid():
        try:
            company = company_update(company=company, by=by, on=issue_date(), **form.cleaned_data)
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            if company.pending_change is not None:  # SPEC section 17: new bank details wait for a second person
                messages.info(request, PENDING_BANK_DETAILS)
                return redirect("portal:company_changes", number=company.number)
            messages.success(request, _("The company's data is saved."))
            return redirect("portal:company_edit", number=company.number)
    return render(request, "portal/company/edit.html", {"company": company, "form": form,
                                                        "history": _history(company)},
                  status=400 if form.errors else 200)


@login_required
def company_administrators(request: HttpRequest, number: str) -> HttpResponse:
    company, by = _company_and_actor(request, number, permission="accounts.add_programmeadministrator")
    form = AdministratorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            company_pa_add(company=company, email=form.cleaned_data["email"], by=by, on=issue_date())
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:  # SPEC section 17: a new PA waits for a second person
            messages.info(request, _("Adding %(email)s as a programme administrator of %(company)s waits for "
                                     "approval by another programme administrator or the card issuer.")
                          % {"email": form.cleaned_data["email"], "company": company.legal_name})
            return redirect("portal:company_changes", number=company.number)
    administrators = company.administrators.select_related("user").order_by("user__email", "pk")
    return render(request, "portal/company/administrators.html", {
        "company": company, "form": form, "administrators": administrators, "history": _history(company),
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def company_administrator_remove(request: HttpRequest, number: str) -> HttpResponse:
    company, by = _company_and_actor(request, number, permission="accounts.delete_programmeadministrator")
    email = request.POST.get("email", "")
    try:
        company_pa_remove(company=company, email=email, by=by, on=issue_date())
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(email)s is no longer a programme administrator of %(company)s.")
                         % {"email": email, "company": company.legal_name})
        if not company.administrators.filter(user=request.user).exists():
            return redirect("portal:pa_home")
    return redirect("portal:company_administrators", number=company.number)
