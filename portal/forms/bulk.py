"""Forms of the bulk actions on cards (SPEC 18, issue 19 item 5): what each action needs, and the typed
confirmation of the irreversible one. They parse; accounts.bulk_actions decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.bulk_actions import BLOCK, CANCEL, CONTROLS, COST_CENTRE, LIMITS, UNBLOCK
from portal.forms.cards import CONTROL_LABELS
from portal.forms.controls import ControlsForm

ACTION_LABELS = {
    BLOCK: _("Block the cards"),
    UNBLOCK: _("Unblock the cards"),
    LIMITS: _("Set spending limits"),
    CONTROLS: _("Set merchant categories, countries and payment types"),
    COST_CENTRE: _("Change the cost centre"),
    CANCEL: _("Cancel the cards for good"),
}
KEEP, ON, OFF = "", "on", "off"
FLAG_CHOICES = [(KEEP, _("Leave as it is on each card")), (ON, _("On")), (OFF, _("Off"))]
WRONG_COUNT = _("Type the number of cards selected, %(count)s, to confirm: nothing was done.")
NOTHING_GIVEN = _("Fill in at least one value to change; what you leave empty stays as it is on each card.")


class BulkChoiceForm(forms.Form):
    action = forms.ChoiceField(label=_("Action for the selected cards"), choices=list(ACTION_LABELS.items()))


class BulkReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def params(self) -> dict[str, Any]:
        return {"reason": self.cleaned_data["reason"]}


class BulkCostCentreForm(forms.Form):
    cost_centre = forms.CharField(label=_("New cost centre"), max_length=40)

    def params(self) -> dict[str, Any]:
        return {"cost_centre": self.cleaned_data["cost_centre"].strip()}


class BulkControlsForm(ControlsForm):
    """Limits (limits=True) or lists and payment types (limits=False) for many cards: only what is given
    changes; the rest stays as each card has it."""

    def __init__(self, *args: Any, limits: bool, cash_allowed: bool, currency: str, **kwargs: Any):
        super().__init__(*args, card=True, currency=currency, cash_allowed=cash_allowed, lists=not limits,
                         limits=limits, flags=False, **kwargs)
        if not limits:
            if cash_allowed:
                self.fields["cash_enabled"] = forms.ChoiceField(label=CONTROL_LABELS["cash_enabled"],
                                                                choices=FLAG_CHOICES, required=False)
            self.fields["contactless"] = forms.ChoiceField(label=CONTROL_LABELS["contactless"], choices=FLAG_CHOICES,
                                                           required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.errors and not self.params()["changes"]:
            raise forms.ValidationError(NOTHING_GIVEN)
        return cleaned

    def params(self) -> dict[str, Any]:
        changes = self.changes(only_given=True)
        for flag in ("cash_enabled", "contactless"):
            if flag in changes:
                changes[flag] = changes[flag] == ON
        return {"changes": changes}


class BulkCancelConfirmForm(forms.Form):
    """Cancelling for good is confirmed by typing how many cards (SPEC 18: "confirmed by typing")."""

    confirm_count = forms.CharField(label=_("Type the number of cards to cancel for good"), max_length=5,
                                    widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))

    def __init__(self, *args: Any, count: int, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.count = count

    def clean_confirm_count(self) -> str:
        value = self.cleaned_data["confirm_count"].strip()
        if value != str(self.count):
            raise forms.ValidationError(WRONG_COUNT % {"count": self.count})
        return value


def params_form(action: str, data: Any, *, currency: str, cash_allowed: bool) -> forms.Form:
    """The form of what `action` needs, bound to `data` (None: unbound)."""
    if action in (BLOCK, UNBLOCK, CANCEL):
        return BulkReasonForm(data)
    if action == COST_CENTRE:
        return BulkCostCentreForm(data)
    return BulkControlsForm(data, limits=action == LIMITS, cash_allowed=cash_allowed, currency=currency)
