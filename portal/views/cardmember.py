"""The cardmember's own actions in the portal (SPEC sections 12, 15; terms §12a-ii): update their
contact data, and, under joint liability, mark a charge as personal so the company is not liable
for it (the PA sees the mark on the transactions page and in the data files).

A cardmember acts only on their own account: anyone else's charge is a 404.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import lifecycle
from accounts.audit import Actor, Role
from accounts.data_changes import CARDMEMBER_CONTACT_FIELDS, cardmember_update
from accounts.models import MARKET_LANGUAGES, Card, Cardmember, Language, Market
from accounts.replacement_holds import replacement_is_held
from amexprog.common.errors import ApplicationError
from ledger.models import Posting
from liability.services import personal_charge_mark, personal_charge_unmark
from portal.forms.cards import ReportForm
from portal.selectors import issue_date

# The services' errors in the viewer's language.
PERSONAL_ERRORS = {
    "not_joint_liability": gettext_lazy("Your account is not under joint liability, so the company is liable for "
                                        "every charge: a charge cannot be marked as personal."),
    "not_a_charge": gettext_lazy("Only a purchase or a cash withdrawal can be marked as personal."),
    "already_personal": gettext_lazy("This charge is already marked as personal."),
    "not_personal": gettext_lazy("This charge is not marked as personal."),
    # SPEC section 3, issue 16 item 12: the company's mark excludes the cardmember's.
    "already_marked": gettext_lazy("The company already marked this charge as reimbursed: it is not liable for it."),
}


def holder_actor(request: HttpRequest) -> Actor:
    return Actor(role=Role.HOLDER, label=f"user:{request.user.get_username()}", user_id=request.user.pk)


class ContactForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email"), max_length=254)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=32, required=False)
    address_line = forms.CharField(label=gettext_lazy("Address"), max_length=200, required=False)
    postal_code = forms.CharField(label=gettext_lazy("Postal code"), max_length=20, required=False)
    city = forms.CharField(label=gettext_lazy("City"), max_length=100, required=False)
    country = forms.CharField(label=gettext_lazy("Country (two letters)"), min_length=2, max_length=2)
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=Language.choices)

    def __init__(self, *args, cardmember: Cardmember, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = MARKET_LANGUAGES[Market(cardmember.company.market)]
        self.fields["language"].choices = [(code, label) for code, label in Language.choices if code in allowed]


@login_required
def contact_edit(request: HttpRequest) -> HttpResponse:
    cardmember = get_object_or_404(Cardmember.objects.select_related("company"), user=request.user)
    initial = {field: getattr(cardmember, field) for field in CARDMEMBER_CONTACT_FIELDS}
    form = ContactForm(request.POST or None, initial=initial, cardmember=cardmember)
    if request.method == "POST" and form.is_valid():
        try:
            cardmember_update(cardmember=cardmember, by=holder_actor(request), on=issue_date(), **form.cleaned_data)
        except ApplicationError as exc:
            for field, errors in (exc.extra.get("fields") or {None: [exc.message]}).items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, _("Your contact details are saved."))
            return redirect("portal:cardmember_home")
    return render(request, "portal/cardmember/contact.html", {"form": form, "cardmember": cardmember})


@login_required
@require_POST
def charge_personal(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark (or, with `unmark`, take back) a charge of the signed-in cardmember as personal."""
    posting = get_object_or_404(Posting.objects.select_related("account"), pk=pk,
                                account__cardmember__user=request.user)
    verb = request.POST.get("verb", "mark")
    if verb not in ("mark", "unmark"):
        raise Http404
    try:
        if verb == "mark":
            personal_charge_mark(posting=posting, by=holder_actor(request), on=issue_date(),
                                 note=request.POST.get("note", ""))
            messages.success(request, _("The charge is marked as personal: the company is not liable for it."))
        else:
            personal_charge_unmark(posting=posting, by=holder_actor(request), on=issue_date())
            messages.success(request, _("The charge is no longer marked as personal."))
    except ApplicationError as exc:
        messages.error(request, str(PERSONAL_ERRORS.get(exc.code, exc.message)))
    return redirect("portal:account_transactions", number=posting.account.number)


REPLACEMENT_HELD = gettext_lazy("Your card is cancelled. Your postal address was changed in the last 30 days: "
                                "confirm below that the new card may be sent to it.")


class ConfirmedReportForm(ReportForm):
    confirm = forms.BooleanField(label=gettext_lazy("Yes: cancel this card now and send me a new card with a new "
                                                    "number"))


@login_required
def card_report_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """The cardmember reports their own card lost or stolen, after confirming (SPEC section 11, terms §15a):
    the card is cancelled at once and a replacement with a new number goes to the embosser."""
    card = get_object_or_404(Card.objects.select_related("account", "account__company", "account__cardmember"),
                             pk=pk, account__cardmember__user=request.user)
    held = replacement_is_held(card)
    if held and request.method == "POST" and "confirm_replacement" in request.POST:
        # SPEC section 17, issue 15 item 10: the replacement waited for this confirmation.
        try:
            issued = lifecycle.card_replacement_confirm(card=card, by=holder_actor(request), on=issue_date())
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your new card ending %(new)s is on its way.") % {"new": issued.card.last4})
        return redirect("portal:cardmember_home")
    form = ConfirmedReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = lifecycle.card_report(card=card, by=holder_actor(request), on=issue_date(),
                                           status=form.cleaned_data["status"], reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            if issued is None:
                messages.warning(request, REPLACEMENT_HELD)
                return redirect("portal:card_report_confirm", pk=card.pk)
            messages.success(request, _("The card ending %(old)s is cancelled. Your new card ending %(new)s is on "
                                        "its way.") % {"old": card.last4, "new": issued.card.last4})
            return redirect("portal:cardmember_home")
    reportable = card.status in lifecycle.LIVE_STATUSES
    return render(request, "portal/cardmember/report_card.html",
                  {"card": card, "form": form, "reportable": reportable, "held": held,
                   "address": ", ".join(part for part in (card.account.cardmember.address_line,
                                                          card.account.cardmember.postal_code,
                                                          card.account.cardmember.city) if part)})
