"""Portal forms. They parse and check what a person typed; the services decide (DESIGN "Where logic lives")."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from moneyed import Money

from accounts.imports import country_code_known
from accounts.models import MARKET_LANGUAGES, Account, BillingType, Company, Language, Liability, Market
from accounts.services import CardOrder, eurobonus_number_normalised
from amexprog.common.number_formats import NumberConvention

MAX_ORDER_FILE_BYTES = 10 * 1024 * 1024

ORDER_FILE_TOO_LARGE = _("The file is larger than %(limit)s MB; split it into smaller files.")
UNKNOWN_COUNTRY = _("Use a two-letter ISO country code, such as DK or BE.")


def _cycle_day_choices() -> list[tuple[int, str]]:
    days: list[tuple[int, str]] = [(day, str(day)) for day in range(1, 29)]
    days.append((Account.LAST_DAY_OF_MONTH, _("Last day of the month")))
    return days


class CardOrderForm(forms.Form):
    """One card for a new cardmember of `company` (SPEC section 11, the single-card order)."""

    employee_id = forms.CharField(label=_("Employee id"), max_length=40)
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(label=_("Email"))
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    cost_centre = forms.CharField(label=_("Cost centre"), max_length=40, required=False)
    language = forms.ChoiceField(label=_("Language"))
    address_line = forms.CharField(label=_("Address"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    country = forms.CharField(label=_("Country"), max_length=2, required=False,
                              help_text=_("Two letters; empty means the company's country."))
    liability = forms.ChoiceField(label=_("Liability"), required=False)
    billing = forms.ChoiceField(label=_("Billing"), required=False)
    cycle_day = forms.TypedChoiceField(label=_("Statement cycle day"), coerce=int, initial=1,
                                       choices=_cycle_day_choices)
    monthly_limit = forms.DecimalField(label=_("Monthly spend limit"), required=False, max_digits=12,
                                       decimal_places=2, min_value=Decimal("0.01"),
                                       help_text=_("Empty means no card limit."))
    cash_enabled = forms.BooleanField(label=_("Cash withdrawals"), required=False)
    eurobonus_number = forms.CharField(label=_("SAS EuroBonus number"), max_length=20, required=False,
                                       help_text=_("Enrols the cardmember in EuroBonus from the issue date."))

    def __init__(self, *args: Any, company: Company, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.company = company
        languages = MARKET_LANGUAGES[Market(company.market)]
        self.fields["language"].choices = [(code, Language(code).label) for code in languages]
        self.fields["language"].initial = languages[0]
        self.fields["liability"].choices = [
            ("", _("Company default (%(value)s)") % {"value": company.get_default_liability_display()}),
            *Liability.choices,
        ]
        self.fields["billing"].choices = [
            ("", _("Company default (%(value)s)") % {"value": company.get_billing_type_display()}),
            *BillingType.choices,
        ]
        self.fields["monthly_limit"].label = _("Monthly spend limit (%(currency)s)") % {"currency": company.currency}
        # SPEC 9: a centrally billed company's accounts take its one cycle day (accounts.cycle_day).
        if company.billing_type == BillingType.CENTRAL:
            day = company.cycle_day
            default = (_("The company's cycle day (%(day)s)") % {"day": day} if day
                       else _("The company's cycle day (the 1st for its first account)"))
            field = self.fields["cycle_day"]
            field.required, field.empty_value, field.initial = False, None, ""
            field.choices = [("", default), *_cycle_day_choices()]
            field.help_text = _("Centrally billed accounts all take the company's cycle day; another day is "
                                "only for an individually billed card.")
        # Only offer what the programme allows (SPEC section 3: cash allowed, EuroBonus allowed).
        if not company.cash_allowed:
            del self.fields["cash_enabled"]
        if not company.eurobonus_allowed:
            del self.fields["eurobonus_number"]

    def clean_country(self) -> str:
        value = self.cleaned_data["country"].strip().upper()
        if value and not country_code_known(value):
            raise forms.ValidationError(UNKNOWN_COUNTRY)
        return value

    def clean_eurobonus_number(self) -> str:
        value = self.cleaned_data["eurobonus_number"].strip()
        if not value:
            return ""
        try:
            return eurobonus_number_normalised(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def to_order(self) -> CardOrder:
        data = self.cleaned_data
        limit = data["monthly_limit"]
        return CardOrder(
            employee_id=data["employee_id"], first_name=data["first_name"], last_name=data["last_name"],
            email=data["email"], phone=data["phone"], cost_centre=data["cost_centre"], language=data["language"],
            address_line=data["address_line"], postal_code=data["postal_code"], city=data["city"],
            country=data["country"], liability=data["liability"], billing=data["billing"],
            cycle_day=data["cycle_day"],
            monthly_limit=Money(limit, self.company.currency) if limit is not None else None,
            cash_enabled=data.get("cash_enabled", False), eurobonus_number=data.get("eurobonus_number", ""),
        )


class CardOrderFileForm(forms.Form):
    """A Central Order Card file (SPEC section 11)."""

    file = forms.FileField(label=_("Central Order Card file (CSV)"))
    number_format = forms.ChoiceField(
        label=_("Number format of the amounts"), required=False,
        choices=[("", _("As the file shows it")), *NumberConvention.choices],
        help_text=_("An amount such as 10.000 reads as ten thousand or as ten: it is refused unless the "
                    "file's other amounts or this choice say which."))

    def clean_number_format(self) -> NumberConvention | None:
        value = self.cleaned_data.get("number_format")
        return NumberConvention(value) if value else None

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_ORDER_FILE_BYTES:
            raise forms.ValidationError(ORDER_FILE_TOO_LARGE, params={"limit": MAX_ORDER_FILE_BYTES // (1024 * 1024)})
        return upload
