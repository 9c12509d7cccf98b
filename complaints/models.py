"""Complaints about the issuer's own service or an account (SPEC section 12, terms §21b–d).

A complaint is acknowledged at once and answered in writing within 15 bank days (a dispute rule,
`DisputeRules.complaint_answer_bank_days`). The final answer names where the holder can take it
next — the market's authorities, kept here as market data — and says that no out-of-court dispute
scheme is used. A complaint about goods or a charge is a dispute (section 12), not a complaint.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Company, Market


class ComplaintAuthority(models.Model):
    """Where a holder of a market can take a complaint after the issuer's final answer (terms §21d)."""

    class Kind(models.TextChoices):
        CONSUMER = "consumer", _("consumer complaints and marketing practices")
        FEES = "fees", _("fees")
        SUPERVISION = "supervision", _("supervision of financial undertakings")

    market = models.CharField(_("market"), max_length=2, choices=Market.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("what it handles"), max_length=16, choices=Kind.choices)
    address = models.TextField(_("address"))
    website = models.URLField(_("website"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now(), db_index=True)  # SPEC 16

    class Meta:
        verbose_name = _("complaint authority")
        verbose_name_plural = _("complaint authorities")
        ordering = ["market", "position", "id"]

    def __str__(self) -> str:
        return f"{self.market}: {self.name}"


class Complaint(models.Model):
    class Topic(models.TextChoices):
        SERVICE = "service", _("The issuer's service")
        ACCOUNT = "account", _("An account or statement")
        FEES = "fees", _("Fees or interest")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        OPEN = "open", _("Open: acknowledged, answer due")
        ANSWERED = "answered", _("Answered")

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="complaints",
                                verbose_name=_("company"))
    account = models.ForeignKey(Account, on_delete=models.PROTECT, null=True, blank=True, related_name="complaints",
                                verbose_name=_("account"))
    topic = models.CharField(_("topic"), max_length=16, choices=Topic.choices)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("what happened"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    opened_on = models.DateField(_("received on"))
    opened_at = models.DateTimeField(_("received at"))
    opened_by = models.CharField(_("received from"), max_length=150)
    by_holder = models.BooleanField(_("from the cardmember"), default=False,
                                    help_text=_("A holder's own complaint: only they and ops see it."))
    opened_by_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="+", verbose_name=_("received from user"))
    answer_due_on = models.DateField(_("answer due on"))
    overdue_since = models.DateField(_("answer overdue since"), null=True, blank=True)
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    answered_by = models.CharField(_("answered by"), max_length=150, blank=True)
    answer = models.TextField(_("final answer"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["status", "answer_due_on"])]
        permissions = [("answer_complaint", _("Can give a complaint its final answer"))]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(status="open", answered_on__isnull=True)
                           | models.Q(status="answered", answered_on__isnull=False)),
                name="complaint_answered_has_a_date",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def market(self) -> str:
        return self.company.market
