"""Spending controls in the portal (SPEC section 10): a PA sets them for the whole company and for each
card; the page shows what applies — the tightest of the two, with the programme's own limits."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import Role, actor_for
from accounts.controls import (
    COUNT_FIELDS,
    LimitWithoutEffect,
    card_controls_set,
    card_controls_view,
    card_limits_without_effect,
    company_controls_set,
    company_controls_view,
    effective_controls,
)
from accounts.models import Card, Company
from accounts.selectors import visible_cards
from amexprog.common import clock
from amexprog.common.errors import ApplicationError
from amexprog.common.money import format_money
from portal.forms.cards import CONTROL_LABELS, ControlsForm
from portal.selectors import administered_company_or_404

LIMIT_WITHOUT_EFFECT = gettext_lazy("%(label)s: the card's %(card)s has no effect, because the company's "
                                    "%(company)s is lower and applies.")


def _save(request: HttpRequest, form: ControlsForm, save) -> bool:
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        saved = save(form.changes())
    except ApplicationError as exc:
        field = exc.extra.get("field")
        form.add_error(field if field in form.fields else None, exc.message)
        return False
    if getattr(saved, "pending_change", None) is not None:  # SPEC section 17: higher limits wait
        messages.info(request, _("The higher limits wait for approval by another programme administrator or the "
                                 "card issuer (see Changes waiting for approval); lower limits and the other "
                                 "controls are saved."))
    else:
        messages.success(request, _("The spending controls are saved."))
    return True


@login_required
def company_controls(request: HttpRequest, number: str) -> HttpResponse:
    company = administered_company_or_404(request.user, number)
    by = actor_for(request.user, company=company, permission="accounts.change_spendingcontrols")
    if by is None:
        raise Http404
    current = company_controls_view(company)
    form = ControlsForm(request.POST or None, initial=ControlsForm.initial_from(current), card=False,
                        currency=company.currency, cash_allowed=company.cash_allowed)

    def save(changes):
        return company_controls_set(company=company, by=by, on=clock.today(), **changes)

    if _save(request, form, save):
        return redirect("portal:company_controls", number=company.number)
    return render(request, "portal/cards/company_controls.html",
                  {"company": company, "form": form, "current": current}, status=400 if form.errors else 200)


@login_required
def card_controls(request: HttpRequest, pk: int) -> HttpResponse:
    card = get_object_or_404(visible_cards(request.user).select_related("account", "account__company",
                                                                         "account__cardmember"), pk=pk)
    by = actor_for(request.user, company=card.account.company, account=card.account,
                   permission="accounts.change_spendingcontrols")
    if by is None or by.role not in (Role.COMPANY, Role.ISSUER):
        raise Http404  # a cardmember sees the controls on the card page, and changes none
    company: Company = card.account.company
    form = ControlsForm(request.POST or None, initial=ControlsForm.initial_from(card_controls_view(card)), card=True,
                        currency=card.account.currency, cash_allowed=company.cash_allowed)

    def save(changes):
        return card_controls_set(card=card, by=by, on=clock.today(), **changes)

    if _save(request, form, save):
        saved = Card.objects.select_related("account__company__controls", "controls").get(pk=card.pk)
        for loose in card_limits_without_effect(card=saved):
            messages.warning(request, _without_effect_message(loose, saved.account.currency))
        return redirect("portal:card_detail", pk=card.pk)
    card = Card.objects.select_related("account__company", "controls", "account__company__controls").get(pk=card.pk)
    return render(request, "portal/cards/card_controls.html", {
        "card": card, "company": company, "form": form, "company_controls": company_controls_view(company),
        "effective": effective_controls(card=card),
        "without_effect": [_without_effect_message(loose, card.account.currency)
                           for loose in card_limits_without_effect(card=card)],
    }, status=400 if form.errors else 200)


def _without_effect_message(loose: LimitWithoutEffect, currency: str) -> str:
    """SPEC 18: a card value that has no effect because the company's is tighter is named (issue 19 item 1)."""
    language = translation.get_language()
    if loose.field in COUNT_FIELDS:
        card_value, company_value = str(loose.card_value), str(loose.company_value)
    else:
        card_value = format_money(Decimal(loose.card_value), currency, language)
        company_value = format_money(Decimal(loose.company_value), currency, language)
    return LIMIT_WITHOUT_EFFECT % {"label": CONTROL_LABELS[loose.field], "card": card_value,
                                   "company": company_value}
