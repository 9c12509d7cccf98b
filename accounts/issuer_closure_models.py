"""Closure by the issuer (terms §31a; SPEC section 11; issue 16 item 10).

Ops end an account, or cancel one card, either with 2 months' written notice (a dated notice: the
row waits as `scheduled` and the daily run carries it out on `effective_on`) or at once for a breach
of the terms or the end of employment. Either way the grounds and the reason are kept here, with who
decided and the notice that told the holder (or the paying company's PAs); accounts.issuer_closure
holds the services.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class IssuerClosure(models.Model):
    class Grounds(models.TextChoices):
        NOTICE = "notice", _("With 2 months' notice (terms §31a)")
        BREACH = "breach", _("At once: a breach of the terms (terms §31a)")
        EMPLOYMENT_END = "employment_end", _("At once: the employment ended (terms §31a)")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Notice given, waiting for its date")
        DONE = "done", _("Carried out")
        SUPERSEDED = "superseded", _("Not needed: already closed or cancelled otherwise")
        WITHDRAWN = "withdrawn", _("Withdrawn before its date")

    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="issuer_closures",
                                verbose_name=_("account"))
    card = models.ForeignKey("accounts.Card", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="issuer_closures", verbose_name=_("card"),
                             help_text=_("Empty: the whole account closes; else only this card is cancelled."))
    grounds = models.CharField(_("grounds"), max_length=16, choices=Grounds.choices)
    reason = models.CharField(_("reason"), max_length=200)
    decided_on = models.DateField(_("decided on"))
    effective_on = models.DateField(_("takes effect on"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    done_on = models.DateField(_("carried out on"), null=True, blank=True)
    decided_by = models.CharField(_("decided by"), max_length=150)
    notice = models.ForeignKey("accounts.Notice", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("notice"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("closure by the issuer")
        verbose_name_plural = _("closures by the issuer")
        ordering = ["-decided_on", "-id"]
        indexes = [models.Index(fields=["status", "effective_on"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(effective_on__gte=models.F("decided_on")),
                                   name="issuer_closure_not_before_decision"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.grounds} {self.effective_on}"
