"""Ops publish a new version of a holder-affecting rule in the admin (terms §25b; SPEC section 15).

The add form of every such version (cardmember terms, programme rules, dispute rules, points rules)
takes two more fields: whether the change is solely in the holder's favour and why. Without them the
effective date must be at least 2 months away; saving publishes the change with its notices
(communications.rule_changes.rule_change_publish). Published changes and rejections are read-only.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from amexprog.common import clock
from amexprog.common.admin_base import ReadOnlyAdmin
from amexprog.common.errors import ApplicationError
from communications.models import ChangeRejection, RuleChange
from communications.rule_changes import rule_change_check, rule_change_publish

EXTRA_FIELDS = ("holder_favourable", "favourable_reason")


class PublishedChangeForm(forms.ModelForm):
    holder_favourable = forms.BooleanField(
        label=_("solely in the holder's favour"), required=False,
        help_text=_("Only then may the change take effect sooner than 2 months after today (terms §25b)."))
    favourable_reason = forms.CharField(label=_("why it is solely in the holder's favour"), required=False,
                                        widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        cleaned = super().clean()
        effective_from = cleaned.get("effective_from")
        if effective_from is not None:
            try:
                rule_change_check(effective_from=effective_from, published_on=clock.today(),
                                  holder_favourable=cleaned.get("holder_favourable", False),
                                  favourable_reason=cleaned.get("favourable_reason", ""))
            except ApplicationError as exc:
                field = exc.extra.get("field") if exc.extra else None
                self.add_error(field if field in self.fields else None, exc.message)
        return cleaned


class PublishedChangeAdmin(admin.ModelAdmin):
    """Mixed into the admin of a versioned rule: adding a version is publishing it."""

    rule_change_kind: str = ""

    def get_fieldsets(self, request, obj=None):
        fieldsets = [(name, {**options, "fields": [f for f in options["fields"] if f not in EXTRA_FIELDS]})
                     for name, options in super().get_fieldsets(request, obj)]
        if obj is None:
            fieldsets.append((_("Notice to holders (terms §25b)"), {"fields": list(EXTRA_FIELDS)}))
        return fieldsets

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            rule_change_publish(kind=self.rule_change_kind, rule=obj, published_on=clock.today(),
                                published_by=f"user:{request.user.get_username()}",
                                holder_favourable=form.cleaned_data.get("holder_favourable", False),
                                favourable_reason=form.cleaned_data.get("favourable_reason", ""))


@admin.register(RuleChange)
class RuleChangeAdmin(ReadOnlyAdmin):
    """What was published when, and which changes ops confirmed as solely in the holder's favour."""

    list_display = ["kind", "market", "published_on", "effective_from", "holder_favourable", "published_by"]
    list_filter = ["kind", "market", "holder_favourable"]


@admin.register(ChangeRejection)
class ChangeRejectionAdmin(ReadOnlyAdmin):
    list_display = ["change", "account", "rejected_on", "actor_role", "rejected_by"]
    list_select_related = ["change", "account"]
    raw_id_fields = ["account"]
