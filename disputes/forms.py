"""Portal forms for disputes and refund requests (SPEC section 12). They parse input only; the
services decide (their errors come back as form errors)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from disputes.models import DisputeReason

FILE_HELP = _("PDF, PNG or JPEG, at most {size} MB.")


class EvidenceFieldsMixin(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 4}),
                           help_text=_("What happened, what you did to solve it with the merchant, and when."))
    file = forms.FileField(label=_("Attach a file"), required=False,
                           widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"}))

    def __init__(self, *args, max_bytes: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = str(FILE_HELP).format(size=max_bytes // (1024 * 1024) or 1)


class DisputeForm(EvidenceFieldsMixin):
    reason = forms.ChoiceField(label=_("Reason"), choices=DisputeReason.choices, widget=forms.RadioSelect)
    amount = forms.DecimalField(label=_("Amount disputed"), max_digits=18, decimal_places=2, min_value=0,
                                required=False, help_text=_("Leave as it is to dispute the whole charge."))
    field_order = ["reason", "amount", "note", "file"]


class EvidenceForm(EvidenceFieldsMixin):
    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("note") and not cleaned.get("file"):
            raise forms.ValidationError(_("Add a note or a file."))
        return cleaned


class RefundRequestForm(EvidenceFieldsMixin):
    expected_amount = forms.DecimalField(label=_("The amount you could reasonably expect"), max_digits=18,
                                         decimal_places=2, min_value=0)
    explanation = forms.CharField(label=_("Why the charge is more than you could expect"), max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 4}),
                                  help_text=_("E.g. a hotel deposit or car rental where the final amount was not "
                                              "known when you gave your card."))
    field_order = ["expected_amount", "explanation", "note", "file"]


class WithdrawForm(forms.Form):
    note = forms.CharField(label=_("Why (optional)"), required=False, max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 2}))
