"""The spending-controls form (SPEC sections 10, 18; issue 19 item 6): merchant categories and countries
picked by name with their codes beside, other codes typed, every bad code named (not only the first).
It parses what a person chose; accounts.controls decides."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from babel import Locale
from django import forms
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from accounts.controls import AMOUNT_FIELDS, COUNT_FIELDS, LIST_FIELDS, country_codes
from charges.mcc import INDUSTRY_NAMES, NAMED_CODES, industry_codes, industry_ranges, mcc_groups
from portal.forms.cards import CONTROL_LABELS

OTHER_MCCS = _("Other merchant category codes")
OTHER_COUNTRIES = _("Other country codes")
OTHER_HELP = _("Codes separated by commas, e.g. 7995, 5933 or RU, BY.")
ALLOWED_NOTE = _("Nothing chosen means every category or country that is not blocked.")
BAD_MCCS = _("Not merchant category codes (four digits): %(codes)s.")
BAD_COUNTRIES = _("Not country codes (two letters, ISO 3166): %(codes)s.")
INDUSTRY_PREFIX = "industry:"


def split_codes(value: str) -> list[str]:
    return [part for part in re.split(r"[\s,;]+", value or "") if part]


def mcc_choices() -> list[tuple[str, str]]:
    """Industries first (their code ranges beside), then the single categories PAs look for."""
    industries = [(f"{INDUSTRY_PREFIX}{key}", f"{name} ({industry_ranges(key)})")
                  for key, name in INDUSTRY_NAMES.items() if industry_codes(key)]
    named = [(code, f"{name} ({code})") for code, name in NAMED_CODES.items()]
    return industries + named


def country_choices() -> list[tuple[str, str]]:
    """Every country by its name in the reader's language, the code beside, sorted by name."""
    language = (translation.get_language() or "en").split("-")[0]
    names = Locale.parse(language).territories
    return sorted(((code, f"{names.get(code, code)} ({code})") for code in country_codes()),
                  key=lambda choice: choice[1].casefold())


class PickerWidget(forms.CheckboxSelectMultiple):
    """Checkboxes in a scrolling box; static/portal/picker.js adds a filter field (no inline script)."""

    template_name = "portal/widgets/picker.html"

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> str:
        # The project's templates, not the form renderer's (which sees only Django's own widgets).
        return mark_safe(render_to_string(self.template_name, self.get_context(name, value, attrs)))  # noqa: S308


class ControlsForm(forms.Form):
    """The controls of a company (card=False) or of a card (card=True): every field is optional. A list is
    a picker (`<list>_pick`) and a text field of other codes (`<list>`)."""

    def __init__(self, *args: Any, card: bool, currency: str, cash_allowed: bool, lists: bool = True,
                 limits: bool = True, flags: bool = True, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if lists:
            mccs, countries = mcc_choices(), country_choices()
            for field in LIST_FIELDS:
                is_mcc = field.endswith("mccs")
                self.fields[f"{field}_pick"] = forms.MultipleChoiceField(
                    label=CONTROL_LABELS[field], required=False, choices=mccs if is_mcc else countries,
                    widget=PickerWidget, help_text=ALLOWED_NOTE if field.startswith("allowed") else "")
                self.fields[field] = forms.CharField(label=OTHER_MCCS if is_mcc else OTHER_COUNTRIES,
                                                     required=False, help_text=OTHER_HELP)
        if limits:
            for field in AMOUNT_FIELDS:
                self.fields[field] = forms.DecimalField(
                    label=_("%(label)s (%(currency)s)") % {"label": CONTROL_LABELS[field], "currency": currency},
                    required=False, min_value=Decimal("0"), max_digits=14, decimal_places=2)
            for field in COUNT_FIELDS:
                self.fields[field] = forms.IntegerField(label=CONTROL_LABELS[field], required=False, min_value=0,
                                                        max_value=1000)
        if card and flags:
            if cash_allowed:
                self.fields["cash_enabled"] = forms.BooleanField(label=CONTROL_LABELS["cash_enabled"], required=False)
            self.fields["contactless"] = forms.BooleanField(label=CONTROL_LABELS["contactless"], required=False)

    @property
    def list_fields(self) -> list[str]:
        return [field for field in LIST_FIELDS if field in self.fields]

    @staticmethod
    def initial_from(values: dict[str, Any]) -> dict[str, Any]:
        """Saved codes as picks where a choice holds them (an industry only when whole), the rest typed."""
        initial = dict(values)
        countries = country_codes()
        named = set(NAMED_CODES)
        for field in LIST_FIELDS:
            codes = list(values.get(field) or [])
            if field.endswith("mccs"):
                industries, rest = mcc_groups(codes)
                picks = [f"{INDUSTRY_PREFIX}{key}" for key in industries] + [c for c in rest if c in named]
                typed = [c for c in rest if c not in named]
            else:
                picks = [c for c in codes if c in countries]
                typed = [c for c in codes if c not in countries]
            initial[f"{field}_pick"] = picks
            initial[field] = ", ".join(typed)
        return initial

    def clean(self) -> dict[str, Any]:
        """Every bad code of every list named at once (SPEC 18, issue 19 item 6)."""
        cleaned = super().clean()
        countries = country_codes()
        for field in self.list_fields:
            typed = split_codes(cleaned.get(field, ""))
            if field.endswith("mccs"):
                bad = [code for code in typed if not re.fullmatch(r"[0-9]{4}", code)]
                message = BAD_MCCS
            else:
                bad = [code for code in typed if code.upper() not in countries]
                message = BAD_COUNTRIES
            if bad:
                self.add_error(field, message % {"codes": ", ".join(bad)})
        return cleaned

    def changes(self, *, only_given: bool = False) -> dict[str, Any]:
        """Everything on the form, as the service takes it (a list field as a list of codes). With
        `only_given` (bulk actions), what was left empty is left out, so each card keeps its own."""
        data: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if name.endswith("_pick"):
                continue
            if name in LIST_FIELDS:
                codes: list[str] = []
                for pick in self.cleaned_data.get(f"{name}_pick") or []:
                    if pick.startswith(INDUSTRY_PREFIX):
                        codes += industry_codes(pick.removeprefix(INDUSTRY_PREFIX))
                    else:
                        codes.append(pick)
                codes += [code.upper() for code in split_codes(value)]
                value = sorted(set(codes))
                if only_given and not value:
                    continue
            elif only_given and value in (None, ""):
                continue
            data[name] = value
        return data
