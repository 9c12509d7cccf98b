"""Portal forms for card actions and spending controls. They parse what a person typed; the services in
accounts.lifecycle and accounts.controls decide (DESIGN "Where logic lives")."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.lifecycle import REPORT_STATUSES, ClosureReason
from accounts.models import Card

CONTROL_LABELS = {
    "allowed_mccs": _("Allowed merchant categories (MCCs)"),
    "blocked_mccs": _("Blocked merchant categories (MCCs)"),
    "allowed_countries": _("Allowed merchant countries"),
    "blocked_countries": _("Blocked merchant countries"),
    "authorization_limit": _("Limit per payment"),
    "daily_limit": _("Daily limit"),
    "monthly_limit": _("Monthly limit"),
    "period_limit": _("Limit per statement period"),
    "cash_transaction_limit": _("Cash limit per withdrawal"),
    "cash_daily_limit": _("Daily cash limit"),
    "cash_period_limit": _("Cash limit per statement period"),
    "contactless_charge_limit": _("Contactless limit per payment without PIN"),
    "contactless_cumulative_limit": _("Contactless amount before a PIN is needed"),
    "contactless_cumulative_count": _("Contactless payments before a PIN is needed"),
    "cash_enabled": _("Cash withdrawals"),
    "contactless": _("Contactless payments"),
}


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class RecurringStopForm(forms.Form):
    """Stop a merchant's recurring charges on the card (terms §16)."""

    merchant_name = forms.CharField(label=_("Merchant, as on your statement"), max_length=100)
    mcc = forms.RegexField(label=_("MCC (optional)"), regex=r"^[0-9]{4}$", required=False,
                           error_messages={"invalid": _("An MCC is four digits.")})


class ReportForm(forms.Form):
    status = forms.ChoiceField(label=_("The card is"),
                               choices=[(status, Card.Status(status).label) for status in REPORT_STATUSES])
    reason = forms.CharField(label=_("What happened (optional)"), max_length=200, required=False)


class LastFourConfirmation(forms.Form):
    """An irreversible card action is confirmed by typing the card's last four digits (SPEC 18: "confirmed
    by typing or re-entering"; issue 19 item 7)."""

    confirm_last4 = forms.CharField(label=_("Type the card's last four digits to confirm"), max_length=4,
                                    widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))

    def __init__(self, *args: Any, last4: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.last4 = last4

    def clean_confirm_last4(self) -> str:
        value = self.cleaned_data["confirm_last4"].strip()
        if value != self.last4:
            raise forms.ValidationError(WRONG_LAST_FOUR)
        return value


WRONG_LAST_FOUR = _("Those are not the card's last four digits: nothing was done.")


class CancelCardForm(LastFourConfirmation, ReasonForm):
    pass


class LastFourReportForm(LastFourConfirmation, ReportForm):
    pass


class CloseAccountForm(forms.Form):
    REASONS = {
        ClosureReason.HOLDER_REQUEST: _("The cardmember asked to close it"),
        ClosureReason.COMPANY_REQUEST: _("The company asked to close it"),
        ClosureReason.EMPLOYMENT_END: _("The employment has ended"),
    }
    reason = forms.ChoiceField(label=_("Why"))
    confirm = forms.BooleanField(label=_("Cancel every card of this account now"))

    def __init__(self, *args: Any, holder: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        reasons = [ClosureReason.HOLDER_REQUEST] if holder else list(ClosureReason.CHOICES)
        self.fields["reason"].choices = [(reason, self.REASONS[reason]) for reason in reasons]


class TerminateCompanyForm(forms.Form):
    number = forms.CharField(label=_("Type the company number to confirm"), max_length=20)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args: Any, company_number: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.company_number = company_number

    def clean_number(self) -> str:
        value = self.cleaned_data["number"].strip()
        if value != self.company_number:
            raise forms.ValidationError(_("That is not this company's number."))
        return value
