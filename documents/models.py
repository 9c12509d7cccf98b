"""Versioned cardmember terms and each holder's acceptance (terms §1, §25; SPEC section 15).

A version comes into force on its effective date; the text exists per language, and a holder
reads it in theirs (English when theirs is missing). The acceptance records which version a
cardmember accepted and when.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Cardmember, Language


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
