"""Parties and accounts (SPEC section 3)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField
from djmoney.models.validators import MinMoneyValidator

from accounts.pan import mask_pan

MAX_ANNUAL_FEE_DKK = Decimal("650.00")  # terms §9: the programme's annual fee is at most DKK 650
# A SAS EuroBonus member number as printed on the member card (e.g. EBS123456789): 9–12 letters and
# digits, stored upper-case without spaces.
EUROBONUS_NUMBER_PATTERN = r"^[A-Z0-9]{9,12}$"


class Market(models.TextChoices):
    DK = "DK", _("Denmark")
    BE = "BE", _("Belgium")


MARKET_CURRENCY = {Market.DK: "DKK", Market.BE: "EUR"}
MARKET_LANGUAGES = {Market.DK: ("da", "en"), Market.BE: ("nl", "fr", "en")}


def company_language(market: str) -> str:
    """A company has no language of its own: its market's first (DK → da, BE → nl)."""
    return MARKET_LANGUAGES.get(Market(market), ("en",))[0]


class BillingType(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual billing")
    CENTRAL = "central", _("Central billing")


class Liability(models.TextChoices):
    """Terms §12."""

    CORPORATE = "corporate", _("Corporate liability")
    JOINT = "joint", _("Joint liability")
    INDIVIDUAL = "individual", _("Individual liability")


class Language(models.TextChoices):
    DA = "da", _("Danish")
    EN = "en", _("English")
    NL = "nl", _("Dutch")
    FR = "fr", _("French")


class Company(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")  # by ops, terms §26a(iii)/§27b (accounts.standing)
        TERMINATED = "terminated", _("Terminated")

    number = models.CharField(_("company number"), max_length=20, unique=True)
    legal_name = models.CharField(_("legal name"), max_length=200)
    vat_number = models.CharField(_("VAT/CVR number"), max_length=32)
    market = models.CharField(_("market"), max_length=2, choices=Market.choices, default=Market.DK)
    billing_type = models.CharField(_("billing type"), max_length=16, choices=BillingType.choices,
                                    default=BillingType.INDIVIDUAL)
    default_liability = models.CharField(_("default liability"), max_length=16, choices=Liability.choices,
                                         default=Liability.CORPORATE)
    credit_limit = MoneyField(_("global credit limit"), max_digits=14, decimal_places=2, default_currency=None,
                              validators=[MinMoneyValidator(0)])
    annual_fee = MoneyField(_("annual card fee"), max_digits=10, decimal_places=2, default_currency=None,
                            validators=[MinMoneyValidator(0)])
    cash_allowed = models.BooleanField(_("cash allowed"), default=False)
    eurobonus_allowed = models.BooleanField(_("EuroBonus allowed"), default=False)
    payment_terms_days = models.PositiveSmallIntegerField(
        _("payment terms (days)"), default=28, validators=[MinValueValidator(1), MaxValueValidator(90)]
    )
    blocked_mccs = models.JSONField(_("blocked MCCs"), default=list, blank=True)
    requires_activation = models.BooleanField(
        _("cards need activation by the holder"), default=False,
        help_text=_("When off, an issued card is active from its issue date (SPEC section 11)."),
    )
    address_line = models.CharField(_("address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="DK")
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    authorised_signatories = models.JSONField(_("authorised signatories"), default=list, blank=True)
    # SPEC 9, issue 19 item 4: the one cycle day a centrally billed company's accounts take (accounts.cycle_day).
    cycle_day = models.PositiveSmallIntegerField(
        _("statement cycle day"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text=_("Central billing: the cycle day every centrally billed account takes (1–28, or 31 for the "
                    "month's last day). Set by the first centrally billed account."),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now(), db_index=True)  # SPEC 16

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["number"]
        # Ops powers finer than "change" (SPEC section 17, accounts.roles).
        permissions = [
            ("terminate_company", "Can terminate a company (every account closes)"),
            ("onboard_company", "Can onboard companies (company files)"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(market__in=["DK", "BE"]), name="company_market_known"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.legal_name}"

    @property
    def currency(self) -> str:
        return MARKET_CURRENCY[Market(self.market)]


class ProgrammeAdministrator(models.Model):
    """A portal user who administers one or more companies (SPEC section 1)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pa",
                                verbose_name=_("user"))
    companies = models.ManyToManyField(Company, related_name="administrators", verbose_name=_("companies"))
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.EN)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_default=Now())  # SPEC 16
    # Moves when the PA joins a company too (accounts.data_changes.company_pa_add), for `updated_after`.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now(), db_index=True)  # SPEC 16

    class Meta:
        verbose_name = _("programme administrator")
        verbose_name_plural = _("programme administrators")

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()


class Cardmember(models.Model):
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="cardmembers",
                                verbose_name=_("company"))
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="cardmember", verbose_name=_("portal user"))
    employee_id = models.CharField(_("employee id"), max_length=40)
    cost_centre = models.CharField(_("cost centre"), max_length=40, blank=True)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("email"))
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    address_line = models.CharField(_("address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="DK")
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.DA)
    contact_valid = models.BooleanField(
        _("contact details valid"), default=True,
        help_text=_("Cleared when a notice is returned; no notices are sent until corrected (SPEC section 15)."),
    )
    # SPEC sections 11, 13. Interim record of the SAS EuroBonus membership given on the card order;
    # a later EuroBonus enrolment model (rewards app) takes over suspension and points.
    eurobonus_number = models.CharField(_("EuroBonus number"), max_length=12, blank=True, default="",
                                        validators=[RegexValidator(EUROBONUS_NUMBER_PATTERN)])
    eurobonus_enrolled_on = models.DateField(_("EuroBonus enrolled on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now(), db_index=True)  # SPEC 16

    class Meta:
        verbose_name = _("cardmember")
        verbose_name_plural = _("cardmembers")
        ordering = ["last_name", "first_name"]
        # Ops powers finer than "change" (SPEC section 17, accounts.roles).
        permissions = [
            ("export_personal_data", "Can export a cardmember's personal data"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["company", "employee_id"], name="cardmember_employee_once_per_company"),
            # Enrolment in EuroBonus needs a member number (SPEC section 13).
            models.CheckConstraint(
                condition=models.Q(eurobonus_enrolled_on__isnull=True) | ~models.Q(eurobonus_number=""),
                name="cardmember_eurobonus_enrolment_has_number",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Account(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        IN_DEFAULT = "in_default", _("In default")
        CLOSING = "closing", _("Closing")
        CLOSED = "closed", _("Closed")

    LAST_DAY_OF_MONTH = 31

    number = models.CharField(_("account number"), max_length=20, unique=True)
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="accounts",
                                verbose_name=_("company"))
    cardmember = models.OneToOneField(Cardmember, on_delete=models.PROTECT, related_name="account",
                                      verbose_name=_("cardmember"))
    liability = models.CharField(_("liability"), max_length=16, choices=Liability.choices)
    billing_type = models.CharField(_("billing type"), max_length=16, choices=BillingType.choices)
    currency = models.CharField(_("billing currency"), max_length=3)
    cycle_day = models.PositiveSmallIntegerField(
        _("statement cycle day"),
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text=_("1–28, or 31 for the last day of the month."),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    # Ops' own standing decision (terms §26a(iii), §27b; accounts.standing): the status the account keeps
    # at least, whatever the daily delinquency step finds, until ops lift it. Blank: none.
    standing_hold = models.CharField(_("standing set by ops"), max_length=16, blank=True, default="",
                                     choices=[("in_default", _("In default")), ("suspended", _("Suspended"))])
    standing_cause = models.CharField(_("cause of the standing set by ops"), max_length=32, blank=True, default="")
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now(), db_index=True)  # SPEC 16

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["number"]
        # Ops powers finer than "change" (SPEC section 17, accounts.roles).
        permissions = [
            ("close_account", "Can close accounts"),
            ("refund_credit_balance", "Can pay an account's credit balance out"),
            ("set_standing", "Can put accounts and companies in default, suspend them and lift it"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cycle_day__gte=1, cycle_day__lte=28) | models.Q(cycle_day=31),
                name="account_cycle_day_valid",
            ),
        ]
        indexes = [models.Index(fields=["company", "status"])]

    def __str__(self) -> str:
        return self.number


class BlockedBy(models.TextChoices):
    """Who blocked a card (terms §26): a holder may lift only their own block, a PA a holder's or
    the company's, the issuer any."""

    HOLDER = "holder", _("The cardmember")
    COMPANY = "company", _("The company")
    ISSUER = "issuer", _("The card issuer")


class Card(models.Model):
    class Status(models.TextChoices):
        ORDERED = "ordered", _("Ordered")
        ACTIVE = "active", _("Active")
        BLOCKED = "blocked", _("Blocked")
        LOST = "lost", _("Lost")
        STOLEN = "stolen", _("Stolen")
        DAMAGED = "damaged", _("Damaged")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="cards", verbose_name=_("account"))
    pan_hash = models.CharField(_("card number hash"), max_length=64, unique=True, editable=False)
    last4 = models.CharField(_("last 4 digits"), max_length=4, editable=False)
    expiry = models.DateField(_("expiry"), help_text=_("Last day of the expiry month."))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ORDERED)
    replaces = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="replaced_by", verbose_name=_("replaces"))
    contactless = models.BooleanField(_("contactless"), default=True)
    cash_enabled = models.BooleanField(_("cash enabled"), default=False)
    monthly_limit = MoneyField(_("monthly spend limit"), max_digits=12, decimal_places=2, null=True, blank=True,
                               default_currency=None, validators=[MinMoneyValidator(0)])
    blocked_mccs = models.JSONField(_("blocked MCCs"), default=list, blank=True)
    issued_on = models.DateField(_("issued on"))
    status_changed_on = models.DateField(_("status changed on"), null=True, blank=True)
    # Terms §26: who blocked the card decides who may lift the block (SPEC section 11).
    blocked_by = models.CharField(_("blocked by"), max_length=16, choices=BlockedBy.choices, blank=True)
    block_reason = models.CharField(_("block reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now(), db_index=True)  # SPEC 16

    class Meta:
        verbose_name = _("card")
        verbose_name_plural = _("cards")
        ordering = ["-issued_on", "id"]
        # Ops powers finer than "change" (SPEC section 17, accounts.roles).
        permissions = [
            ("renew_cards", "Can renew cards before their expiry"),
        ]
        indexes = [models.Index(fields=["status", "expiry"])]

    def __str__(self) -> str:
        return self.masked_number

    @property
    def masked_number(self) -> str:
        return mask_pan(self.last4)


class ApiToken(models.Model):
    """A REST API credential (SPEC section 1). Only its SHA-256 is stored; the key is shown once.

    A company token sees only its company; a network token may only call the authorization
    endpoint; an ops token acts with the permissions of the ops user it names (`user`). Its scope (SPEC
    sections 16, 17; issue 15 item 12) narrows what it may do: a read-only token only reads, a network
    token only asks for authorizations; a revoked token (`revoked_at` set) authenticates nothing.
    """

    class Kind(models.TextChoices):
        COMPANY = "company", _("Company (PA API client)")
        NETWORK = "network", _("Card network")
        OPS = "ops", _("Ops")

    class Scope(models.TextChoices):
        READ_ONLY = "read-only", _("Read-only")
        READ_WRITE = "read-write", _("Read-write")
        NETWORK = "network", _("Network (authorizations only)")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    company = models.ForeignKey(Company, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="api_tokens", verbose_name=_("company"))
    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices, default=Scope.READ_WRITE)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("key prefix"), max_length=8, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   verbose_name=_("created by"))
    # An ops token acts with this ops user's permissions (SPEC section 17); without one it may do nothing.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="ops_api_tokens", verbose_name=_("acts as"),
                             help_text=_("Ops tokens only: the ops user whose permissions the token has."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("revoked by"))

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="company", company__isnull=False)
                           | (~models.Q(kind="company") & models.Q(company__isnull=True))),
                name="api_token_company_iff_company_kind",
            ),
            # A network token is scoped to authorizations and nothing else is (issue 15 item 12).
            models.CheckConstraint(
                condition=(models.Q(kind="network", scope="network")
                           | (~models.Q(kind="network") & models.Q(scope__in=["read-only", "read-write"]))),
                name="api_token_network_scope_iff_network_kind",
            ),
            models.CheckConstraint(condition=models.Q(kind="ops") | models.Q(user__isnull=True),
                                   name="api_token_user_only_for_ops"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Notice(models.Model):
    """A notice to a holder (SPEC section 15): fee changes, blocks, reminders, closures. Shown in the
    portal inbox and sent by email; a corporate-liability, centrally billed account's notices go to
    the company's PAs (then `cardmember` is empty and `company` is set)."""

    class Kind(models.TextChoices):
        FEE_CHANGE = "fee_change", _("Fee schedule change")
        BLOCK = "block", _("Card blocked or unblocked")
        REMINDER = "reminder", _("Payment reminder")
        CLOSURE = "closure", _("Account closure")
        CARD = "card", _("Card change")
        STANDING = "standing", _("Account standing changed")
        RULE_CHANGE = "rule_change", _("Change of terms or rules")
        OTHER = "other", _("Other")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    cardmember = models.ForeignKey(Cardmember, on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="notices", verbose_name=_("cardmember"))
    company = models.ForeignKey(Company, on_delete=models.CASCADE, null=True, blank=True, related_name="notices",
                                verbose_name=_("company (to its PAs)"))
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    created_on = models.DateField(_("created on"))
    sent_at = models.DateTimeField(_("emailed at"), null=True, blank=True)
    # The first opening by anyone; each person's own read state is communications.NoticeRead.
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    source_key = models.CharField(_("source key"), max_length=200, unique=True,
                                  help_text=_("Why the notice exists; makes creating it idempotent."))
    # SPEC section 15: every notice links to the page where its reader can act (a portal path).
    link = models.CharField(_("link"), max_length=200, blank=True,
                            help_text=_("The portal page where the reader can act on the notice."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now(), db_index=True)  # SPEC 16

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(cardmember__isnull=False) | models.Q(company__isnull=False),
                                   name="notice_has_a_recipient"),
        ]

    def __str__(self) -> str:
        return self.subject


def _limit_field(label) -> models.DecimalField:
    return models.DecimalField(label, max_digits=14, decimal_places=2, null=True, blank=True,
                               validators=[MinValueValidator(Decimal("0"))])


class SpendingControls(models.Model):
    """Spending controls a PA sets for a whole company or for one card (SPEC section 10, terms §5–§6).

    Amounts are in the company's billing currency; an empty limit means no limit at this level. The
    tightest of the company's and the card's controls applies (accounts.controls.effective_controls):
    allowed lists intersect, blocked lists add up, limits take the lowest. A company's limits apply
    to each of its cards, not to their sum: the sum is the company's credit limit.

    A card's monthly limit and blocked MCCs are the card's own fields (SPEC section 3, set when it is
    ordered), so a card's row leaves `monthly_limit` and `blocked_mccs` empty.
    """

    company = models.OneToOneField(Company, on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="controls", verbose_name=_("company"))
    card = models.OneToOneField(Card, on_delete=models.CASCADE, null=True, blank=True, related_name="controls",
                                verbose_name=_("card"))
    allowed_mccs = models.JSONField(_("allowed MCCs"), default=list, blank=True,
                                    help_text=_("Empty means every MCC not blocked."))
    blocked_mccs = models.JSONField(_("blocked MCCs"), default=list, blank=True)
    allowed_countries = models.JSONField(_("allowed merchant countries"), default=list, blank=True,
                                         help_text=_("Empty means every country not blocked."))
    blocked_countries = models.JSONField(_("blocked merchant countries"), default=list, blank=True)
    authorization_limit = _limit_field(_("limit per authorization"))
    daily_limit = _limit_field(_("daily spend limit"))
    monthly_limit = _limit_field(_("monthly spend limit"))
    period_limit = _limit_field(_("spend limit per statement period"))
    cash_transaction_limit = _limit_field(_("cash limit per withdrawal"))
    cash_daily_limit = _limit_field(_("daily cash limit"))
    cash_period_limit = _limit_field(_("cash limit per statement period"))
    contactless_charge_limit = _limit_field(_("contactless limit per payment without PIN"))
    contactless_cumulative_limit = _limit_field(_("contactless amount before a PIN is required"))
    contactless_cumulative_count = models.PositiveSmallIntegerField(
        _("contactless payments before a PIN is required"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("spending controls")
        verbose_name_plural = _("spending controls")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(company__isnull=False, card__isnull=True)
                           | models.Q(company__isnull=True, card__isnull=False)),
                name="spending_controls_company_xor_card",
            ),
        ]

    def __str__(self) -> str:
        return f"controls of {self.company or self.card}"


class AuditEntry(models.Model):
    """Who did what to a card, an account or a company, and why (SPEC section 1: every change audited).

    A plain append-only log until the project adopts django-pghistory; services write it in the same
    transaction as the change itself.
    """

    SYNC_FIELD = "at"  # append-only: `updated_after` compares the moment it was written (SPEC 16)

    class Action(models.TextChoices):
        CARD_ACTIVATED = "card_activated", _("Card activated")
        CARD_BLOCKED = "card_blocked", _("Card blocked")
        CARD_UNBLOCKED = "card_unblocked", _("Card unblocked")
        CARD_REPORTED = "card_reported", _("Card reported lost, stolen or damaged")
        CARD_REPLACED = "card_replaced", _("Replacement card issued")
        CARD_RENEWED = "card_renewed", _("Card renewed")
        CARD_REISSUED = "card_reissued", _("New card issued on request after expiry")
        CARD_CANCELLED = "card_cancelled", _("Card cancelled")
        CARD_EXPIRED = "card_expired", _("Card expired")
        CONTROLS_CHANGED = "controls_changed", _("Spending controls changed")
        ACCOUNT_CLOSED = "account_closed", _("Account closed")
        COMPANY_TERMINATED = "company_terminated", _("Company terminated")
        CARDMEMBER_UPDATED = "cardmember_updated", _("Cardmember data changed")
        COMPANY_UPDATED = "company_updated", _("Company data changed")
        PA_ADDED = "pa_added", _("Programme administrator added")
        PA_REMOVED = "pa_removed", _("Programme administrator removed")
        LOGIN_UNLOCKED = "login_unlocked", _("Portal login unlocked")
        CREDIT_REFUNDED = "credit_refunded", _("Credit balance refunded to the company's bank account")
        CHARGE_MARKED_PERSONAL = "charge_marked_personal", _("Charge marked as personal (joint liability)")
        CHARGE_UNMARKED_PERSONAL = "charge_unmarked_personal", _("Charge no longer marked as personal")
        CHANGE_REQUESTED = "change_requested", _("Change asked for, waiting for a second person")
        CHANGE_DECIDED = "change_decided", _("Change approved or rejected by a second person")
        RECURRING_STOPPED = "recurring_stopped", _("Recurring charges of a merchant stopped")
        RECURRING_STOP_REVOKED = "recurring_stop_revoked", _("Stop of a merchant's recurring charges lifted")
        STANDING_SET = "standing_set", _("Account or company put in default or suspended by ops")
        STANDING_LIFTED = "standing_lifted", _("Default or suspension set by ops lifted")
        RULE_CHANGE_REJECTED = "rule_change_rejected", _("Change of terms or rules rejected: account closed")
        ISSUER_CLOSURE_GIVEN = "issuer_closure_given", _("Closure by the issuer decided (terms §31a)")
        ISSUER_CLOSURE_WITHDRAWN = "issuer_closure_withdrawn", _("Closure by the issuer withdrawn")
        API_TOKEN_CREATED = "api_token_created", _("API token created")
        API_TOKEN_REVOKED = "api_token_revoked", _("API token revoked")

    at = models.DateTimeField(_("at"), auto_now_add=True)
    on = models.DateField(_("business day"))
    actor_role = models.CharField(_("actor role"), max_length=16)
    actor = models.CharField(_("actor"), max_length=150)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name=_("user"))
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="audit_entries",
                                verbose_name=_("company"))
    account = models.ForeignKey(Account, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="audit_entries", verbose_name=_("account"))
    card = models.ForeignKey(Card, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_entries",
                             verbose_name=_("card"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["card", "at"]), models.Index(fields=["account", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action}"


class EmbossingOrder(models.Model):
    """A card the embosser must produce (SPEC section 11). The full number is not here: it is written
    once, after commit, to the ops embossing spool (settings.EMBOSSING_DIR); `written_at` stays
    empty if that failed, and ops then reissue the card."""

    class Reason(models.TextChoices):
        NEW = "new", _("New card ordered by the company")
        REPLACEMENT = "replacement", _("Replacement of a lost, stolen or damaged card")
        RENEWAL = "renewal", _("Renewal before expiry")
        REISSUE = "reissue", _("New card requested after expiry")

    card = models.OneToOneField(Card, on_delete=models.PROTECT, related_name="embossing_order",
                                verbose_name=_("card"))
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    created_on = models.DateField(_("created on"))
    written_at = models.DateTimeField(_("written to the spool at"), null=True, blank=True)
    spool_file = models.CharField(_("spool file"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now(), db_index=True)  # SPEC 16

    class Meta:
        verbose_name = _("embossing order")
        verbose_name_plural = _("embossing orders")
        ordering = ["-created_on", "-id"]

    def __str__(self) -> str:
        return f"{self.card} ({self.reason})"


class ProgrammeRules(models.Model):
    """The programme's timing and ceilings as data (SPEC preamble, sections 9–11): ops add a version
    with an effective date per market, and each rule reads the version in force on the day it acts
    (accounts.rules). Versions are history: never edited or deleted once saved."""

    market = models.CharField(_("market"), max_length=2, choices=Market.choices)
    effective_from = models.DateField(_("effective from"))
    reminder_days_after_due = models.PositiveSmallIntegerField(
        _("first reminder (days after a due date)"), default=7, validators=[MinValueValidator(1)])
    reminder_interval_days = models.PositiveSmallIntegerField(
        _("next reminders (days apart)"), default=10, validators=[MinValueValidator(10)],
        help_text=_("At least 10: the Danish Interest Act §9b floor, applied whatever this says."))
    suspend_dpd = models.PositiveSmallIntegerField(
        _("suspend cards at (days past due)"), default=30, validators=[MinValueValidator(1)])
    collections_dpd = models.PositiveSmallIntegerField(
        _("collections at (days past due)"), default=90, validators=[MinValueValidator(1)])
    hold_days = models.PositiveSmallIntegerField(
        _("an unmatched hold lapses after (days)"), default=7, validators=[MinValueValidator(1)])
    card_validity_months = models.PositiveSmallIntegerField(
        _("card validity (months)"), default=48, validators=[MinValueValidator(1)])
    card_renewal_lead_days = models.PositiveSmallIntegerField(
        _("renew cards this long before expiry (days)"), default=30, validators=[MinValueValidator(1)])
    card_unused_months = models.PositiveSmallIntegerField(
        _("not renewed when unused for (months)"), default=12, validators=[MinValueValidator(1)])
    card_reissue_window_months = models.PositiveSmallIntegerField(
        _("a new card may be asked for within (months after expiry)"), default=12,
        validators=[MinValueValidator(1)])
    card_closure_notice_months = models.PositiveSmallIntegerField(
        _("notice before closing an account left without a card (months)"), default=2,
        validators=[MinValueValidator(1)])
    # Terms §32, SPEC section 11: the final statement of an account that goes to closing is due this many
    # days after it (0: at once).
    final_statement_days = models.PositiveSmallIntegerField(
        _("a final statement is due after (days)"), default=0,
        help_text=_("When an account goes to closing, its final statement bills everything unbilled and is due "
                    "this many days later (0: on its date)."))
    currency = models.CharField(_("currency"), max_length=3, editable=False)  # the market's, set on save
    contactless_charge_limit = models.DecimalField(
        _("contactless without PIN: at most per charge"), max_digits=10, decimal_places=2,
        validators=[MinValueValidator(Decimal(0))])
    contactless_cumulative_limit = models.DecimalField(
        _("contactless without PIN: at most in total since the last PIN"), max_digits=10, decimal_places=2,
        validators=[MinValueValidator(Decimal(0))])
    contactless_count_limit = models.PositiveSmallIntegerField(
        _("contactless without PIN: at most this many charges since the last PIN"), default=5)
    # SPEC section 17 (issue 15 item 5): a credit balance is not paid to bank details changed this recently.
    bank_details_cooling_off_days = models.PositiveSmallIntegerField(
        _("no payout to new bank details for (days)"), default=14,
        help_text=_("Credit balances are paid to changed bank details only this many days after the change."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now(), db_index=True)  # SPEC 16

    class Meta:
        verbose_name = _("programme rules")
        verbose_name_plural = _("programme rules")
        ordering = ["market", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["market", "effective_from"], name="programme_rules_one_version_per_day"),
            models.CheckConstraint(
                condition=models.Q(collections_dpd__gt=models.F("suspend_dpd")),
                name="programme_rules_collections_after_suspension",
                violation_error_message=_("Collections must come after suspension: give more days past due."),
            ),
            models.CheckConstraint(
                condition=models.Q(reminder_interval_days__gte=10),
                name="programme_rules_reminders_ten_days_apart",
                violation_error_message=_("Reminders must be at least 10 days apart (Danish Interest Act §9b)."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.market} from {self.effective_from}"

    def save(self, *args, **kwargs) -> None:
        self.currency = MARKET_CURRENCY[self.market]
        super().save(*args, **kwargs)


from accounts.change_request_models import ChangeRequest  # noqa: E402,F401  (changes waiting for a second person)
from accounts.issuer_closure_models import IssuerClosure  # noqa: E402,F401  (closure by the issuer, terms §31a)
