"""Parties and accounts (SPEC section 3)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
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
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["number"]
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

    class Meta:
        verbose_name = _("cardmember")
        verbose_name_plural = _("cardmembers")
        ordering = ["last_name", "first_name"]
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
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cycle_day__gte=1, cycle_day__lte=28) | models.Q(cycle_day=31),
                name="account_cycle_day_valid",
            ),
        ]
        indexes = [models.Index(fields=["company", "status"])]

    def __str__(self) -> str:
        return self.number


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

    class Meta:
        verbose_name = _("card")
        verbose_name_plural = _("cards")
        ordering = ["-issued_on", "id"]

    def __str__(self) -> str:
        return self.masked_number

    @property
    def masked_number(self) -> str:
        return mask_pan(self.last4)


class ApiToken(models.Model):
    """A REST API credential (SPEC section 1). Only its SHA-256 is stored; the key is shown once.

    A company token sees only its company; a network token may only call the authorization
    endpoint; an ops token sees everything ops staff see.
    """

    class Kind(models.TextChoices):
        COMPANY = "company", _("Company (PA API client)")
        NETWORK = "network", _("Card network")
        OPS = "ops", _("Ops")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    company = models.ForeignKey(Company, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="api_tokens", verbose_name=_("company"))
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("key prefix"), max_length=8, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="company", company__isnull=False)
                           | (~models.Q(kind="company") & models.Q(company__isnull=True))),
                name="api_token_company_iff_company_kind",
            ),
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
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    source_key = models.CharField(_("source key"), max_length=200, unique=True,
                                  help_text=_("Why the notice exists; makes creating it idempotent."))

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
