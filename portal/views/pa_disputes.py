"""Disputes on behalf of a cardmember (PA sheet: disputes; SPEC section 12).

A PA may dispute any charge of the accounts they administer (disputes.selectors.visible_charges,
portal.views.disputes.dispute_new); this page finds the charge: the company's purchases and cash
withdrawals, newest first, searchable by cardmember, employee id, card's last four digits or
merchant. The dispute is opened in the PA's name (the case history says who), for the cardmember.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from disputes.selectors import visible_charges
from portal.selectors import administered_company_or_404

CHARGES_PER_PAGE = 50


@login_required
def company_dispute_charges(request: HttpRequest, number: str) -> HttpResponse:
    company = administered_company_or_404(request.user, number)
    query = (request.GET.get("q") or "").strip()[:100]
    charges = (visible_charges(request.user).filter(account__company=company)
               .select_related("account__cardmember", "card").order_by("-posting_date", "-id"))
    if query:
        charges = charges.filter(
            Q(account__cardmember__first_name__icontains=query) | Q(account__cardmember__last_name__icontains=query)
            | Q(account__cardmember__employee_id__iexact=query) | Q(card__last4=query)
            | Q(merchant_name__icontains=query) | Q(description__icontains=query))
    page = Paginator(charges, CHARGES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "portal/disputes/company_charges.html",
                  {"company": company, "page": page, "q": query, "query": urlencode({"q": query}) if query else ""})
