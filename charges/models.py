"""Charge files and ECB reference rates (SPEC sections 5 and 6)."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

# Rates are stored exactly as the ECB publishes them: at most 6 significant digits, so 12 integer
# and 8 decimal places hold every published value (1999's ROL 13111 up to today's 0.58231-style
# quotes) without rounding. A value that does not fit is refused at load, never rounded.
RATE_MAX_DIGITS = 20
RATE_DECIMAL_PLACES = 8


class FxRate(models.Model):
    """One ECB euro reference rate: `rate` units of `currency` per 1 EUR on `rate_date`.

    EUR itself is stored with rate 1 for every published day, so "a day with published rates" is
    simply a day with rows, and cross rates need no special case for the euro.
    """

    rate_date = models.DateField(_("rate date"))
    currency = models.CharField(_("currency"), max_length=3)
    rate = models.DecimalField(_("units per euro"), max_digits=RATE_MAX_DIGITS, decimal_places=RATE_DECIMAL_PLACES)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now(), db_index=True)  # SPEC 16

    class Meta:
        verbose_name = _("ECB reference rate")
        verbose_name_plural = _("ECB reference rates")
        ordering = ["-rate_date", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["rate_date", "currency"], name="fx_rate_one_per_day_and_currency"),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="fx_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.rate_date} EUR 1 = {self.currency} {self.rate}"


class ChargeFile(models.Model):
    """A charge file that was loaded (SPEC section 5). Its content HMAC refuses a second load.

    The content holds card numbers, so it is recognised by a keyed HMAC (settings.REQUEST_HMAC_KEY), never
    an unkeyed hash (SPEC section 17, issue 15 item 7). Files loaded before that change have none (their
    SHA-256 was erased, it cannot be recomputed): loading one again is still refused row by row, since a
    transaction id is never posted twice."""

    content_hmac = models.CharField(_("HMAC of the content"), max_length=64, unique=True, null=True, blank=True)
    filename = models.CharField(_("file name"), max_length=255)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)
    row_count = models.PositiveIntegerField(_("charges"), default=0)
    posting_count = models.PositiveIntegerField(_("postings"), default=0)
    flagged_count = models.PositiveIntegerField(_("charges flagged for review"), default=0)
    # {kind: {"count": n, "amounts": {currency: "123.45"}}}: what ops reconcile against the network.
    totals = models.JSONField(_("totals per posting kind"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now(), db_index=True)  # SPEC 16

    class Meta:
        verbose_name = _("charge file")
        verbose_name_plural = _("charge files")
        ordering = ["-loaded_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({(self.content_hmac or '')[:12]}…)"


from charges.authorization_models import (  # noqa: E402,F401  (authorizations live beside charges)
    Authorization,
    CompanyExposure,
    CompanyHoldTotal,
    ExposureChange,
    Hold,
    HoldChange,
)
from charges.payment_models import Payment, PaymentFile  # noqa: E402,F401  (payments live beside charges)
from charges.transaction_models import CompanyTransaction  # noqa: E402,F401  (the company-wide transactions view)
