"""Bulk actions on a company's selected cards (SPEC 18, issue 19 item 5): choose cards and an action on
the card list, give what the action needs, see a preview (which cards, what changes, which would fail
and why), confirm — typing the number of cards for the irreversible cancel — and every card changes or
none does (accounts.bulk_actions). Every step is a POST: the selection travels in the form."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from accounts.audit import actor_for
from accounts.bulk_actions import (
    BLOCK,
    CANCEL,
    COST_CENTRE,
    MAX_CARDS,
    UNBLOCK,
    BulkResult,
    CardOutcome,
    cards_bulk_apply,
    cards_bulk_check,
)
from accounts.controls import AMOUNT_FIELDS, LIST_FIELDS, card_controls_view
from accounts.models import Card, Company
from amexprog.common import clock
from amexprog.common.errors import ApplicationError
from amexprog.common.money import format_money
from portal.forms.bulk import ACTION_LABELS, BulkCancelConfirmForm, BulkChoiceForm, params_form
from portal.forms.cards import CONTROL_LABELS
from portal.selectors import administered_company_or_404
from portal.templatetags.portal_controls import country_summary, mcc_summary

CHOOSE, PREVIEW, CONFIRM = "choose", "preview", "confirm"
NO_CARDS_CHOSEN = gettext_lazy("Choose at least one card in the list, then the action.")
TOO_MANY = gettext_lazy("Choose at most %(max)s cards at a time.")
# The services' refusals, in the reader's words (their own messages are the API's, in English).
REFUSALS = {
    "card_not_blockable": gettext_lazy("Only an active card can be blocked; this card is %(status)s."),
    "card_not_blocked": gettext_lazy("Only a blocked card can be unblocked; this card is %(status)s."),
    "block_not_yours": gettext_lazy("The card issuer blocked this card: only the issuer can lift that block."),
    "card_not_cancellable": gettext_lazy("This card is already %(status)s."),
    "cash_not_allowed": gettext_lazy("The company does not allow cash withdrawals."),
    "reason_required": gettext_lazy("Give a reason."),
}
STATUS_AFTER = {BLOCK: Card.Status.BLOCKED, UNBLOCK: Card.Status.ACTIVE, CANCEL: Card.Status.CANCELLED}


def _done_message(action: str, count: int, pending: int) -> str:
    texts = {
        BLOCK: ngettext("%(count)s card is blocked.", "%(count)s cards are blocked.", count),
        UNBLOCK: ngettext("%(count)s card is unblocked.", "%(count)s cards are unblocked.", count),
        CANCEL: ngettext("%(count)s card is cancelled for good.", "%(count)s cards are cancelled for good.", count),
        COST_CENTRE: ngettext("The cost centre of %(count)s card is changed.",
                              "The cost centre of %(count)s cards is changed.", count),
    }
    text = texts.get(action) or ngettext("The controls of %(count)s card are saved.",
                                         "The controls of %(count)s cards are saved.", count)
    message = text % {"count": count}
    if pending:
        message += " " + ngettext("The higher limits of %(count)s card wait for approval by another programme "
                                  "administrator or the card issuer.",
                                  "The higher limits of %(count)s cards wait for approval by another programme "
                                  "administrator or the card issuer.", pending) % {"count": pending}
    return message


def _refusal(outcome: CardOutcome) -> str:
    text = REFUSALS.get(outcome.code)
    if text is None:
        return outcome.error
    return str(text) % {"status": outcome.card.get_status_display().lower()}


def _amount(value: Any, currency: str) -> str:
    if value is None:
        return "—"
    return format_money(Decimal(value), currency, translation.get_language())


def _shown(field: str, value: Any, currency: str) -> str:
    if field in AMOUNT_FIELDS:
        return _amount(value, currency)
    if field in LIST_FIELDS:
        text = mcc_summary(value) if field.endswith("mccs") else country_summary(value)
        return text or "—"
    if isinstance(value, bool):
        return _("on") if value else _("off")
    return "—" if value in (None, "") else str(value)


def _change(action: str, card: Card, params: dict[str, Any]) -> list[str]:
    """What the action changes on this card, in words: "Active → Blocked", "Daily limit: — → DKK 1,000.00"."""
    if action in STATUS_AFTER:
        return [f"{card.get_status_display()} → {STATUS_AFTER[action].label}"]
    if action == COST_CENTRE:
        before = card.account.cardmember.cost_centre or "—"
        return [f"{before} → {params['cost_centre']}"]
    currency = card.account.currency
    before = card_controls_view(card)
    return [f"{CONTROL_LABELS[field]}: {_shown(field, before.get(field), currency)} → {_shown(field, value, currency)}"
            for field, value in params["changes"].items()]


def _selected(request: HttpRequest, company: Company) -> list[Card]:
    ids = [int(value) for value in request.POST.getlist("cards") if value.isdigit()][:MAX_CARDS + 1]
    return list(Card.objects.filter(account__company=company, pk__in=ids)
                .select_related("account", "account__company", "account__cardmember", "controls")
                .order_by("account__cardmember__last_name", "-id"))


def _rows(action: str, result: BulkResult, params: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"card": outcome.card, "change": _change(action, outcome.card, params),
             "refusal": _refusal(outcome) if outcome.error else "", "pending": outcome.pending}
            for outcome in result.outcomes]


@login_required
@require_POST
def company_cards_bulk(request: HttpRequest, number: str) -> HttpResponse:
    company = administered_company_or_404(request.user, number)
    by = actor_for(request.user, company=company, permission="accounts.change_card")
    if by is None:
        raise Http404
    cards = _selected(request, company)
    choice = BulkChoiceForm(request.POST)
    if not cards or not choice.is_valid() or len(cards) > MAX_CARDS:
        messages.error(request, TOO_MANY % {"max": MAX_CARDS} if len(cards) > MAX_CARDS else NO_CARDS_CHOSEN)
        return redirect("portal:company_cards", number=company.number)
    action = choice.cleaned_data["action"]
    step = request.POST.get("step", CHOOSE)
    form = params_form(action, None if step == CHOOSE else request.POST, currency=company.currency,
                       cash_allowed=company.cash_allowed)
    context: dict[str, Any] = {"company": company, "cards": cards, "action": action,
                               "action_label": ACTION_LABELS[action], "form": form, "irreversible": action == CANCEL}
    if step == CHOOSE or not form.is_valid():
        return render(request, "portal/cards/bulk_params.html", context, status=400 if form.errors else 200)
    params = form.params()
    confirm = BulkCancelConfirmForm(request.POST if step == CONFIRM else None, count=len(cards),
                                    auto_id="bulk_%s") if action == CANCEL else None
    context["confirm_form"] = confirm
    on = clock.today()
    if step == CONFIRM and (confirm is None or confirm.is_valid()):
        try:
            result = cards_bulk_apply(company=company, cards=cards, action=action, params=params, by=by, on=on)
        except ApplicationError as exc:
            if exc.code != "bulk_failed":
                messages.error(request, exc.message)
                return redirect("portal:company_cards", number=company.number)
            messages.error(request, _("Nothing was changed: some cards cannot take this action (see below)."))
        else:
            pending = sum(1 for outcome in result.outcomes if outcome.pending)
            messages.success(request, _done_message(action, len(result.outcomes), pending))
            return redirect("portal:company_cards", number=company.number)
    result = cards_bulk_check(company=company, cards=cards, action=action, params=params, by=by, on=on)
    context.update(rows=_rows(action, result, params), failed=len(result.failed),
                   pending=sum(1 for outcome in result.outcomes if outcome.pending))
    status = 400 if (confirm is not None and confirm.errors) else 200
    return render(request, "portal/cards/bulk_preview.html", context, status=status)
