"""Changes that wait for a second person (SPEC section 17; issue 15 item 5).

A company's bank details, a new programme administrator and a higher spending limit take effect only
when a second person approves: another PA of the company, or an ops user with the permission
`accounts.approve_change`. The request keeps what it would change (before and after), who asked and
who decided; accounts.change_requests holds the services.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _


class ChangeRequest(models.Model):
    class Kind(models.TextChoices):
        BANK_DETAILS = "bank_details", _("Bank details (IBAN, BIC)")
        PA_ADD = "pa_add", _("New programme administrator")
        COMPANY_LIMITS = "company_limits", _("Higher spending limits of the company")
        CARD_LIMITS = "card_limits", _("Higher spending limits of a card")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    company = models.ForeignKey("accounts.Company", on_delete=models.PROTECT, related_name="change_requests",
                                verbose_name=_("company"))
    card = models.ForeignKey("accounts.Card", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="change_requests", verbose_name=_("card"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    changes = models.JSONField(_("changes"), default=dict,
                               help_text=_("Each field with its value before and the value asked for."))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_on = models.DateField(_("requested on"))
    requested_at = models.DateTimeField(_("requested at"))
    requested_by = models.CharField(_("requested by"), max_length=150)
    requested_by_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                          blank=True, related_name="+", verbose_name=_("requested by user"))
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.CharField(_("decided by"), max_length=150, blank=True)
    decided_by_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                        blank=True, related_name="+", verbose_name=_("decided by user"))
    decision_reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now(), db_index=True)  # SPEC 16

    class Meta:
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["company", "status"])]
        permissions = [("approve_change", _("Can approve or reject a change waiting for a second person"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(card__isnull=False) | ~models.Q(kind="card_limits"),
                name="change_request_card_limits_name_a_card",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.company_id} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING
