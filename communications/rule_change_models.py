"""Published changes of holder-affecting rules and the holders who said no (terms §25b; SPEC section 15).

A RuleChange records that a new version of the terms, a fee schedule, the programme rules, the dispute
rules or a points rule was published, when it takes effect, and — when it takes effect sooner than two
months after publication — that ops confirmed it is solely in the holder's favour, with why and who.
A ChangeRejection is a holder (or the company, for its accounts) rejecting the change before it takes
effect; its account was closed free of charge by the same service (communications.rule_changes).
"""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Market


class RuleChange(models.Model):
    class Kind(models.TextChoices):
        TERMS = "terms", _("Cardmember terms")
        FEE_SCHEDULE = "fee_schedule", _("Fee schedule")
        PROGRAMME_RULES = "programme_rules", _("Programme rules")
        DISPUTE_RULES = "dispute_rules", _("Dispute rules")
        POINTS_RULE = "points_rule", _("EuroBonus points rule")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    rule_id = models.PositiveIntegerField(_("version id"), help_text=_("The id of the new version of that kind."))
    market = models.CharField(_("market"), max_length=2, choices=Market.choices, blank=True,
                              help_text=_("Empty: every market (the cardmember terms)."))
    published_on = models.DateField(_("published on"))
    effective_from = models.DateField(_("effective from"))
    holder_favourable = models.BooleanField(
        _("solely in the holder's favour"), default=False,
        help_text=_("Confirmed by ops: then the change may take effect sooner than 2 months after publication."))
    favourable_reason = models.TextField(_("why it is solely in the holder's favour"), blank=True)
    published_by = models.CharField(_("published by"), max_length=150)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now(), db_index=True)  # SPEC 16

    class Meta:
        verbose_name = _("published rule change")
        verbose_name_plural = _("published rule changes")
        ordering = ["-effective_from", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "rule_id"], name="rule_change_once_per_version"),
            models.CheckConstraint(
                condition=models.Q(holder_favourable=False) | ~models.Q(favourable_reason=""),
                name="rule_change_favourable_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.market or '*'} from {self.effective_from}"


class ChangeRejection(models.Model):
    change = models.ForeignKey(RuleChange, on_delete=models.PROTECT, related_name="rejections",
                               verbose_name=_("rule change"))
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="change_rejections",
                                verbose_name=_("account"))
    rejected_on = models.DateField(_("rejected on"))
    actor_role = models.CharField(_("actor role"), max_length=16)
    rejected_by = models.CharField(_("rejected by"), max_length=150)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("rejected rule change")
        verbose_name_plural = _("rejected rule changes")
        ordering = ["-rejected_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["change", "account"], name="change_rejected_once_per_account")]

    def __str__(self) -> str:
        return f"{self.account} rejected {self.change}"
