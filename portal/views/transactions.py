"""An account's transactions in the portal: filtered by date range and kind, paginated, with FX
details and each fee's explanation (SPEC sections 4, 6, 14).

A PA sees the whole history of the accounts they administer; a cardmember sees their own
transactions of the last three months (terms §8b, SPEC section 15) — older ones stay on their
statements.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.audit import Role, actor_for
from accounts.models import Liability
from accounts.selectors import visible_accounts
from amexprog.common.errors import ApplicationError
from ledger.models import Posting, PostingKind
from liability.selectors import is_personal, is_reimbursed
from liability.services import reimbursed_charge_mark, reimbursed_charge_unmark
from portal.selectors import issue_date
from statements.rendering.data import statement_line, supported_language
from statements.rendering.selectors import (
    CARDMEMBER_TRANSACTION_MONTHS,
    account_transactions,
    transactions_visible_from,
)

TRANSACTIONS_PER_PAGE = 50


class TransactionFilterForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("Kind"), required=False,
                             choices=[("", _("All kinds")), *PostingKind.choices])

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        return cleaned


@login_required
def account_transactions_page(request: HttpRequest, number: str) -> HttpResponse:
    account = get_object_or_404(visible_accounts(request.user).select_related("company", "cardmember"), number=number)
    form = TransactionFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    postings = account_transactions(
        user=request.user, account=account, date_from=filters.get("date_from"), date_to=filters.get("date_to"),
        kind=filters.get("kind") or None,
    ).annotate(personal=is_personal(), reimbursed=is_reimbursed())
    page = Paginator(postings, TRANSACTIONS_PER_PAGE).get_page(request.GET.get("page"))
    language = supported_language(get_language())
    lines = [statement_line(posting, language) for posting in page.object_list]
    window_start = transactions_visible_from(request.user, account)
    # Joint liability (terms §12a-ii): the holder marks charges personal; everyone who sees them sees the mark.
    personal_ids = {posting.pk for posting in page.object_list if posting.personal}
    # SPEC section 3 (issue 16 item 12): a charge the company already reimbursed is labelled apart.
    reimbursed_ids = {posting.pk for posting in page.object_list if posting.reimbursed}
    may_mark = account.liability == Liability.JOINT and account.cardmember.user_id == request.user.pk
    may_reimburse = account.liability == Liability.JOINT and _company_actor(request, account) is not None
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "portal/transactions/list.html", {
        "account": account, "form": form, "page": page, "lines": lines, "window_start": window_start,
        "window_months": CARDMEMBER_TRANSACTION_MONTHS, "administers": window_start is None,
        "query": query.urlencode(), "personal_ids": personal_ids, "may_mark": may_mark,
        "reimbursed_ids": reimbursed_ids, "may_reimburse": may_reimburse,
    })


# SPEC section 3, issue 16 item 12: what the company's marking of a reimbursed charge answers.
REIMBURSED_ERRORS = {
    "not_joint_liability": _("This account is not under joint liability: the company is liable for every charge."),
    "not_a_charge": _("Only a purchase or a cash withdrawal can be marked as reimbursed."),
    "already_marked": _("This charge is already marked as personal or reimbursed."),
    "not_reimbursed": _("This charge is not marked as reimbursed by the company."),
}


def _company_actor(request: HttpRequest, account):
    """The PA acting as the company (SPEC section 3): only the company marks what it reimbursed."""
    actor = actor_for(request.user, company=account.company, account=account,
                      permission="liability.add_personalcharge")
    return actor if actor is not None and actor.role == Role.COMPANY else None


@login_required
@require_POST
def charge_reimbursed(request: HttpRequest, pk: int) -> HttpResponse:
    """A PA marks (or, with `unmark`, takes back) a charge the company already reimbursed to the
    cardmember: under joint liability the company is not liable for it (SPEC section 3, terms §12;
    issue 16 item 12)."""
    posting = get_object_or_404(Posting.objects.select_related("account__company"), pk=pk,
                                account__in=visible_accounts(request.user))
    actor = _company_actor(request, posting.account)
    verb = request.POST.get("verb", "mark")
    if actor is None or verb not in ("mark", "unmark"):
        raise Http404
    try:
        if verb == "mark":
            reimbursed_charge_mark(posting=posting, by=actor, on=issue_date(), note=request.POST.get("note", ""))
            messages.success(request, _("The charge is marked as reimbursed by the company: the company is not "
                                        "liable for it."))
        else:
            reimbursed_charge_unmark(posting=posting, by=actor, on=issue_date())
            messages.success(request, _("The charge is no longer marked as reimbursed by the company."))
    except ApplicationError as exc:
        messages.error(request, str(REIMBURSED_ERRORS.get(exc.code, exc.message)))
    return redirect("portal:account_transactions", number=posting.account.number)
