"""The PA's webhook forms (SPEC section 16): what a person typed; events.webhooks validates and saves."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from amexprog.common.errors import ApplicationError
from events.webhooks import DEFAULT_OVERLAP_HOURS, MAX_OVERLAP_HOURS


class WebhookEndpointForm(forms.Form):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https",
                         help_text=_("Where we POST the company's events, signed (see the API guide)."))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)


class RotateSecretForm(forms.Form):
    overlap_hours = forms.IntegerField(label=_("Hours the old secret keeps signing"), min_value=0,
                                       max_value=MAX_OVERLAP_HOURS, initial=DEFAULT_OVERLAP_HOURS)


def add_webhook_error(form: forms.Form, exc: ApplicationError) -> None:
    """A service's refusal next to the field it names (`extra["field"]`), or above the form."""
    field = (exc.extra or {}).get("field")
    form.add_error(field if field in form.fields else None, exc.message)
