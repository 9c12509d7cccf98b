"""Statements (SPEC section 9): what each period billed, when it is due, and what is still unpaid."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Company


class Statement(models.Model):
    """One account's statement. Lines are the account's postings dated within the period.

    `billed_amount` is every posting of the period except payments and payment returns; the due
    date applies to it. `closing_balance` = `opening_balance` + every posting of the period.
    """

    # No index of its own: the unique (account, statement_date) constraint's index serves every look-up by
    # account, and a second one cost each statement day's INSERT (issue 17, statement cycle). On PostgreSQL the
    # account is checked once per INSERT statement by a trigger, not per row at COMMIT (migration 0005).
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="statements", db_index=False,
                                db_constraint=False, verbose_name=_("account"))
    statement_date = models.DateField(_("statement date"))
    period_start = models.DateField(_("period start"))
    due_date = models.DateField(_("due date"))
    currency = models.CharField(_("currency"), max_length=3)
    opening_balance = models.DecimalField(_("opening balance"), max_digits=18, decimal_places=2)
    closing_balance = models.DecimalField(_("closing balance"), max_digits=18, decimal_places=2)
    billed_amount = models.DecimalField(_("billed amount"), max_digits=18, decimal_places=2)
    payments_amount = models.DecimalField(_("payments in period"), max_digits=18, decimal_places=2)
    totals = models.JSONField(_("totals by kind"), default=dict)
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    eurobonus_points = models.IntegerField(_("EuroBonus points"), default=0)
    # Terms §32, SPEC section 11: produced the day the account went to closing, billing everything unbilled,
    # due after the market's final-statement days; it stands alone (no company statement sums it).
    final = models.BooleanField(_("final statement"), default=False, db_default=False)  # the INSERT … SELECT omits it
    # Indexed only where set (centrally billed accounts): see Meta.indexes.
    company_statement = models.ForeignKey("CompanyStatement", on_delete=models.PROTECT, null=True, blank=True,
                                          related_name="statements", db_index=False,
                                          verbose_name=_("company statement"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now(), db_index=True)  # SPEC 16

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        ordering = ["account", "statement_date"]
        constraints = [
            models.UniqueConstraint(fields=["account", "statement_date"], name="statement_once_per_account_and_date"),
        ]
        indexes = [
            models.Index(fields=["statement_date"]), models.Index(fields=["due_date"]),
            # Most statements belong to no company statement: the statement day's INSERT pays nothing for them.
            models.Index(fields=["company_statement"], condition=models.Q(company_statement__isnull=False),
                         name="statement_company_stmt_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.statement_date}"

    @property
    def period_end(self):
        return self.statement_date


class CompanyStatement(models.Model):
    """Central billing (SPEC section 9): one statement per cycle summing the company's centrally
    billed account statements of that statement date."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="statements",
                                verbose_name=_("company"))
    statement_date = models.DateField(_("statement date"))
    due_date = models.DateField(_("due date"))
    currency = models.CharField(_("currency"), max_length=3)
    opening_balance = models.DecimalField(_("opening balance"), max_digits=18, decimal_places=2)
    closing_balance = models.DecimalField(_("closing balance"), max_digits=18, decimal_places=2)
    billed_amount = models.DecimalField(_("billed amount"), max_digits=18, decimal_places=2)
    payments_amount = models.DecimalField(_("payments in period"), max_digits=18, decimal_places=2)
    totals = models.JSONField(_("totals by kind"), default=dict)
    account_count = models.PositiveIntegerField(_("accounts"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now(), db_index=True)  # SPEC 16

    class Meta:
        verbose_name = _("company statement")
        verbose_name_plural = _("company statements")
        ordering = ["company", "statement_date"]
        constraints = [
            models.UniqueConstraint(fields=["company", "statement_date"], name="company_statement_once_per_date"),
        ]

    def __str__(self) -> str:
        return f"{self.company_id} {self.statement_date}"


class Delinquency(models.Model):
    """An account's arrears state, kept by the daily delinquency step (SPEC section 9, terms §27)."""

    account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="delinquency",
                                   verbose_name=_("account"))
    days_past_due = models.PositiveIntegerField(_("days past due"), default=0)
    arrears_since = models.DateField(_("in arrears since"), null=True, blank=True,
                                     help_text=_("First day of the current continuous period of arrears."))
    in_default_since = models.DateField(_("in default since"), null=True, blank=True)
    suspended_since = models.DateField(_("cards suspended since"), null=True, blank=True)
    collections_since = models.DateField(_("in collections since"), null=True, blank=True)
    returned_payment_on = models.DateField(_("last returned payment"), null=True, blank=True)
    updated_on = models.DateField(_("as of"))

    class Meta:
        verbose_name = _("delinquency")
        verbose_name_plural = _("delinquencies")

    def __str__(self) -> str:
        return f"{self.account_id}: {self.days_past_due} DPD"
