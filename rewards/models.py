"""SAS EuroBonus (SPEC section 13, terms §38): enrolment, the points ledger and the monthly SAS batches.

An account has at most one `Enrolment`; its `EnrolmentEvent`s are the audit trail and also the
source of the participation windows (when spend earns points, when the fee is due). A
`PointsPosting` is the points ledger: one per statement, written once and never changed, like a
ledger posting. Each month's non-zero postings form an `ExportBatch` that goes accrued → exported
→ confirmed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from accounts.models import EUROBONUS_NUMBER_PATTERN, Account
from statements.models import Statement


class PointsRule(models.Model):
    """SPEC section 13's numbers as data, per market and versioned by effective date (SPEC preamble:
    ops change numbers as data, never as a code edit). The EuroBonus fee itself is a fee-schedule item."""

    market = models.CharField(_("market"), max_length=2, choices=[("DK", _("Denmark")), ("BE", _("Belgium"))])
    currency = models.CharField(_("currency"), max_length=3)
    effective_from = models.DateField(_("effective from"))
    label = models.CharField(_("label"), max_length=100, blank=True)
    spend_per_point = models.DecimalField(
        _("eligible spend per point"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("1 point per this much eligible spend in the billing currency (DKK 10 in the SPEC)."),
    )
    forfeit_after_days_past_due = models.PositiveSmallIntegerField(
        _("forfeit when more than this many days past due"), default=60,
        help_text=_("A statement whose account is more than this many days past due on its statement date "
                    "earns nothing, and its period's spend is left out for good."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now(), db_index=True)  # SPEC 16

    class Meta:
        verbose_name = _("EuroBonus points rule")
        verbose_name_plural = _("EuroBonus points rules")
        ordering = ["market", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["market", "effective_from"], name="points_rule_one_version_per_day"),
            models.CheckConstraint(condition=models.Q(spend_per_point__gt=0), name="points_rule_spend_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.market} from {self.effective_from}" + (f" ({self.label})" if self.label else "")


class Enrolment(models.Model):
    """An account's participation in SAS EuroBonus (terms §38).

    requested → active (a PA approves) or rejected; a card order carrying the number starts active.
    active ↔ suspended (ops or a PA, terms §38g); active or suspended → ended. An ended or rejected
    enrolment may be requested again; the same row continues, so the fee keeps its anniversary
    (`fee_anchor`: the day after first enrolment, SPEC section 7) and points their running remainder.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        ENDED = "ended", _("Ended")
        REJECTED = "rejected", _("Rejected")

    class Source(models.TextChoices):
        REQUEST = "request", _("Cardmember request")
        CARD_ORDER = "card_order", _("Card order")

    account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="eurobonus",
                                   verbose_name=_("account"))
    member_number = models.CharField(_("EuroBonus number"), max_length=12,
                                     validators=[RegexValidator(EUROBONUS_NUMBER_PATTERN)])
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    source = models.CharField(_("enrolled through"), max_length=16, choices=Source.choices)
    requested_on = models.DateField(_("requested on"), null=True, blank=True)
    first_enrolled_on = models.DateField(_("first enrolled on"), null=True, blank=True)
    fee_anchor = models.DateField(
        _("EuroBonus fee date"), null=True, blank=True,
        help_text=_("The day after first enrolment: the fee is due on it and on each anniversary."),
    )
    active_since = models.DateField(_("active since"), null=True, blank=True,
                                    help_text=_("The latest approval or resumption."))
    suspended_on = models.DateField(_("suspended on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_default=Now())

    class Meta:
        verbose_name = _("EuroBonus enrolment")
        verbose_name_plural = _("EuroBonus enrolments")
        ordering = ["account__number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["requested", "rejected"]) | models.Q(first_enrolled_on__isnull=False),
                name="enrolment_participating_has_first_date",
            ),
            models.CheckConstraint(
                condition=models.Q(first_enrolled_on__isnull=True) | models.Q(fee_anchor__isnull=False),
                name="enrolment_enrolled_has_fee_anchor",
            ),
        ]
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.account_id} {self.member_number} ({self.status})"

    @property
    def participating(self) -> bool:
        return self.status in (self.Status.ACTIVE, self.Status.SUSPENDED)


class EnrolmentEvent(models.Model):
    """One change of an enrolment, with who and why: the audit trail, and the record the
    participation windows are read from (an event takes effect from the start of its day)."""

    class Kind(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CARD_ORDER = "card_order", _("Enrolled by card order")
        SUSPENDED = "suspended", _("Suspended")
        RESUMED = "resumed", _("Resumed")
        ENDED = "ended", _("Ended")

    # Kinds that start earning (and, but for RESUMED, membership), and kinds that stop it.
    STARTS = (Kind.APPROVED, Kind.CARD_ORDER, Kind.RESUMED)
    STOPS = (Kind.SUSPENDED, Kind.ENDED)

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="events",
                                  verbose_name=_("enrolment"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    on = models.DateField(_("effective on"))
    member_number = models.CharField(_("EuroBonus number"), max_length=12)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("by user"))
    actor_label = models.CharField(_("by"), max_length=100,
                                   help_text=_("The user, API token or process that made the change."))
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("EuroBonus enrolment event")
        verbose_name_plural = _("EuroBonus enrolment events")
        ordering = ["enrolment", "on", "id"]

    def __str__(self) -> str:
        return f"{self.on} {self.kind}"


class ExportBatch(models.Model):
    """One month's points for SAS (SPEC section 13): the non-zero points postings of the statements
    dated in the month. Accrued while the month runs, exported by `export_eurobonus`, confirmed by
    SAS's confirmation file."""

    class Status(models.TextChoices):
        ACCRUED = "accrued", _("Accrued")
        EXPORTED = "exported", _("Exported")
        CONFIRMED = "confirmed", _("Confirmed")

    month = models.DateField(_("month"), unique=True, help_text=_("The first day of the month."))
    reference = models.CharField(_("batch reference"), max_length=32, unique=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACCRUED)
    line_count = models.PositiveIntegerField(_("lines"), null=True, blank=True,
                                             help_text=_("Fixed when the batch is first exported."))
    control_total = models.BigIntegerField(_("control total (points)"), null=True, blank=True,
                                           help_text=_("Fixed when the batch is first exported."))
    exported_on = models.DateField(_("first exported on"), null=True, blank=True)
    file_sha256 = models.CharField(_("exported file SHA-256"), max_length=64, blank=True)
    confirmed_on = models.DateField(_("confirmed on"), null=True, blank=True)
    confirmation_sha256 = models.CharField(_("confirmation file SHA-256"), max_length=64, blank=True)
    accepted_points = models.BigIntegerField(_("points accepted by SAS"), null=True, blank=True)
    rejected_points = models.BigIntegerField(_("points rejected by SAS"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now(), db_index=True)  # SPEC 16

    class Meta:
        verbose_name = _("EuroBonus export batch")
        verbose_name_plural = _("EuroBonus export batches")
        ordering = ["-month"]
        constraints = [
            models.CheckConstraint(condition=models.Q(month__day=1), name="export_batch_month_starts_on_day_1"),
            models.CheckConstraint(
                condition=models.Q(status="accrued") | models.Q(exported_on__isnull=False, control_total__isnull=False),
                name="export_batch_exported_has_totals",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @staticmethod
    def reference_for(month: dt.date) -> str:
        return f"AMEXPROG-EB-{month:%Y-%m}"


class PointsPosting(models.Model):
    """The points one statement earned (SPEC section 13): the points ledger, one row per statement,
    never changed once written (SAS line results aside). A negative number reverses points (refunds).

    `points = floor((carried_in + counted_spend) ÷ spend_per_point)` and `carried_out` is what is
    left over: with one rule that is exactly `floor(total eligible spend since enrolment ÷ 10) −
    points already awarded` (`cumulative_spend`, `cumulative_points`), and a later rule version
    applies only to spend from then on instead of re-rating the past.
    """

    class SasStatus(models.TextChoices):
        PENDING = "pending", _("Awaiting SAS")
        ACCEPTED = "accepted", _("Accepted by SAS")
        REJECTED = "rejected", _("Rejected by SAS")

    statement = models.OneToOneField(Statement, on_delete=models.PROTECT, related_name="points_posting",
                                     verbose_name=_("statement"))
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="points_postings",
                                  verbose_name=_("enrolment"))
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="points_postings",
                                verbose_name=_("account"))
    member_number = models.CharField(_("EuroBonus number"), max_length=12)
    statement_date = models.DateField(_("statement date"))
    period_start = models.DateField(_("period start"))
    currency = models.CharField(_("currency"), max_length=3)
    eligible_spend = models.DecimalField(_("eligible spend of the period"), max_digits=18, decimal_places=2,
                                         help_text=_("Purchases less their refunds."))
    counted_spend = models.DecimalField(_("spend counted"), max_digits=18, decimal_places=2,
                                        help_text=_("Zero when the period is forfeited."))
    carried_in = models.DecimalField(_("remainder brought forward"), max_digits=18, decimal_places=2)
    carried_out = models.DecimalField(_("remainder carried forward"), max_digits=18, decimal_places=2)
    cumulative_spend = models.DecimalField(_("eligible spend since enrolment"), max_digits=18, decimal_places=2)
    points = models.IntegerField(_("points"))
    cumulative_points = models.BigIntegerField(_("points since enrolment"))
    forfeited = models.BooleanField(_("forfeited"), default=False)
    days_past_due = models.PositiveIntegerField(_("days past due on the statement date"), default=0)
    rule = models.ForeignKey(PointsRule, on_delete=models.PROTECT, related_name="+", verbose_name=_("points rule"))
    explanation = models.JSONField(_("explanation"), default=dict, blank=True)
    batch = models.ForeignKey(ExportBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="lines",
                              verbose_name=_("SAS batch"))
    sas_status = models.CharField(_("SAS result"), max_length=16, choices=SasStatus.choices, blank=True)
    sas_reason = models.CharField(_("SAS reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now(), db_index=True)  # SPEC 16

    class Meta:
        verbose_name = _("EuroBonus points posting")
        verbose_name_plural = _("EuroBonus points postings")
        ordering = ["account", "statement_date"]
        constraints = [
            models.CheckConstraint(condition=models.Q(forfeited=False) | models.Q(points=0),
                                   name="points_forfeited_earns_nothing"),
            models.CheckConstraint(condition=models.Q(batch__isnull=True) | ~models.Q(points=0),
                                   name="points_batch_lines_are_not_zero"),
        ]
        indexes = [models.Index(fields=["statement_date"])]

    def __str__(self) -> str:
        return f"{self.member_number} {self.statement_date} {self.points:+d}"

    @property
    def line_reference(self) -> str:
        """The line's reference in the SAS file and in SAS's confirmation."""
        return f"P{self.pk}"
