"""The company-wide transactions' search, filters and order (SPEC 18, issue 19 item 3); the query itself
is charges.transactions."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from charges.transactions import INDUSTRY_CHOICES, KIND_CHOICES, SORT_CHOICES, STATUS_CHOICES

DATES_REVERSED = _("The start date is after the end date.")
AMOUNTS_REVERSED = _("The lowest amount is above the highest.")


class CompanyTransactionsForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        help_text=_("Merchant, description, cardmember, employee id or account number."))
    cardmember = forms.CharField(label=_("Cardmember"), required=False, max_length=100,
                                 help_text=_("Name or employee id."))
    card_last4 = forms.RegexField(label=_("Card (last 4 digits)"), required=False, regex=r"^\d{4}$",
                                  error_messages={"invalid": _("Enter the last 4 digits of the card.")},
                                  widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 4}))
    cost_centre = forms.CharField(label=_("Cost centre"), required=False, max_length=40)
    merchant = forms.CharField(label=_("Merchant"), required=False, max_length=100)
    industry = forms.ChoiceField(label=_("Industry"), required=False, choices=[("", _("Any")), *INDUSTRY_CHOICES])
    mcc = forms.RegexField(label=_("MCC"), required=False, regex=r"^\d{4}$",
                           error_messages={"invalid": _("A merchant category code has 4 digits.")},
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 4}))
    country = forms.RegexField(label=_("Country"), required=False, regex=r"^[A-Za-z]{2}$",
                               help_text=_("Two letters, e.g. DK or BE."),
                               error_messages={"invalid": _("Use a two-letter ISO country code, such as DK or BE.")},
                               widget=forms.TextInput(attrs={"size": 2}))
    amount_min = forms.DecimalField(label=_("Amount from"), required=False, localize=True, decimal_places=2)
    amount_max = forms.DecimalField(label=_("Amount to"), required=False, localize=True, decimal_places=2)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *KIND_CHOICES])
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any")), *STATUS_CHOICES])
    sort = forms.ChoiceField(required=False, choices=[(name, name) for name in SORT_CHOICES],
                             widget=forms.HiddenInput)

    def clean_country(self) -> str:
        return self.cleaned_data["country"].upper()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_from"] > cleaned["date_to"]:
            self.add_error("date_to", DATES_REVERSED)
        low, high = cleaned.get("amount_min"), cleaned.get("amount_max")
        if low is not None and high is not None and low > high:
            self.add_error("amount_max", AMOUNTS_REVERSED)
        return cleaned
