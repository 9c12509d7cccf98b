"""Fee schedules as versioned data (SPEC section 7): ops publish a new version with an effective
date; the version in force on a day is the latest one effective on or before it."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class FeeSchedule(models.Model):
    market = models.CharField(_("market"), max_length=2, choices=[("DK", _("Denmark")), ("BE", _("Belgium"))])
    currency = models.CharField(_("currency"), max_length=3)
    effective_from = models.DateField(_("effective from"))
    published_on = models.DateField(_("published on"))
    label = models.CharField(_("label"), max_length=100, blank=True,
                             help_text=_("E.g. 'DK 2026' or 'BE demo amounts'."))
    annual_fee_max = models.DecimalField(_("annual card fee, maximum"), max_digits=10, decimal_places=2)
    reminder_fee = models.DecimalField(_("reminder fee"), max_digits=10, decimal_places=2)
    fx_fee_percent = models.DecimalField(_("currency conversion fee (%)"), max_digits=6, decimal_places=3)
    cash_fee_percent = models.DecimalField(_("cash withdrawal fee (%)"), max_digits=6, decimal_places=3)
    cash_fee_minimum = models.DecimalField(_("cash withdrawal fee, minimum"), max_digits=10, decimal_places=2)
    eurobonus_fee = models.DecimalField(_("EuroBonus fee"), max_digits=10, decimal_places=2)
    late_interest_margin_percent = models.DecimalField(
        _("late interest margin over the reference rate (percentage points)"), max_digits=6, decimal_places=3,
        default=Decimal("7.000"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("fee schedule")
        verbose_name_plural = _("fee schedules")
        ordering = ["market", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["market", "effective_from"], name="fee_schedule_one_version_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.market} from {self.effective_from}" + (f" ({self.label})" if self.label else "")
