"""The double-entry ledger (SPEC section 4), one row per money movement (issue 17).

A Posting is a movement on a holder's account: it debits the account's receivable and credits its
counter ledger account (or the reverse, by sign). A JournalEntry is a movement between two other
ledger accounts. Either row has one amount and two sides, so it balances by construction; the trial
balance is the sum per ledger account. Both are append-only: the database refuses UPDATE and DELETE,
and a mistake is corrected by a reversing posting. Every row has a unique source key naming why it
exists, which makes every job and import safe to re-run.
"""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from accounts.models import Account, Card


class LedgerAccount(models.Model):
    """An account of the chart of accounts."""

    class Type(models.TextChoices):
        ASSET = "asset", _("Asset")
        LIABILITY = "liability", _("Liability")
        INCOME = "income", _("Income")
        EXPENSE = "expense", _("Expense")

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    type = models.CharField(_("type"), max_length=16, choices=Type.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now(), db_index=True)  # SPEC 16

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("chart of accounts")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class Chart:
    """Codes of the chart of accounts (created by migration 0002)."""

    RECEIVABLE = "receivable"
    MERCHANT_SETTLEMENT = "merchant_settlement"
    BANK = "bank"
    FEE_INCOME_ANNUAL = "fee_income_annual"
    FEE_INCOME_CASH = "fee_income_cash"
    FEE_INCOME_REMINDER = "fee_income_reminder"
    FEE_INCOME_EUROBONUS = "fee_income_eurobonus"
    FEE_INCOME_RETURNED_PAYMENT = "fee_income_returned_payment"
    FEE_INCOME_COLLECTION = "fee_income_collection"
    INTEREST_INCOME = "interest_income"
    FX_INCOME = "fx_income"
    DISPUTE_SUSPENSE = "dispute_suspense"
    WRITE_OFF = "write_off"


# Every code a posting's or entry's other side may name: the chart, less the receivable (a sub-ledger
# whose side is the posting's own account). The chart is a dozen rows that change with a release, so
# a CHECK constraint holds it at no cost per row instead of a foreign key (issue 17 item 1).
COUNTER_CODES = [
    Chart.MERCHANT_SETTLEMENT, Chart.BANK, Chart.FEE_INCOME_ANNUAL, Chart.FEE_INCOME_CASH, Chart.FEE_INCOME_REMINDER,
    Chart.FEE_INCOME_EUROBONUS, Chart.FEE_INCOME_RETURNED_PAYMENT, Chart.FEE_INCOME_COLLECTION,
    Chart.INTEREST_INCOME, Chart.FX_INCOME, Chart.DISPUTE_SUSPENSE, Chart.WRITE_OFF,
]


class JournalEntry(models.Model):
    """A money movement between two ledger accounts that is not a holder's posting (SPEC section 4).

    The same shape as a posting: one amount, debited to one ledger account and credited to the
    other, so it balances by construction. A movement that touches a holder's receivable is a
    Posting, never an entry. No entry has more than two sides: every movement of SPEC 4 is two-sided.
    """

    # Unique through a constraint, not unique=True, which on PostgreSQL adds a second (LIKE) index to
    # maintain on every insert; nothing looks source keys up by prefix.
    source_key = models.CharField(_("source key"), max_length=200)
    booked_on = models.DateField(_("booked on"))
    description = models.CharField(_("description"), max_length=255, blank=True)
    debit_account = models.CharField(_("debit account"), max_length=40, db_column="debit_account_code")
    credit_account = models.CharField(_("credit account"), max_length=40, db_column="credit_account_code")
    amount = MoneyField(_("amount"), max_digits=18, decimal_places=2, default_currency=None)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        constraints = [
            models.UniqueConstraint(fields=["source_key"], name="journal_entry_source_key_unique"),
            models.CheckConstraint(condition=models.Q(debit_account__in=COUNTER_CODES)
                                   & models.Q(credit_account__in=COUNTER_CODES)
                                   & ~models.Q(debit_account=models.F("credit_account")),
                                   name="journal_entry_two_ledger_accounts"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="journal_entry_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.source_key


class PostingKind(models.TextChoices):
    PURCHASE = "purchase", _("Purchase")
    REFUND = "refund", _("Refund")
    CASH = "cash", _("Cash withdrawal")
    PAYMENT = "payment", _("Payment")
    PAYMENT_RETURN = "payment_return", _("Returned payment")
    FEE_ANNUAL = "fee_annual", _("Annual card fee")
    FEE_ANNUAL_REFUND = "fee_annual_refund", _("Annual card fee refund")
    FEE_FX = "fee_fx", _("Currency conversion fee")
    FEE_CASH = "fee_cash", _("Cash withdrawal fee")
    FEE_REMINDER = "fee_reminder", _("Reminder fee")
    FEE_EUROBONUS = "fee_eurobonus", _("EuroBonus fee")
    FEE_RETURNED_PAYMENT = "fee_returned_payment", _("Returned payment cost")
    FEE_COLLECTION = "fee_collection", _("Collection costs")
    INTEREST = "interest", _("Late interest")
    DISPUTE_CREDIT = "dispute_credit", _("Dispute credit")
    DISPUTE_REVERSAL = "dispute_reversal", _("Dispute reversal")
    ADJUSTMENT = "adjustment", _("Adjustment")


# The ledger account on the other side of each kind's receivable leg.
COUNTER_ACCOUNT: dict[str, str] = {
    PostingKind.PURCHASE: Chart.MERCHANT_SETTLEMENT,
    PostingKind.REFUND: Chart.MERCHANT_SETTLEMENT,
    PostingKind.CASH: Chart.MERCHANT_SETTLEMENT,
    PostingKind.PAYMENT: Chart.BANK,
    PostingKind.PAYMENT_RETURN: Chart.BANK,
    PostingKind.FEE_ANNUAL: Chart.FEE_INCOME_ANNUAL,
    PostingKind.FEE_ANNUAL_REFUND: Chart.FEE_INCOME_ANNUAL,
    PostingKind.FEE_FX: Chart.FX_INCOME,
    PostingKind.FEE_CASH: Chart.FEE_INCOME_CASH,
    PostingKind.FEE_REMINDER: Chart.FEE_INCOME_REMINDER,
    PostingKind.FEE_EUROBONUS: Chart.FEE_INCOME_EUROBONUS,
    PostingKind.FEE_RETURNED_PAYMENT: Chart.FEE_INCOME_RETURNED_PAYMENT,
    PostingKind.FEE_COLLECTION: Chart.FEE_INCOME_COLLECTION,
    PostingKind.INTEREST: Chart.INTEREST_INCOME,
    PostingKind.DISPUTE_CREDIT: Chart.DISPUTE_SUSPENSE,
    PostingKind.DISPUTE_REVERSAL: Chart.DISPUTE_SUSPENSE,
    PostingKind.ADJUSTMENT: Chart.WRITE_OFF,
}


# The kinds the partial index on (kind, posting_date) covers: those looked up by kind across accounts.
PAYMENT_INDEX_KINDS = [PostingKind.PAYMENT.value, PostingKind.PAYMENT_RETURN.value]


class Posting(models.Model):
    """One money movement on a holder's account, and its double entry (SPEC section 4).

    A positive amount debits the account's receivable and credits `counter_account` (the kind's
    COUNTER_ACCOUNT, or the reversed posting's); a negative amount the reverse. One amount, two
    sides: the row balances by construction, and the trial balance is the sums per ledger account.
    Positive amounts are owed by the holder, negative amounts are credits.
    """

    # Indexed together with posting_date below; a second index on the account alone would only cost.
    # account, card and related: references the database checks once per INSERT statement, set-based,
    # rather than with a foreign-key check per row at COMMIT (issue 17 item 4, migration 0007).
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings", db_index=False,
                                db_constraint=False, verbose_name=_("account"))
    posting_date = models.DateField(_("posting date"))
    # SPEC section 9: a payment received on a day whose period is already stated is booked on the first
    # open day (posting_date) and keeps its received date here; interest, days past due, reminders and
    # EuroBonus eligibility count it from this date. Empty for every other posting (value = posting date).
    value_date = models.DateField(_("value date"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=24, choices=PostingKind.choices)
    # The other side of the double entry, a code of the chart held by a CHECK constraint.
    counter_account = models.CharField(_("counter account"), max_length=40, db_column="counter_account_code")
    amount = MoneyField(_("amount"), max_digits=18, decimal_places=2, default_currency=None)
    description = models.CharField(_("description"), max_length=255, blank=True)
    source_key = models.CharField(_("source key"), max_length=200)
    related = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="dependents",
                                db_index=False, db_constraint=False,
                                verbose_name=_("related posting"),
                                help_text=_("The charge a fee belongs to, or the posting a reversal reverses."))
    # Charge details (SPEC section 5).
    # Not indexed (issue 17, migration 0009): a card's postings are its account's, so a look-up by card
    # goes through the account's index (account_id = card.account_id AND card_id = …); an index of its
    # own cost every charge import about a tenth of its INSERT.
    card = models.ForeignKey(Card, on_delete=models.PROTECT, null=True, blank=True, related_name="postings",
                             db_constraint=False, db_index=False, verbose_name=_("card"))
    transaction_date = models.DateField(_("transaction date"), null=True, blank=True)
    merchant_name = models.CharField(_("merchant name"), max_length=100, blank=True)
    merchant_city = models.CharField(_("merchant city"), max_length=60, blank=True)
    merchant_country = models.CharField(_("merchant country"), max_length=2, blank=True)
    mcc = models.CharField(_("MCC"), max_length=4, blank=True)
    flagged_for_review = models.BooleanField(_("flagged for review"), default=False)
    # Foreign-currency details (SPEC section 6).
    original_amount = MoneyField(_("original amount"), max_digits=18, decimal_places=3, null=True, blank=True,
                                 default_currency=None)
    usd_amount = models.DecimalField(_("USD amount"), max_digits=18, decimal_places=2, null=True, blank=True)
    fx_rate_to_usd = models.DecimalField(_("rate to USD"), max_digits=24, decimal_places=12, null=True, blank=True)
    fx_rate = models.DecimalField(_("USD to billing-currency rate"), max_digits=24, decimal_places=12,
                                  null=True, blank=True)
    fx_rate_date = models.DateField(_("rate date"), null=True, blank=True)
    # How the amount was computed (fee schedule version, base, rate, day counts…), shown on statements.
    explanation = models.JSONField(_("explanation"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        ordering = ["posting_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source_key"], name="posting_source_key_unique"),
            models.CheckConstraint(condition=models.Q(counter_account__in=COUNTER_CODES),
                                   name="posting_counter_account_in_chart"),
        ]
        indexes = [
            models.Index(fields=["account", "posting_date"]),
            # By kind across accounts, only payments are looked up (a day's returned payments, a payment's
            # postings): a partial index holds those alone, so the bulk paths (charges, fees, interest) pay
            # nothing for it (issue 17, migration 0009; it replaces an index on every posting's kind).
            models.Index(fields=["kind", "posting_date"], condition=models.Q(kind__in=PAYMENT_INDEX_KINDS),
                         name="posting_payment_kind_idx"),
            # Most postings relate to nothing: index only those that do (fees, refunds, reversals).
            models.Index(fields=["related"], condition=models.Q(related__isnull=False), name="posting_related_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.posting_date} {self.kind} {self.amount}"
