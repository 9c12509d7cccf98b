"""Disputes and refund requests in the portal (SPEC section 12), for cardmembers and PAs.

Everything starts from disputes.selectors (scoped by accounts.selectors): a charge, dispute or
refund request outside the caller's accounts is a 404, the same as one that does not exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from moneyed import Money

from accounts.roles import is_ops, ops_may
from accounts.selectors import visible_accounts, visible_companies
from amexprog.common.errors import ApplicationError
from amexprog.common.money import format_money
from disputes import selectors, services
from disputes.apis import evidence_file_response
from disputes.attachments import max_attachment_bytes
from disputes.audit import actor_of
from disputes.forms import DisputeForm, EvidenceForm, RefundRequestForm, WithdrawForm
from disputes.models import Evidence
from disputes.rules import is_eea, late_from, refund_request_last_day, refused_from, rules_in_force
from portal.templatetags.portal_format import local_date


def _add_error(form, exc: ApplicationError) -> None:
    field = exc.extra.get("field")
    form.add_error(field if field in form.fields else None, exc.message)


def _upload(form) -> dict:
    upload = form.cleaned_data.get("file")
    return {"upload": upload, "filename": upload.name} if upload else {}


def _ops_need(request: HttpRequest, permission: str) -> None:
    """A write by ops needs its permission (SPEC section 17, issue 15 item 3); the services check it as
    well, this refuses before a form is filled in. Holders and PAs are scoped by the selectors."""
    if request.method == "POST" and is_ops(request.user) and not ops_may(request.user, permission):
        raise PermissionDenied


def _charge(request: HttpRequest, pk: int):
    return get_object_or_404(selectors.visible_charges(request.user).select_related("account__company", "card"),
                             pk=pk)


def _deadlines(charge) -> dict:
    """What the holder should know before filing: the statement and the days that matter."""
    statement = selectors.charge_statement(charge)
    rules = rules_in_force(market=charge.account.company.market, on=services.case_day())
    if statement is None:
        return {"statement": None}
    day = services.case_day()
    return {
        "statement": statement,
        "late_from": late_from(statement.statement_date, rules),
        "refused_from": refused_from(statement.statement_date, rules),
        "refund_last_day": refund_request_last_day(statement.statement_date, rules),
        "is_late": day >= late_from(statement.statement_date, rules),
    }


@login_required
def account_disputes(request: HttpRequest, number: str) -> HttpResponse:
    account = get_object_or_404(visible_accounts(request.user).select_related("company", "cardmember"),
                                number=number)
    disputes = selectors.visible_disputes(request.user).filter(account=account).select_related("charge")
    refund_requests = selectors.visible_refund_requests(request.user).filter(account=account).select_related(
        "charge")
    return render(request, "portal/disputes/list.html", {
        "account": account, "disputes": disputes.order_by("-opened_at"),
        "refund_requests": refund_requests.order_by("-submitted_at"),
    })


@login_required
def company_disputes(request: HttpRequest, number: str) -> HttpResponse:
    company = get_object_or_404(visible_companies(request.user).filter(administrators__user=request.user),
                                number=number)
    disputes = selectors.visible_disputes(request.user).filter(account__company=company).select_related(
        "charge", "account__cardmember")
    refund_requests = selectors.visible_refund_requests(request.user).filter(account__company=company) \
        .select_related("charge", "account__cardmember")
    return render(request, "portal/disputes/list.html", {
        "company": company, "disputes": disputes.order_by("-opened_at"),
        "refund_requests": refund_requests.order_by("-submitted_at"),
    })


@login_required
def dispute_new(request: HttpRequest, pk: int) -> HttpResponse:
    _ops_need(request, "disputes.add_dispute")
    charge = _charge(request, pk)
    available = selectors.charge_disputable_amount(charge)
    form = DisputeForm(request.POST or None, request.FILES or None, max_bytes=max_attachment_bytes(),
                       initial={"amount": available})
    if request.method == "POST" and form.is_valid():
        amount = form.cleaned_data.get("amount")
        try:
            dispute = services.dispute_open(
                charge=charge, reason=form.cleaned_data["reason"], by=actor_of(request.user),
                on=services.case_day(), amount=Money(amount, charge.account.currency) if amount is not None else None,
                note=form.cleaned_data.get("note", ""), **_upload(form))
        except ApplicationError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("Dispute #%(number)d opened: %(amount)s is credited to the account while "
                                        "it is investigated.") % {
                "number": dispute.pk,
                "amount": format_money(dispute.credited.amount, dispute.account.currency, get_language())})
            if dispute.late:
                messages.warning(request, _("The dispute is late: it was opened more than a month after the "
                                            "statement that billed the charge."))
            return redirect("portal:dispute_detail", pk=dispute.pk)
    return render(request, "portal/disputes/new.html", {"charge": charge, "form": form, "available": available,
                                                        **_deadlines(charge)},
                  status=400 if request.method == "POST" else 200)


@login_required
def dispute_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _ops_need(request, "disputes.change_dispute")
    dispute = get_object_or_404(
        selectors.visible_disputes(request.user).select_related("account__company", "account__cardmember",
                                                                "charge", "statement", "incident"), pk=pk)
    form = EvidenceForm(request.POST or None, request.FILES or None, max_bytes=max_attachment_bytes())
    if request.method == "POST" and form.is_valid():
        try:
            services.dispute_evidence_add(dispute=dispute, by=actor_of(request.user), on=services.case_day(),
                                          note=form.cleaned_data.get("note", ""), **_upload(form))
        except ApplicationError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("Added to dispute #%(number)d.") % {"number": dispute.pk})
            return redirect("portal:dispute_detail", pk=dispute.pk)
    return render(request, "portal/disputes/detail.html", {
        "dispute": dispute, "form": form, "withdraw_form": WithdrawForm(),
        "evidence": dispute.evidence.all(), "events": dispute.events.all(),
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def dispute_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    _ops_need(request, "disputes.change_dispute")
    dispute = get_object_or_404(selectors.visible_disputes(request.user), pk=pk)
    form = WithdrawForm(request.POST)
    note = form.cleaned_data.get("note", "") if form.is_valid() else ""
    try:
        services.dispute_withdraw(dispute=dispute, by=actor_of(request.user), on=services.case_day(), note=note)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Dispute #%(number)d withdrawn; the credit is re-debited on the next "
                                    "statement.") % {"number": dispute.pk})
    return redirect("portal:dispute_detail", pk=dispute.pk)


@login_required
def dispute_evidence_file(request: HttpRequest, pk: int, evidence_id: int) -> HttpResponse:
    dispute = get_object_or_404(selectors.visible_disputes(request.user), pk=pk)
    evidence = get_object_or_404(Evidence.objects.exclude(file=""), dispute=dispute, pk=evidence_id)
    return evidence_file_response(evidence)


@login_required
def refund_request_new(request: HttpRequest, pk: int) -> HttpResponse:
    _ops_need(request, "disputes.add_refundrequest")
    charge = _charge(request, pk)
    form = RefundRequestForm(request.POST or None, request.FILES or None, max_bytes=max_attachment_bytes())
    if request.method == "POST" and form.is_valid():
        try:
            refund_request = services.refund_request_submit(
                charge=charge, expected_amount=Money(form.cleaned_data["expected_amount"], charge.account.currency),
                explanation=form.cleaned_data["explanation"], by=actor_of(request.user), on=services.case_day(),
                note=form.cleaned_data.get("note", ""), **_upload(form))
        except ApplicationError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("Refund request #%(number)d received; the decision is due by "
                                        "%(due)s.") % {"number": refund_request.pk,
                                                       "due": local_date(refund_request.decision_due_on)})
            return redirect("portal:refund_request_detail", pk=refund_request.pk)
    return render(request, "portal/disputes/refund_new.html", {
        "charge": charge, "form": form, "eea": is_eea(charge.merchant_country or ""), **_deadlines(charge),
    }, status=400 if request.method == "POST" else 200)


@login_required
def refund_request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _ops_need(request, "disputes.change_refundrequest")
    refund_request = get_object_or_404(
        selectors.visible_refund_requests(request.user).select_related("account__company", "charge", "statement"),
        pk=pk)
    form = EvidenceForm(request.POST or None, request.FILES or None, max_bytes=max_attachment_bytes())
    if request.method == "POST" and form.is_valid():
        try:
            services.refund_request_evidence_add(request=refund_request, by=actor_of(request.user),
                                                 on=services.case_day(), note=form.cleaned_data.get("note", ""),
                                                 **_upload(form))
        except ApplicationError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("Added to refund request #%(number)d.") % {"number": refund_request.pk})
            return redirect("portal:refund_request_detail", pk=refund_request.pk)
    return render(request, "portal/disputes/refund_detail.html", {
        "refund_request": refund_request, "form": form, "evidence": refund_request.evidence.all(),
        "events": refund_request.events.all(),
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def refund_request_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    _ops_need(request, "disputes.change_refundrequest")
    refund_request = get_object_or_404(selectors.visible_refund_requests(request.user), pk=pk)
    try:
        services.refund_request_withdraw(request=refund_request, by=actor_of(request.user), on=services.case_day())
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Refund request #%(number)d withdrawn.") % {"number": refund_request.pk})
    return redirect("portal:refund_request_detail", pk=refund_request.pk)


@login_required
def refund_request_evidence_file(request: HttpRequest, pk: int, evidence_id: int) -> HttpResponse:
    refund_request = get_object_or_404(selectors.visible_refund_requests(request.user), pk=pk)
    evidence = get_object_or_404(Evidence.objects.exclude(file=""), refund_request=refund_request, pk=evidence_id)
    return evidence_file_response(evidence)

