"""A company's cardmembers for its PAs (issue 8, PA sheet: cardmember data changes): the list with
search, filters, order and pages; a cardmember's page with cards (masked), limits, controls,
statements, recent transactions and notices; and the form that changes their data.

A cardmember of a company the user does not administer is a 404, exactly like one that does not exist.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.audit import actor_for
from accounts.controls import controls_of, monthly_limit_in_force
from accounts.data_changes import CARDMEMBER_FIELDS, cardmember_update
from accounts.models import AuditEntry, Card, Cardmember, Notice
from amexprog.common.db import from_minor, minor_sum
from amexprog.common.errors import ApplicationError
from ledger.models import Posting
from portal.forms.company import CardmemberDataForm, CardmemberSearchForm, add_service_error
from portal.selectors import administered_company_or_404, issue_date
from portal.selectors.cardmembers import attach_page_details, company_cardmembers
from statements.models import Statement

PER_PAGE = 50
RECENT = 20


@login_required
def cardmember_list(request: HttpRequest, number: str) -> HttpResponse:
    company = administered_company_or_404(request.user, number)
    form = CardmemberSearchForm(request.GET or None)
    criteria = form.cleaned_data if form.is_valid() else {}
    cardmembers = company_cardmembers(company, **{key: value for key, value in criteria.items() if value})
    page = Paginator(cardmembers, PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    attach_page_details(rows)
    query = urlencode({key: value for key, value in criteria.items() if value})
    return render(request, "portal/cardmembers/list.html", {
        "company": company, "form": form, "page": page, "cardmembers": rows, "query": query,
    })


def _cardmember(request: HttpRequest, number: str, pk: int) -> Cardmember:
    company = administered_company_or_404(request.user, number)
    return get_object_or_404(Cardmember.objects.select_related("company", "account"), company=company, pk=pk)


@login_required
def cardmember_detail(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    cardmember = _cardmember(request, number, pk)
    account = getattr(cardmember, "account", None)
    context = {"company": cardmember.company, "cardmember": cardmember, "account": account,
               "notices": Notice.objects.filter(cardmember=cardmember).order_by("-created_on", "-id")[:10],
               "history": AuditEntry.objects.filter(action=AuditEntry.Action.CARDMEMBER_UPDATED,
                                                    details__cardmember=cardmember.pk).order_by("-at", "-id")[:20]}
    if account is not None:
        cards = list(Card.objects.filter(account=account).select_related("controls", "account")
                     .order_by("-issued_on", "-id"))
        company_row = controls_of(cardmember.company)
        for card in cards:  # the limit that holds (issue 19 item 1), not one the company's overrides
            card.limit_in_force = monthly_limit_in_force(card=card, company_row=company_row)
        context.update(
            balance=from_minor(Posting.objects.filter(account=account).aggregate(total=minor_sum("amount"))["total"]),
            cards=cards,
            statements=Statement.objects.filter(account=account).order_by("-statement_date")[:12],
            transactions=Posting.objects.filter(account=account).select_related("card")
            .order_by("-posting_date", "-id")[:RECENT],
        )
    return render(request, "portal/cardmembers/detail.html", context)


@login_required
def cardmember_edit(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    cardmember = _cardmember(request, number, pk)
    by = actor_for(request.user, company=cardmember.company, permission="accounts.change_cardmember")
    if by is None:
        raise Http404
    form = CardmemberDataForm(request.POST or None, instance=cardmember, company=cardmember.company)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in CARDMEMBER_FIELDS}
        try:
            cardmember_update(cardmember=cardmember, by=by, on=issue_date(), **changes)
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("%(name)s's data is saved.") % {"name": cardmember.full_name})
            return redirect("portal:cardmember_detail", number=number, pk=cardmember.pk)
    return render(request, "portal/cardmembers/edit.html",
                  {"company": cardmember.company, "cardmember": cardmember, "form": form},
                  status=400 if form.errors else 200)
