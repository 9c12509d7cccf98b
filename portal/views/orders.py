"""Card ordering for PAs: a single card, or a Central Order Card file (SPEC section 11).

A PA orders only for companies they administer; any other company number is a 404, exactly like
one that does not exist. Pages show masked card numbers only: the full number goes to the
embosser, never to a PA.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from accounts.embossing import card_order_embossed
from accounts.imports import CARD_COLUMNS, cards_import
from accounts.models import Company
from amexprog.common.csvfiles import FileRejected
from amexprog.common.errors import ApplicationError
from portal.forms import CardOrderFileForm, CardOrderForm
from portal.selectors import administered_company_or_404, issue_date


@login_required
@sensitive_variables()  # the new card's full number is in memory: kept out of error reports (issue 15 item 9)
def order_new(request: HttpRequest, number: str) -> HttpResponse:
    company = administered_company_or_404(request.user, number)
    form = CardOrderForm(request.POST or None, company=company)
    if request.method == "POST" and form.is_valid():
        try:
            issued = card_order_embossed(company=company, order=form.to_order(), issued_on=issue_date())
        except ApplicationError as exc:
            field = exc.extra.get("field")
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            cardmember = issued.card.account.cardmember
            messages.success(request, _("Card %(card)s ordered for %(name)s (account %(account)s).") % {
                "card": issued.card.masked_number, "name": cardmember.full_name,
                "account": issued.card.account.number,
            })
            return redirect("portal:company_detail", number=company.number)
    return render(request, "portal/orders/new.html", {"company": company, "form": form})


@login_required
@sensitive_variables()  # the new cards' full numbers are in memory (issue 15 item 9)
def order_upload(request: HttpRequest, number: str) -> HttpResponse:
    company = administered_company_or_404(request.user, number)
    form = CardOrderFileForm(request.POST or None, request.FILES or None)
    rejected: FileRejected | None = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        upload.seek(0)
        try:
            summary = cards_import(stream=upload.file, issued_on=issue_date(),
                                   companies=Company.objects.filter(pk=company.pk),
                                   number_format=form.cleaned_data["number_format"])
        except FileRejected as exc:
            rejected = exc
        except ApplicationError as exc:
            form.add_error("file", exc.message)
        else:
            return render(request, "portal/orders/upload_done.html", {"company": company, "summary": summary})
    context = {"company": company, "form": form, "rejected": rejected, "columns": ",".join(CARD_COLUMNS)}
    return render(request, "portal/orders/upload.html", context, status=400 if rejected else 200)
