"""Portal forms for EuroBonus. They parse what a person typed; rewards.services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.services import eurobonus_number_normalised


class EnrolmentRequestForm(forms.Form):
    member_number = forms.CharField(label=_("Your SAS EuroBonus number"), max_length=20,
                                    help_text=_("As printed on your EuroBonus card, e.g. EBS123456789."))

    def clean_member_number(self) -> str:
        try:
            return eurobonus_number_normalised(self.cleaned_data["member_number"].strip())
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


class DecisionForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000, required=False,
                             help_text=_("Told to the cardmember; needed to suspend or end."))
