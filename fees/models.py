"""Fee schedules as versioned data (SPEC section 7): ops publish a new version with an effective
date; the version in force on a day is the latest one effective on or before it."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

# Terms §9i: late interest is at most "the highest rate the Interest Act allows"; the statutory
# late-payment rate is the reference rate + 8 percentage points (Renteloven §5, SPEC section 8).
STATUTORY_LATE_INTEREST_MARGIN = Decimal("8.000")


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
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now(), db_index=True)  # SPEC 16

    class Meta:
        verbose_name = _("fee schedule")
        verbose_name_plural = _("fee schedules")
        ordering = ["market", "-effective_from"]
        # Ops powers finer than "change" (SPEC section 17, accounts.roles).
        permissions = [
            ("publish_feeschedule", "Can publish fee schedules"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["market", "effective_from"], name="fee_schedule_one_version_per_day"),
            # SPEC section 8, terms §9i: a margin above the statutory rate is refused whatever ops enter.
            models.CheckConstraint(
                condition=models.Q(late_interest_margin_percent__gte=0,
                                   late_interest_margin_percent__lte=STATUTORY_LATE_INTEREST_MARGIN),
                name="fee_schedule_margin_within_interest_act",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.market} from {self.effective_from}" + (f" ({self.label})" if self.label else "")


class ReferenceRate(models.Model):
    """Danmarks Nationalbank's official lending rate from a date (SPEC section 8)."""

    effective_date = models.DateField(_("effective date"), unique=True)
    rate_percent = models.DecimalField(_("rate (%)"), max_digits=7, decimal_places=4)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now(), db_index=True)  # SPEC 16

    class Meta:
        verbose_name = _("reference interest rate")
        verbose_name_plural = _("reference interest rates")
        ordering = ["-effective_date"]
        # Ops powers finer than "change" (SPEC section 17, accounts.roles).
        permissions = [
            ("set_referencerate", "Can set reference interest rates"),
        ]

    def __str__(self) -> str:
        return f"{self.rate_percent} % from {self.effective_date}"


class InterestAccrual(models.Model):
    """One day's late interest on one statement's unpaid amount, unrounded (SPEC section 8).

    Summed and rounded once into the `interest` posting of the statement that ends the period.
    """

    statement = models.ForeignKey("statements.Statement", on_delete=models.PROTECT, related_name="accruals",
                                  verbose_name=_("overdue statement"))
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="interest_accruals",
                                verbose_name=_("account"))
    day = models.DateField(_("day"))
    unpaid = models.DecimalField(_("unpaid at start of day"), max_digits=18, decimal_places=2)
    annual_rate_percent = models.DecimalField(_("annual rate (%)"), max_digits=7, decimal_places=4)
    reference_rate_date = models.DateField(_("reference rate date"))
    amount = models.DecimalField(_("interest (unrounded)"), max_digits=24, decimal_places=12)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now(), db_index=True)  # SPEC 16

    class Meta:
        verbose_name = _("interest accrual")
        verbose_name_plural = _("interest accruals")
        constraints = [models.UniqueConstraint(fields=["statement", "day"], name="accrual_once_per_statement_day")]
        indexes = [models.Index(fields=["account", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.amount}"


class InterestGiveBack(models.Model):
    """Late interest accrued for a day after a payment's value date, before the payment was known (SPEC
    sections 8 and 9; issue 16 item 2): the bank's file came after the nightly run. Summed, rounded half-up
    and posted as a negative `interest` line on the statement whose period holds `booked_on`."""

    accrual = models.ForeignKey(InterestAccrual, on_delete=models.PROTECT, related_name="given_back",
                                verbose_name=_("interest accrual"))
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="interest_given_back",
                                verbose_name=_("account"))
    payment = models.ForeignKey("charges.Payment", on_delete=models.PROTECT, related_name="interest_given_back",
                                verbose_name=_("payment"))
    value_date = models.DateField(_("value date"))
    booked_on = models.DateField(_("booked on"))
    unpaid = models.DecimalField(_("unpaid at start of day, by value date"), max_digits=18, decimal_places=2)
    amount = models.DecimalField(_("interest given back (unrounded, negative)"), max_digits=24, decimal_places=12)

    class Meta:
        verbose_name = _("interest given back")
        verbose_name_plural = _("interest given back")
        constraints = [models.UniqueConstraint(fields=["accrual", "payment"], name="give_back_once_per_payment")]
        indexes = [models.Index(fields=["account", "booked_on"])]

    def __str__(self) -> str:
        return f"{self.accrual_id} {self.amount}"


class Reminder(models.Model):
    """A reminder letter and its fee (SPEC section 7; Danish Interest Act §9b caps)."""

    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="reminders",
                                verbose_name=_("account"))
    statement = models.ForeignKey("statements.Statement", on_delete=models.PROTECT, related_name="reminders",
                                  verbose_name=_("overdue statement"))
    arrears_since = models.DateField(_("arrears period started"))
    number = models.PositiveSmallIntegerField(_("reminder number in this arrears period"))
    sent_on = models.DateField(_("sent on"))
    unpaid = models.DecimalField(_("unpaid when sent"), max_digits=18, decimal_places=2)
    fee_posting = models.OneToOneField("ledger.Posting", on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="reminder", verbose_name=_("fee posting"))
    # The letter the fee pays for, created in the same transaction (terms §9c; issue 16 item 1). Empty only on
    # reminders sent before letters were created.
    notice = models.OneToOneField("accounts.Notice", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="reminder", verbose_name=_("reminder letter"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now(), db_index=True)  # SPEC 16

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["account", "sent_on"]
        constraints = [
            models.UniqueConstraint(fields=["account", "arrears_since", "number"], name="reminder_number_once"),
            models.CheckConstraint(condition=models.Q(number__gte=1, number__lte=3), name="reminder_at_most_three"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} #{self.number} {self.sent_on}"


def collection_evidence_path(instance: CollectionCost, filename: str) -> str:
    return f"collection/{instance.uid}.{instance.extension}"


class CollectionCost(models.Model):
    """A documented collection-agency or lawyer cost charged to an account in default (terms §9c, §27d;
    Trust II item 4): posted once per invoice as `fee_collection`, with the invoice and its evidence."""

    uid = models.CharField(_("file id"), max_length=32, unique=True, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="collection_costs",
                                verbose_name=_("account"))
    posting = models.OneToOneField("ledger.Posting", on_delete=models.PROTECT, related_name="collection_cost",
                                   verbose_name=_("posting"))
    agency = models.CharField(_("collection agency or lawyer"), max_length=200)
    invoice_reference = models.CharField(_("invoice reference"), max_length=100)
    evidence = models.FileField(_("invoice (evidence)"), upload_to=collection_evidence_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    extension = models.CharField(_("extension"), max_length=8)
    posted_on = models.DateField(_("posted on"))
    posted_by = models.CharField(_("posted by"), max_length=150)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now(), db_index=True)  # SPEC 16

    class Meta:
        verbose_name = _("collection cost")
        verbose_name_plural = _("collection costs")
        ordering = ["-posted_on", "-id"]
        permissions = [("post_collection_cost", _("Can charge documented collection costs to an account in default"))]
        constraints = [models.UniqueConstraint(fields=["account", "invoice_reference"],
                                               name="collection_cost_once_per_invoice")]

    def __str__(self) -> str:
        return f"{self.agency} {self.invoice_reference}"
