"""Changes of terms and rules an account may still reject (terms §25b; SPEC section 15).

The page of an account lists each published change not yet in force; the holder, or a PA of the
company, rejects one there, which closes the account free of charge before the change applies
(communications.rule_changes.rule_change_reject). An account the user may not see is a 404.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.audit import actor_for
from accounts.roles import CLOSE_ACCOUNT
from accounts.selectors import visible_accounts
from amexprog.common import clock
from amexprog.common.errors import ApplicationError
from communications.models import RuleChange
from communications.rule_changes import OPEN_STATUSES, WHAT, rule_change_reject, rule_changes_open

CONFIRM_REQUIRED = gettext_lazy("Tick the box to confirm that the account closes.")


def _account(request: HttpRequest, number: str, *, permission: str | None):
    account = get_object_or_404(visible_accounts(request.user).select_related("company", "cardmember"),
                                number=number)
    by = actor_for(request.user, company=account.company, account=account, permission=permission)
    if by is None:
        raise Http404
    return account, by


@login_required
def account_changes(request: HttpRequest, number: str) -> HttpResponse:
    account, _by = _account(request, number, permission=None)
    today = clock.today()
    changes = [(change, WHAT[change.kind], change.effective_from - dt.timedelta(days=1))
               for change in rule_changes_open(account=account, on=today)]
    return render(request, "portal/changes/account_changes.html", {
        "account": account, "changes": changes, "may_reject": account.status in OPEN_STATUSES,
        "rejections": account.change_rejections.select_related("change").order_by("-rejected_on"),
    })


@login_required
@require_POST
def account_change_reject(request: HttpRequest, number: str, change_id: int) -> HttpResponse:
    account, by = _account(request, number, permission=CLOSE_ACCOUNT)
    change = get_object_or_404(RuleChange, pk=change_id)
    if request.POST.get("confirm") != "on":
        messages.error(request, CONFIRM_REQUIRED)
        return redirect("portal:account_changes", number=account.number)
    try:
        rule_change_reject(change=change, account=account, by=by, on=clock.today())
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("You rejected the change: account %(account)s is closed free of charge and its "
                                    "cards are cancelled.") % {"account": account.number})
    return redirect("portal:account_changes", number=account.number)
