"""Authorizations and the holds they place (SPEC section 10). Imported into charges.models."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _


class DeclineReason(models.TextChoices):
    """The one reason code of a declined authorization (SPEC section 10), shown to the holder (terms §17)."""

    CARD_NOT_ACTIVE = "card_not_active", _("The card is not active.")
    CARD_LOST_OR_STOLEN = "card_lost_or_stolen", _("The card was reported lost or stolen.")
    CARD_EXPIRED = "card_expired", _("The card has expired.")
    ACCOUNT_NOT_IN_GOOD_STANDING = "account_not_in_good_standing", _("The account is not in good standing.")
    CASH_NOT_ENABLED = "cash_not_enabled", _("Cash withdrawals are not enabled for this card.")
    CASH_LIMIT_EXCEEDED = "cash_limit_exceeded", _("A cash limit would be exceeded.")
    MCC_BLOCKED = "mcc_blocked", _("This kind of merchant is blocked for the card.")
    CARD_LIMIT_EXCEEDED = "card_limit_exceeded", _("A spend limit of the card would be exceeded.")
    COMPANY_CREDIT_LIMIT_EXCEEDED = "company_credit_limit_exceeded", _("The company's credit limit would be exceeded.")
    MERCHANT_COUNTRY_BLOCKED = "merchant_country_blocked", _("Payments in the merchant's country are blocked.")
    PIN_REQUIRED = "pin_required", _("Enter the PIN: contactless without PIN is not possible for this payment.")
    RECURRING_STOPPED = "recurring_stopped", _("Recurring charges from this merchant were stopped on the card.")
    COMPANY_SUSPENDED = "company_suspended", _("The company's card programme is suspended.")


class EntryMode(models.TextChoices):
    CHIP = "chip", _("Chip")
    CONTACTLESS = "contactless", _("Contactless")
    ONLINE = "online", _("Online")
    MANUAL = "manual", _("Manual entry")


class AuthorizationType(models.TextChoices):
    PURCHASE = "purchase", _("Purchase")
    CASH = "cash", _("Cash withdrawal")


class Authorization(models.Model):
    """One real-time decision, approved or declined, kept for the holder and the PA (SPEC section 10).

    `transaction_id` is unique: the same id sent again returns this decision and holds nothing more.
    """

    # Unique through Meta.constraints: a unique=True CharField would also get a LIKE index on PostgreSQL,
    # one more index to maintain on every decision for a search nobody makes. The foreign keys are
    # indexed by the composite indexes below, which start with them.
    transaction_id = models.CharField(_("transaction id"), max_length=100)
    card = models.ForeignKey("accounts.Card", on_delete=models.PROTECT, related_name="authorizations",
                             verbose_name=_("card"), db_index=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="authorizations",
                                verbose_name=_("account"), db_index=False)
    type = models.CharField(_("type"), max_length=8, choices=AuthorizationType.choices)
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=3)
    currency = models.CharField(_("currency"), max_length=3)
    merchant_name = models.CharField(_("merchant name"), max_length=100, blank=True)
    merchant_city = models.CharField(_("merchant city"), max_length=60, blank=True)
    merchant_country = models.CharField(_("merchant country"), max_length=2)
    mcc = models.CharField(_("MCC"), max_length=4)
    entry_mode = models.CharField(_("entry mode"), max_length=12, choices=EntryMode.choices)
    pin_verified = models.BooleanField(_("PIN verified"), default=False)
    # A merchant's recurring charge (terms §16); kept so a replay of the transaction id can be compared.
    recurring = models.BooleanField(_("recurring"), default=False)
    approved = models.BooleanField(_("approved"))
    reason = models.CharField(_("decline reason"), max_length=32, choices=DeclineReason.choices, blank=True)
    billing_currency = models.CharField(_("billing currency"), max_length=3)
    billed_amount = models.DecimalField(_("amount in the billing currency, without fees"), max_digits=18,
                                        decimal_places=2, null=True, blank=True)
    hold_amount = models.DecimalField(_("amount with fees in the billing currency"), max_digits=18,
                                      decimal_places=2, null=True, blank=True)
    available_spend = models.DecimalField(_("available spend after the decision"), max_digits=18,
                                          decimal_places=2, null=True, blank=True)
    # Which rule decided and with what figures (e.g. the limit that was reached), for ops and the holder.
    explanation = models.JSONField(_("explanation"), default=dict, blank=True)
    decided_on = models.DateField(_("day"))
    decided_at = models.DateTimeField(_("decided at"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now(), db_index=True)  # SPEC 16

    class Meta:
        verbose_name = _("authorization")
        verbose_name_plural = _("authorizations")
        ordering = ["-decided_at", "-id"]
        indexes = [
            models.Index(fields=["card", "decided_at"]),
            models.Index(fields=["account", "decided_on"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["transaction_id"], name="authorization_transaction_id_once"),
            models.CheckConstraint(condition=models.Q(approved=True, reason="") | models.Q(approved=False)
                                   & ~models.Q(reason=""), name="authorization_declines_have_one_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.transaction_id} {'approved' if self.approved else self.reason}"


class Hold(models.Model):
    """What an approved authorization reserves of the available spend until its charge is presented
    (matched by transaction id) or the programme's hold_days pass (SPEC section 10)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        SETTLED = "settled", _("Settled by the presented charge")
        EXPIRED = "expired", _("Expired")

    authorization = models.OneToOneField(Authorization, on_delete=models.PROTECT, related_name="hold",
                                         verbose_name=_("authorization"))
    # The authorization's transaction id again, so a presented charge finds its hold by one index
    # (unique through Meta.constraints, as on Authorization). Account and company are indexed by the
    # composite indexes that start with them.
    transaction_id = models.CharField(_("transaction id"), max_length=100)
    card = models.ForeignKey("accounts.Card", on_delete=models.PROTECT, related_name="holds",
                             verbose_name=_("card"))
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="holds",
                                verbose_name=_("account"), db_index=False)
    company = models.ForeignKey("accounts.Company", on_delete=models.PROTECT, related_name="holds",
                                verbose_name=_("company"), db_index=False)
    kind = models.CharField(_("kind"), max_length=8, choices=AuthorizationType.choices)
    amount = models.DecimalField(_("amount with fees"), max_digits=18, decimal_places=2)
    base_amount = models.DecimalField(_("amount without fees"), max_digits=18, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    created_on = models.DateField(_("created on"))
    expires_on = models.DateField(_("expires on"))
    closed_on = models.DateField(_("settled or expired on"), null=True, blank=True)
    # Postings are never deleted (SPEC section 4), so nothing looks holds up by their posting.
    posting = models.ForeignKey("ledger.Posting", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("presented charge"), db_index=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now(), db_index=True)  # SPEC 16

    class Meta:
        verbose_name = _("hold")
        verbose_name_plural = _("holds")
        ordering = ["-created_on", "-id"]
        indexes = [
            models.Index(fields=["company", "status", "expires_on"]),
            models.Index(fields=["account", "status", "created_on"]),
            models.Index(fields=["status", "expires_on"]),
        ]
        constraints = [models.UniqueConstraint(fields=["transaction_id"], name="hold_transaction_id_once")]

    def __str__(self) -> str:
        return f"{self.transaction_id} {self.amount} {self.currency} ({self.status})"


class CompanyHoldTotal(models.Model):
    """The sum of a company's open holds, for the company credit limit (SPEC section 10), so a decision
    does not add up every open hold of a large company (on PostgreSQL; SQLite sums the holds).

    Exact, not approximate: triggers on the hold table (migration 0006) write one HoldChange row per
    company for each statement that opens, closes, changes or removes open holds — the decision's
    insert, the charge import's settlement, run_cycle's expiry alike — committed or rolled back with
    that statement's transaction. A decision reads this total plus the pending changes, and folds the
    changes into the total once enough have piled up (under the company's row lock)."""

    company = models.OneToOneField("accounts.Company", on_delete=models.CASCADE, primary_key=True,
                                   related_name="+", verbose_name=_("company"))
    open_amount = models.DecimalField(_("open holds"), max_digits=18, decimal_places=2)

    class Meta:
        verbose_name = _("company hold total")
        verbose_name_plural = _("company hold totals")

    def __str__(self) -> str:
        return f"{self.company_id}: {self.open_amount}"


class HoldChange(models.Model):
    """A change to the sum of a company's open holds not yet folded into its CompanyHoldTotal."""

    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="+",
                                verbose_name=_("company"))
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)

    class Meta:
        verbose_name = _("hold change")
        verbose_name_plural = _("hold changes")

    def __str__(self) -> str:
        return f"{self.company_id}: {self.amount}"


class CompanyExposure(models.Model):
    """What a company's accounts owe (unbilled postings and unpaid billed amounts), kept for the
    authorization path so a decision does not sum every account of the company (SPEC section 10).

    Exact, not approximate: every transaction that posts to a company's account leaves an
    ExposureChange row (a ledger posting guard), and a decision that sees one recomputes the sum
    first and removes the rows that sum has counted."""

    company = models.OneToOneField("accounts.Company", on_delete=models.CASCADE, primary_key=True,
                                   related_name="+", verbose_name=_("company"))
    owed = models.DecimalField(_("owed"), max_digits=18, decimal_places=2)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("company exposure")
        verbose_name_plural = _("company exposures")

    def __str__(self) -> str:
        return f"{self.company_id}: {self.owed}"


class ExposureChange(models.Model):
    """Postings landed on one of the company's accounts since its exposure was last computed."""

    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="+",
                                verbose_name=_("company"))

    class Meta:
        verbose_name = _("exposure change")
        verbose_name_plural = _("exposure changes")

    def __str__(self) -> str:
        return str(self.company_id)
