"""Payments received and returned (SPEC section 9). Imported into charges.models."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _


class PaymentFile(models.Model):
    """A payment file that was loaded; its content hash refuses a second load."""

    sha256 = models.CharField(_("SHA-256 of the content"), max_length=64, unique=True)
    filename = models.CharField(_("file name"), max_length=255)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)
    payment_count = models.PositiveIntegerField(_("payments"), default=0)
    return_count = models.PositiveIntegerField(_("returns"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now(), db_index=True)  # SPEC 16

    class Meta:
        verbose_name = _("payment file")
        verbose_name_plural = _("payment files")
        ordering = ["-loaded_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.sha256[:12]}…)"


class Payment(models.Model):
    """One row of a payment file: a payment to an account or a company, or the return of one."""

    class Type(models.TextChoices):
        PAYMENT = "payment", _("Payment")
        RETURN = "return", _("Return")

    payment_id = models.CharField(_("payment id"), max_length=64, unique=True)
    type = models.CharField(_("type"), max_length=8, choices=Type.choices)
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="payments", verbose_name=_("account"))
    company = models.ForeignKey("accounts.Company", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="payments", verbose_name=_("company"))
    received_on = models.DateField(_("received on"))
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=3)
    currency = models.CharField(_("currency"), max_length=3)
    billing_amount = models.DecimalField(_("amount in billing currency"), max_digits=18, decimal_places=2)
    method = models.CharField(_("method"), max_length=32, blank=True)
    original = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="returned_by", verbose_name=_("returned payment"))
    cost = models.DecimalField(_("bank's cost of the return"), max_digits=18, decimal_places=2, default=0)
    file = models.ForeignKey(PaymentFile, on_delete=models.PROTECT, null=True, blank=True, related_name="payments",
                             verbose_name=_("file"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now(), db_index=True)  # SPEC 16

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-received_on", "payment_id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(account__isnull=False, company__isnull=True)
                           | models.Q(account__isnull=True, company__isnull=False)),
                name="payment_names_account_or_company",
            ),
        ]

    def __str__(self) -> str:
        return self.payment_id
