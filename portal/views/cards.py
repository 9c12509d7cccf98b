"""Cards in the portal (SPEC sections 10, 11; terms §17, §26): a company's cards for its PAs, a card's
page with its authorizations (declines with their reason) for the PA and the cardmember, and the
lifecycle actions each may take. Pages show masked numbers only.

Scoping: a card, account or company the user may not see is a 404, exactly like one that does not
exist; what the user may do with what they see is the service's decision (by role).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_POST

from accounts import lifecycle
from accounts.audit import Actor, Role, actor_for
from accounts.controls import controls_of, effective_controls, monthly_limit_in_force
from accounts.models import AuditEntry, Card
from accounts.roles import CLOSE_ACCOUNT, TERMINATE_COMPANY
from accounts.selectors import visible_accounts, visible_cards
from amexprog.common import clock
from amexprog.common.errors import ApplicationError
from charges.models import Authorization
from disputes.recurring_stops import ADD_STOP, LIFT_STOP, recurring_stop_register, recurring_stop_revoke
from portal.forms.bulk import ACTION_LABELS
from portal.forms.cards import (
    WRONG_LAST_FOUR,
    CancelCardForm,
    CloseAccountForm,
    LastFourReportForm,
    ReasonForm,
    RecurringStopForm,
    TerminateCompanyForm,
)
from portal.selectors import administered_company_or_404
from portal.templatetags.portal_format import local_date

CARDS_PER_PAGE = 50
AUTHORIZATIONS_SHOWN = 50

# Which actions each role is offered on the card page (the services check again).
ACTIONS = {
    "activate": (Role.HOLDER, Role.COMPANY),
    "block": (Role.HOLDER, Role.COMPANY),
    "unblock": (Role.HOLDER, Role.COMPANY),
    "report": (Role.HOLDER, Role.COMPANY),
    "cancel": (Role.COMPANY,),
    "reissue": (Role.HOLDER, Role.COMPANY),
}

REPLACEMENT_HELD_PA = gettext_lazy("The card ending %(old)s is cancelled. The cardmember's postal address was "
                                   "changed in the last 30 days, so the new card is sent once they confirm it in "
                                   "the portal.")


def _card_and_actor(request: HttpRequest, pk: int, *, permission: str | None) -> tuple[Card, Actor]:
    card = get_object_or_404(
        visible_cards(request.user).select_related("account", "account__company", "account__cardmember"), pk=pk)
    actor = actor_for(request.user, company=card.account.company, account=card.account, permission=permission)
    if actor is None:
        raise Http404
    return card, actor


def _offered(card: Card, actor: Actor) -> list[str]:
    offered = [name for name, roles in ACTIONS.items() if actor.role in roles]
    status = card.status
    possible = {
        "activate": status == Card.Status.ORDERED,
        "block": status == Card.Status.ACTIVE,
        "unblock": status == Card.Status.BLOCKED
        and (card.blocked_by or "issuer") in lifecycle.MAY_LIFT.get(actor.role, ()),
        "report": status in lifecycle.LIVE_STATUSES,
        "cancel": status in lifecycle.LIVE_STATUSES,
        "reissue": status == Card.Status.EXPIRED and not hasattr(card, "replaced_by"),
    }
    return [name for name in offered if possible[name]]


@login_required
def company_cards(request: HttpRequest, number: str) -> HttpResponse:
    company = administered_company_or_404(request.user, number)
    cards = (Card.objects.filter(account__company=company)
             .select_related("account", "account__cardmember").order_by("account__cardmember__last_name", "-id"))
    page = Paginator(cards, CARDS_PER_PAGE).get_page(request.GET.get("page"))
    company_row = controls_of(company)
    for card in page.object_list:  # the limit that holds, not one the company's tighter limit overrides
        card.limit_in_force = monthly_limit_in_force(card=card, company_row=company_row)
    return render(request, "portal/cards/company_list.html", {"company": company, "page": page,
                                                             "bulk_actions": list(ACTION_LABELS.items())})


@login_required
def card_detail(request: HttpRequest, pk: int) -> HttpResponse:
    card, actor = _card_and_actor(request, pk, permission=None)
    authorizations = (Authorization.objects.filter(card__account=card.account)
                      .select_related("card").order_by("-decided_at", "-id")[:AUTHORIZATIONS_SHOWN])
    card = (Card.objects.select_related("account", "account__company", "account__cardmember", "controls",
                                        "account__company__controls", "replaces", "replaced_by").get(pk=card.pk))
    context = {
        "card": card, "account": card.account, "company": card.account.company, "actor": actor,
        "administers": actor.role in (Role.COMPANY, Role.ISSUER), "controls": effective_controls(card=card),
        "authorizations": authorizations, "offered": _offered(card, actor),
        "reason_form": ReasonForm(), "report_form": LastFourReportForm(last4=card.last4),
        "cancel_form": CancelCardForm(last4=card.last4, auto_id="cancel_%s"),
        "history": AuditEntry.objects.filter(card=card).order_by("-at", "-id")[:20],
        "recurring_stops": card.recurring_stops.all(), "recurring_stop_form": RecurringStopForm(),
        "may_stop_recurring": actor.role in (Role.HOLDER, Role.COMPANY),
    }
    return render(request, "portal/cards/detail.html", context)


@login_required
@require_POST
@sensitive_variables()  # a replacement's full number is in memory (issue 15 item 9)
def card_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    card, by = _card_and_actor(request, pk, permission="accounts.change_card")
    if action not in ACTIONS:
        raise Http404
    on = clock.today()
    form: ReasonForm | LastFourReportForm | None = None
    try:
        if action in ("block", "unblock", "cancel"):
            form = CancelCardForm(request.POST, last4=card.last4) if action == "cancel" else ReasonForm(request.POST)
            if form.is_valid():
                service = {"block": lifecycle.card_block, "unblock": lifecycle.card_unblock,
                           "cancel": lifecycle.card_cancel}[action]
                service(card=card, by=by, on=on, reason=form.cleaned_data["reason"])
        elif action == "report":
            form = LastFourReportForm(request.POST, last4=card.last4)
            if form.is_valid():
                fields = {name: form.cleaned_data[name] for name in ("status", "reason")}
                issued = lifecycle.card_report(card=card, by=by, on=on, **fields)
                if issued is None:
                    messages.warning(request, REPLACEMENT_HELD_PA % {"old": card.last4})
                else:
                    messages.success(request, _("The card ending %(old)s is cancelled. The new card ending %(new)s "
                                                "is on its way to the cardmember.")
                                     % {"old": card.last4, "new": issued.card.last4})
        elif action == "activate":
            lifecycle.card_activate(card=card, by=by, on=on)
        else:
            issued = lifecycle.card_reissue(card=card, by=by, on=on)
            messages.success(request, _("A new card ending %(new)s is on its way.") % {"new": issued.card.last4})
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if form is not None and not form.is_valid():
            messages.error(request, WRONG_LAST_FOUR if "confirm_last4" in form.errors else _("Give a reason."))
        elif action not in ("report", "reissue"):
            messages.success(request, _("Done: the card ending %(last4)s is now %(status)s.") % {
                "last4": card.last4, "status": Card.objects.get(pk=card.pk).get_status_display().lower()})
    return redirect("portal:card_detail", pk=card.pk)


@login_required
@require_POST
def card_recurring_stop_add(request: HttpRequest, pk: int) -> HttpResponse:
    """The holder or a PA stops a merchant's recurring charges on the card (terms §16, issue 16 item 9)."""
    card, by = _card_and_actor(request, pk, permission=ADD_STOP)
    form = RecurringStopForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
        return redirect("portal:card_detail", pk=card.pk)
    try:
        stop = recurring_stop_register(card=card, by=by, on=clock.today(), **form.cleaned_data)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Recurring charges from %(merchant)s are stopped on the card ending %(last4)s "
                                    "from %(day)s.") % {"merchant": stop.merchant_name, "last4": card.last4,
                                                        "day": local_date(stop.effective_from)})
    return redirect("portal:card_detail", pk=card.pk)


@login_required
@require_POST
def card_recurring_stop_revoke(request: HttpRequest, pk: int, stop_id: int) -> HttpResponse:
    """Lift a stop of recurring charges from today (terms §16)."""
    card, by = _card_and_actor(request, pk, permission=LIFT_STOP)
    stop = get_object_or_404(card.recurring_stops.all(), pk=stop_id)
    try:
        recurring_stop_revoke(stop=stop, by=by, on=clock.today())
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Recurring charges from %(merchant)s are no longer stopped.")
                         % {"merchant": stop.merchant_name})
    return redirect("portal:card_detail", pk=card.pk)


@login_required
def account_close(request: HttpRequest, number: str) -> HttpResponse:
    account = get_object_or_404(visible_accounts(request.user).select_related("company", "cardmember"),
                                number=number)
    by = actor_for(request.user, company=account.company, account=account, permission=CLOSE_ACCOUNT)
    if by is None:
        raise Http404
    form = CloseAccountForm(request.POST or None, holder=by.role == Role.HOLDER)
    if request.method == "POST" and form.is_valid():
        try:
            lifecycle.account_close(account=account, on=clock.today(), by=by, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Account %(account)s is closed; its cards are cancelled.")
                             % {"account": account.number})
            if by.role == Role.HOLDER:
                return redirect("portal:cardmember_home")
            return redirect("portal:company_detail", number=account.company.number)
    return render(request, "portal/cards/account_close.html", {"account": account, "form": form})


@login_required
def company_terminate(request: HttpRequest, number: str) -> HttpResponse:
    company = administered_company_or_404(request.user, number)
    by = actor_for(request.user, company=company, permission=TERMINATE_COMPANY)
    if by is None:
        raise Http404
    form = TerminateCompanyForm(request.POST or None, company_number=company.number)
    if request.method == "POST" and form.is_valid():
        try:
            lifecycle.company_terminate(company=company, by=by, on=clock.today(),
                                        reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("%(company)s is terminated; every account is closed.")
                             % {"company": company.legal_name})
            return redirect("portal:company_detail", number=company.number)
    return render(request, "portal/cards/company_terminate.html", {"company": company, "form": form})
