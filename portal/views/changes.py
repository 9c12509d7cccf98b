"""Changes waiting for a second person, in the portal (SPEC section 17; issue 15 item 5).

The company's PAs see the changes asked for — new bank details, a new PA, higher spending limits —
and approve or reject those someone else asked for; their own they may withdraw. A company the user
does not administer is a 404 (ops decide in the admin).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.audit import actor_for
from accounts.change_requests import (
    APPROVE_PERMISSION,
    change_request_approve,
    change_request_reject,
    changes_text,
    what_text,
)
from accounts.models import ChangeRequest
from amexprog.common.errors import ApplicationError
from portal.selectors import administered_company_or_404, issue_date

RECENT_DECISIONS = 20


def _company_and_actor(request: HttpRequest, number: str):
    company = administered_company_or_404(request.user, number)
    by = actor_for(request.user, company=company, permission=APPROVE_PERMISSION)
    if by is None:
        raise Http404
    return company, by


def _rows(requests, user) -> list[dict]:
    return [{"request": change_request, "what": what_text(change_request), "changes": changes_text(change_request),
             "own": change_request.requested_by_user_id == user.pk} for change_request in requests]


@login_required
def company_changes(request: HttpRequest, number: str) -> HttpResponse:
    company, _by = _company_and_actor(request, number)
    requests = ChangeRequest.objects.filter(company=company).select_related("card")
    pending = requests.filter(status=ChangeRequest.Status.PENDING).order_by("requested_at", "pk")
    decided = requests.exclude(status=ChangeRequest.Status.PENDING).order_by("-decided_at", "-pk")[:RECENT_DECISIONS]
    return render(request, "portal/company/changes.html", {
        "company": company, "pending": _rows(pending, request.user), "decided": _rows(decided, request.user),
    })


@login_required
@require_POST
def company_change_decide(request: HttpRequest, number: str, pk: int, decision: str) -> HttpResponse:
    company, by = _company_and_actor(request, number)
    change_request = get_object_or_404(ChangeRequest, company=company, pk=pk)
    try:
        if decision == "approve":
            change_request_approve(change_request=change_request, by=by, on=issue_date())
            messages.success(request, _("The change is approved and applies now."))
        elif decision == "reject":
            change_request_reject(change_request=change_request, by=by, on=issue_date(),
                                  reason=request.POST.get("reason", ""))
            messages.success(request, _("The change is rejected; nothing was changed."))
        else:
            raise Http404
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("portal:company_changes", number=company.number)
