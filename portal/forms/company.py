"""Portal forms for cardmember and company data and a company's PAs. They parse what a person typed;
accounts.data_changes validates (IBAN, BIC, languages) and saves (DESIGN "Where logic lives")."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import MARKET_LANGUAGES, Account, Card, Cardmember, Company, Language, Liability, Market
from amexprog.common.errors import ApplicationError


def add_service_error(form: forms.Form, exc: ApplicationError) -> None:
    """Show a service's refusal next to the field it names, or above the form."""
    fields = (exc.extra or {}).get("fields") or {}
    for name, messages in fields.items():
        for message in messages:
            form.add_error(name if name in form.fields else None, message)
    if not fields:
        form.add_error(None, exc.message)


class CardmemberSearchForm(forms.Form):
    """The cardmember list's search, filters and order (all applied in SQL)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        help_text=_("Name, employee id, email or the last 4 digits of a card."))
    account_status = forms.ChoiceField(label=_("Account status"), required=False,
                                       choices=[("", _("Any"))] + list(Account.Status.choices))
    card_status = forms.ChoiceField(label=_("Card status"), required=False,
                                    choices=[("", _("Any"))] + list(Card.Status.choices))
    liability = forms.ChoiceField(label=_("Liability"), required=False,
                                  choices=[("", _("Any"))] + list(Liability.choices))
    cost_centre = forms.CharField(label=_("Cost centre"), required=False, max_length=40)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=[
        ("name", _("Name")), ("employee_id", _("Employee id")), ("balance", _("Balance")), ("status", _("Status")),
        ("-name", _("Name, descending")), ("-employee_id", _("Employee id, descending")),
        ("-balance", _("Balance, highest first")), ("-status", _("Status, descending")),
    ])


class CardmemberDataForm(forms.ModelForm):
    class Meta:
        model = Cardmember
        fields = ["email", "phone", "address_line", "postal_code", "city", "country", "cost_centre", "language"]

    def __init__(self, *args: Any, company: Company, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = MARKET_LANGUAGES[Market(company.market)]
        self.fields["language"].choices = [(code, label) for code, label in Language.choices if code in allowed]
        self.fields["country"].help_text = _("Two letters, e.g. DK or BE.")

    def _post_clean(self) -> None:
        """The service validates and saves; the model instance is left untouched here."""


class CompanyDataForm(forms.Form):
    address_line = forms.CharField(label=_("Address"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    country = forms.CharField(label=_("Country"), max_length=2, min_length=2,
                              help_text=_("Two letters, e.g. DK or BE."))
    iban = forms.CharField(label=_("IBAN"), max_length=42, required=False)
    bic = forms.CharField(label=_("BIC"), max_length=14, required=False)
    authorised_signatories = forms.CharField(label=_("Authorised signatories"),
                                             widget=forms.Textarea(attrs={"rows": 4}),
                                             help_text=_("One name per line, e.g. Mette Nordlys (CFO)."))

    @classmethod
    def initial_for(cls, company: Company) -> dict[str, Any]:
        initial = {name: getattr(company, name) for name in cls.base_fields}
        initial["authorised_signatories"] = "\n".join(company.authorised_signatories)
        return initial


class AdministratorForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
