"""Spending controls in the portal (SPEC sections 10, 18): a PA sets them for the whole company and for each
card; the page shows what applies — the tightest of the two, with the programme's own limits.

Before saving, "Preview" decides the last 90 days' authorizations again under the controls as they would
be (charges.controls_preview, the live decision's own rules) and names the card values the company's
tighter ones would leave without effect (issue 19 item 6)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

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
    ListWithoutEffect,
    card_controls_set,
    card_controls_view,
    card_limits_without_effect,
    card_lists_without_effect,
    company_controls_set,
    company_controls_view,
    controls_changes_clean,
    controls_of,
    effective_controls,
    effective_controls_if,
)
from accounts.models import Card, Company
from accounts.rules import programme_rules
from accounts.selectors import visible_cards
from amexprog.common import clock
from amexprog.common.errors import ApplicationError
from amexprog.common.money import format_money
from charges.controls_preview import ControlsPreview, controls_preview, recent_authorizations
from portal.forms.cards import CONTROL_LABELS
from portal.forms.controls import ControlsForm
from portal.selectors import administered_company_or_404

LIMIT_WITHOUT_EFFECT = gettext_lazy("%(label)s: the card's %(card)s has no effect, because the company's "
                                    "%(company)s is lower and applies.")
LIST_WITHOUT_EFFECT = gettext_lazy("%(label)s: %(codes)s have no effect on this card, because the company blocks "
                                   "them or does not allow them.")
PREVIEW, SAVE = "preview", "save"
PREVIEW_ROWS = 100


def _apply_error(form: ControlsForm, exc: ApplicationError) -> None:
    fields = exc.extra.get("fields") or {}
    if fields:
        for name, texts in fields.items():
            for text in texts:
                form.add_error(name if name in form.fields else None, text)
        return
    field = exc.extra.get("field")
    form.add_error(field if field in form.fields else None, exc.message)


def _save(request: HttpRequest, form: ControlsForm, save) -> bool:
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        saved = save(form.changes())
    except ApplicationError as exc:
        _apply_error(form, exc)
        return False
    if getattr(saved, "pending_change", None) is not None:  # SPEC section 17: higher limits wait
        messages.info(request, _("The higher limits wait for approval by another programme administrator or the "
                                 "card issuer (see Changes waiting for approval); lower limits and the other "
                                 "controls are saved."))
    else:
        messages.success(request, _("The spending controls are saved."))
    return True


def _cleaned(form: ControlsForm, *, card: bool, currency: str) -> dict[str, Any] | None:
    """The form's changes as the service would take them, or None with the errors on the form."""
    if not form.is_valid():
        return None
    try:
        return controls_changes_clean(changes=form.changes(), card=card, currency=currency)
    except ApplicationError as exc:
        _apply_error(form, exc)
        return None


def _preview(*, company: Company, cards: list[int] | None, controls_for) -> ControlsPreview:
    since, authorizations = recent_authorizations(on=clock.today(), company_id=company.pk, card_ids=cards)
    return controls_preview(authorizations=authorizations, controls_for=controls_for, since=since)


def _preview_context(preview: ControlsPreview) -> dict[str, Any]:
    return {"preview": preview, "preview_rows": preview.declined[:PREVIEW_ROWS],
            "preview_more": max(len(preview.declined) - PREVIEW_ROWS, 0)}


@login_required
def company_controls(request: HttpRequest, number: str) -> HttpResponse:
    company = administered_company_or_404(request.user, number)
    by = actor_for(request.user, company=company, permission="accounts.change_spendingcontrols")
    if by is None:
        raise Http404
    current = company_controls_view(company)
    form = ControlsForm(request.POST or None, initial=ControlsForm.initial_from(current), card=False,
                        currency=company.currency, cash_allowed=company.cash_allowed)
    context: dict[str, Any] = {"company": company, "form": form, "current": current}
    if request.method == "POST" and request.POST.get("step") == PREVIEW:
        cleaned = _cleaned(form, card=False, currency=company.currency)
        if cleaned is not None:
            rules = programme_rules(market=company.market, on=clock.today())
            company_row = controls_of(company)
            context.update(_preview_context(_preview(
                company=company, cards=None, controls_for=lambda card: effective_controls_if(
                    card=card, rules=rules, company_changes=cleaned, company_row=company_row))))
        return render(request, "portal/cards/company_controls.html", context, status=400 if form.errors else 200)

    def save(changes):
        return company_controls_set(company=company, by=by, on=clock.today(), **changes)

    if _save(request, form, save):
        return redirect("portal:company_controls", number=company.number)
    return render(request, "portal/cards/company_controls.html", context, status=400 if form.errors else 200)


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
    preview_context: dict[str, Any] = {}
    previewing = request.method == "POST" and request.POST.get("step") == PREVIEW
    if previewing:
        cleaned = _cleaned(form, card=True, currency=card.account.currency)
        if cleaned is not None:
            rules = programme_rules(market=company.market, on=clock.today())
            preview_context = _preview_context(_preview(
                company=company, cards=[card.pk],
                controls_for=lambda each: effective_controls_if(card=each, rules=rules, card_changes=cleaned)))
            preview_context["without_effect"] = card_without_effect(card, {**card_controls_view(card), **cleaned})
    else:
        def save(changes):
            return card_controls_set(card=card, by=by, on=clock.today(), **changes)

        if _save(request, form, save):
            saved = Card.objects.select_related("account__company__controls", "controls").get(pk=card.pk)
            for message in card_without_effect(saved, card_controls_view(saved)):
                messages.warning(request, message)
            return redirect("portal:card_detail", pk=card.pk)
    card = Card.objects.select_related("account__company", "controls", "account__company__controls").get(pk=card.pk)
    context = {
        "card": card, "company": company, "form": form, "company_controls": company_controls_view(company),
        "effective": effective_controls(card=card),
        "without_effect": card_without_effect(card, card_controls_view(card)),
        **preview_context,
    }
    return render(request, "portal/cards/card_controls.html", context, status=400 if form.errors else 200)


def card_without_effect(card: Card, own: dict[str, Any]) -> list[str]:
    """SPEC 18: the card values the company's tighter ones leave without effect, limits and lists (issue 19
    items 1 and 6), for the card's values `own` (saved, or as they would be)."""
    company_row = controls_of(card.account.company)
    found: list[str] = [_without_effect_message(loose, card.account.currency)
                        for loose in card_limits_without_effect(card=card, own=own, company_row=company_row)]
    found += [_list_without_effect_message(idle) for idle in card_lists_without_effect(
        card_values=own, company_row=company_row, programme_blocked_mccs=card.account.company.blocked_mccs)]
    return found


def _list_without_effect_message(idle: ListWithoutEffect) -> str:
    return LIST_WITHOUT_EFFECT % {"label": CONTROL_LABELS[idle.field], "codes": ", ".join(idle.codes)}


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
