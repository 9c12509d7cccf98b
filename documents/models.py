"""Versioned cardmember terms and each holder's acceptance (terms §1, §25; SPEC section 15).

A version comes into force on its effective date; the text exists per language, and a holder
reads it in theirs (English when theirs is missing). The acceptance records which version a
cardmember accepted and when.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Cardmember, Language, Market


class TermsVersion(models.Model):
    version = models.PositiveIntegerField(_("version"), unique=True)
    effective_from = models.DateField(_("effective from"))
    published_on = models.DateField(_("published on"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("cardmember terms version")
        verbose_name_plural = _("cardmember terms versions")
        ordering = ["-effective_from", "-version"]

    def __str__(self) -> str:
        return f"v{self.version} ({self.effective_from})"


class TermsText(models.Model):
    terms = models.ForeignKey(TermsVersion, on_delete=models.CASCADE, related_name="texts",
                              verbose_name=_("terms version"))
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), help_text=_("Plain text; a blank line starts a new paragraph."))

    class Meta:
        verbose_name = _("terms text")
        verbose_name_plural = _("terms texts")
        constraints = [models.UniqueConstraint(fields=["terms", "language"], name="terms_text_once_per_language")]

    def __str__(self) -> str:
        return f"{self.terms} {self.language}"


class TermsAcceptance(models.Model):
    cardmember = models.ForeignKey(Cardmember, on_delete=models.CASCADE, related_name="terms_acceptances",
                                   verbose_name=_("cardmember"))
    terms = models.ForeignKey(TermsVersion, on_delete=models.PROTECT, related_name="acceptances",
                              verbose_name=_("terms version"))
    accepted_at = models.DateTimeField(_("accepted at"))

    class Meta:
        verbose_name = _("terms acceptance")
        verbose_name_plural = _("terms acceptances")
        ordering = ["-accepted_at"]
        constraints = [models.UniqueConstraint(fields=["cardmember", "terms"], name="terms_accepted_once")]

    def __str__(self) -> str:
        return f"{self.cardmember} accepted {self.terms}"


class IssuerDetails(models.Model):
    """The issuer's own details for a market (SPEC section 15; PA sheet; terms §13, §16, §22): who the
    issuer is, where payments go and the reference to quote, whom to call and where to complain.

    Data with an effective date, one version per market and day, never settings: ops add a version in
    the admin (audited), and each document reads the version in force on the day it is shown
    (documents.issuer). Versions in force are history and are not edited."""

    class ReferenceRule(models.TextChoices):
        MOD10 = "mod10", _("The payer's number followed by a mod-10 (Luhn) check digit")
        ISO11649 = "iso11649", _("RF creditor reference (ISO 11649) of the payer's number")

    market = models.CharField(_("market"), max_length=2, choices=Market.choices)
    effective_from = models.DateField(_("effective from"))
    legal_name = models.CharField(_("legal entity"), max_length=200)
    registration = models.CharField(_("registration"), max_length=100,
                                    help_text=_("The company register and number, e.g. CVR 12345678."))
    address = models.TextField(_("address"))
    payee_name = models.CharField(_("payee name"), max_length=200,
                                  help_text=_("The name on the bank account payments go to."))
    iban = models.CharField(_("IBAN for payments"), max_length=34)
    bic = models.CharField(_("BIC for payments"), max_length=11)
    reference_rule = models.CharField(_("payment reference"), max_length=16, choices=ReferenceRule.choices)
    complaint_address = models.TextField(_("complaint address"))
    source_note = models.CharField(
        _("source"), max_length=200, blank=True,
        help_text=_("Where these details come from (for ops; never shown to holders)."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("issuer details")
        verbose_name_plural = _("issuer details")
        ordering = ["market", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["market", "effective_from"], name="issuer_details_one_version_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.market} {self.effective_from}: {self.legal_name}"


class IssuerPhoneLine(models.Model):
    """One of the issuer's phone lines with its opening hours (PA sheet; terms §16, §22)."""

    class Line(models.TextChoices):
        CARDS = "cards", _("Cards and general questions")
        LOST_STOLEN = "lost_stolen", _("Lost or stolen cards")
        CREDIT = "credit", _("Credit service (payments and arrears)")
        PA_SERVICE = "pa_service", _("Service for programme administrators")
        FRAUD = "fraud", _("Fraud")

    class Days(models.TextChoices):
        EVERY_DAY = "every_day", _("every day")
        WEEKDAYS = "weekdays", _("Monday to Friday")
        MONDAY_SATURDAY = "mon_sat", _("Monday to Saturday")

    issuer = models.ForeignKey(IssuerDetails, on_delete=models.CASCADE, related_name="phone_lines",
                               verbose_name=_("issuer details"))
    line = models.CharField(_("line"), max_length=16, choices=Line.choices)
    phone = models.CharField(_("phone number"), max_length=32)
    days = models.CharField(_("open on"), max_length=16, choices=Days.choices, default=Days.WEEKDAYS)
    opens = models.TimeField(_("opens at"), null=True, blank=True, help_text=_("Empty: open around the clock."))
    closes = models.TimeField(_("closes at"), null=True, blank=True)

    class Meta:
        verbose_name = _("issuer phone line")
        verbose_name_plural = _("issuer phone lines")
        ordering = ["issuer", "id"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "line"], name="issuer_phone_line_once_per_version"),
            models.CheckConstraint(
                condition=(models.Q(opens__isnull=True, closes__isnull=True)
                           | models.Q(opens__isnull=False, closes__isnull=False, closes__gt=models.F("opens"))),
                name="issuer_phone_line_hours_make_sense",
                violation_error_message=_("Give both opening and closing time (closing after opening), or "
                                          "neither for a line open around the clock."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_line_display()}: {self.phone}"
