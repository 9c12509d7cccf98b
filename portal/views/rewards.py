"""SAS EuroBonus in the portal (SPEC section 13, terms §38).

A cardmember sees their enrolment and points per statement and asks to join with their number; a
PA sees the company's enrolments and points, approves or rejects requests, and suspends, resumes or
ends participation; ops (staff) see the SAS batches and which ones need chasing. Everything starts
from accounts.selectors: another company's account is a 404, exactly like one that does not exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.roles import ops_may
from accounts.selectors import visible_accounts, visible_companies
from amexprog.common import clock
from amexprog.common.errors import ApplicationError
from rewards import services
from rewards.forms import DecisionForm, EnrolmentRequestForm
from rewards.models import Enrolment, ExportBatch, PointsPosting
from rewards.selectors import (
    administers,
    effective_date,
    is_holder,
    overdue_batches,
    points_rule_in_force,
    visible_enrolments,
)

POSTINGS_PER_PAGE = 24
BATCHES_SHOWN = 36
REJECTED_LINES_SHOWN = 200

REQUESTED = _("Your EuroBonus request is sent; a programme administrator of your company will decide on it.")
DONE = {
    "approve": _("The EuroBonus enrolment of %(name)s is approved."),
    "reject": _("The EuroBonus request of %(name)s is rejected."),
    "suspend": _("The EuroBonus participation of %(name)s is suspended."),
    "resume": _("The EuroBonus participation of %(name)s is resumed."),
    "end": _("The EuroBonus participation of %(name)s has ended."),
}
DECISIONS = {
    "approve": services.enrolment_approve,
    "reject": services.enrolment_reject,
    "suspend": services.enrolment_suspend,
    "resume": services.enrolment_resume,
    "end": services.enrolment_end,
}


@login_required
def account_eurobonus(request: HttpRequest, number: str) -> HttpResponse:
    """An account's enrolment and points per statement; the holder (or a PA) may ask to join."""
    account = get_object_or_404(visible_accounts(request.user).select_related("company", "cardmember"), number=number)
    holder, manages = is_holder(request.user, account), administers(request.user, account)
    enrolment = Enrolment.objects.filter(account=account).prefetch_related("events").first()
    can_ask = (holder or manages) and account.company.eurobonus_allowed and (
        enrolment is None or enrolment.status in (Enrolment.Status.ENDED, Enrolment.Status.REJECTED))
    form = EnrolmentRequestForm(request.POST or None)
    if request.method == "POST":
        if not can_ask:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.enrolment_request(account=account, member_number=form.cleaned_data["member_number"],
                                           on=effective_date(), by=request.user)
            except ApplicationError as exc:
                form.add_error("member_number" if exc.extra.get("field") == "member_number" else None, exc.message)
            else:
                messages.success(request, REQUESTED)
                return redirect("portal:account_eurobonus", number=account.number)
    postings = PointsPosting.objects.filter(account=account)
    page = Paginator(postings.select_related("batch").order_by("-statement_date"), POSTINGS_PER_PAGE).get_page(
        request.GET.get("page"))
    return render(request, "portal/rewards/account.html", {
        "account": account, "enrolment": enrolment, "page": page, "form": form if can_ask else None,
        "balance": postings.aggregate(total=Coalesce(Sum("points"), Value(0)))["total"],
        "administers": manages, "rule": points_rule_in_force(market=account.company.market, on=effective_date()),
    })


@login_required
def company_eurobonus(request: HttpRequest, number: str) -> HttpResponse:
    """A company's enrolments, requests awaiting a decision first, with each account's points."""
    company = get_object_or_404(visible_companies(request.user), number=number)
    enrolments = list(
        Enrolment.objects.filter(account__company=company)
        .select_related("account__cardmember")
        .annotate(points_balance=Coalesce(Sum("points_postings__points"), Value(0)))
        .order_by("account__cardmember__last_name", "account__cardmember__first_name", "account__number")
    )
    return render(request, "portal/rewards/company.html", {
        "company": company,
        "requests": [e for e in enrolments if e.status == Enrolment.Status.REQUESTED],
        "enrolments": [e for e in enrolments if e.status != Enrolment.Status.REQUESTED],
    })


@login_required
@require_POST
def enrolment_decide(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    """approve | reject | suspend | resume | end, by a PA of the company or ops."""
    service = DECISIONS.get(verb)
    if service is None:
        raise Http404
    enrolment = get_object_or_404(visible_enrolments(request.user).select_related("account__company",
                                                                                  "account__cardmember"), pk=pk)
    if not administers(request.user, enrolment.account):
        raise PermissionDenied
    form = DecisionForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    kwargs = {} if verb == "approve" else {"reason": reason}
    try:
        service(enrolment=enrolment, on=effective_date(), by=request.user, **kwargs)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, DONE[verb] % {"name": enrolment.account.cardmember.full_name})
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("portal:company_eurobonus", number=enrolment.account.company.number)


@login_required
def eurobonus_exports(request: HttpRequest) -> HttpResponse:
    """Ops: the SAS batches accrued → exported → confirmed, those to chase (exported more than 10
    weeks ago without SAS's confirmation, or a finished month not exported), and rejected lines."""
    if not ops_may(request.user, "rewards.view_exportbatch"):  # SPEC section 17: a permission, not is_staff
        raise PermissionDenied
    totals = {"points": Coalesce(Sum("lines__points"), Value(0)), "lines_count": Count("lines")}
    overdue = list(overdue_batches(today=clock.today()).annotate(**totals))
    overdue_ids = {batch.pk for batch in overdue}
    batches = list(ExportBatch.objects.annotate(**totals).order_by("-month")[:BATCHES_SHOWN])
    for batch in batches:
        batch.is_overdue = batch.pk in overdue_ids
    rejected = (PointsPosting.objects.filter(sas_status=PointsPosting.SasStatus.REJECTED)
                .select_related("account", "batch").order_by("-statement_date")[:REJECTED_LINES_SHOWN])
    return render(request, "portal/rewards/exports.html", {
        "batches": batches, "overdue": overdue, "rejected": rejected,
    })
