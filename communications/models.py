"""Delivery of notices by email and returned mail (SPEC section 15, terms §20, §25).

The notice itself (accounts.models.Notice) is what the holder reads in the portal inbox; a
`NoticeDelivery` records one email of it to one recipient, so a notice to a company's several PAs
is emailed to each of them once, and a returned email points at the address that bounced. A
`NoticeRead` records that one person opened it in their inbox: a company notice is in the inbox of
each of the company's PAs, and one PA opening it does not make it read for the others.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Cardmember, Notice, ProgrammeAdministrator


class NoticeDelivery(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="deliveries",
                               verbose_name=_("notice"))
    cardmember = models.ForeignKey(Cardmember, on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="notice_deliveries", verbose_name=_("cardmember"))
    administrator = models.ForeignKey(ProgrammeAdministrator, on_delete=models.CASCADE, null=True, blank=True,
                                      related_name="notice_deliveries", verbose_name=_("programme administrator"))
    email = models.EmailField(_("email"))
    language = models.CharField(_("language"), max_length=2)
    sent_at = models.DateTimeField(_("emailed at"))
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    returned_by = models.CharField(_("returned, recorded by"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("notice delivery")
        verbose_name_plural = _("notice deliveries")
        ordering = ["-sent_at", "-id"]
        # Ops powers finer than "change" (SPEC section 17, accounts.roles).
        permissions = [
            ("mark_notice_returned", "Can mark notices returned"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(cardmember__isnull=False, administrator__isnull=True)
                           | models.Q(cardmember__isnull=True, administrator__isnull=False)),
                name="notice_delivery_one_recipient",
            ),
            # Once per recipient: a second sending run skips whoever already has the email.
            models.UniqueConstraint(fields=["notice", "cardmember"], name="notice_delivery_once_per_cardmember"),
            models.UniqueConstraint(fields=["notice", "administrator"],
                                    name="notice_delivery_once_per_administrator"),
        ]

    def __str__(self) -> str:
        return f"{self.notice} → {self.email}"


class NoticeRead(models.Model):
    """One person opened the notice in their portal inbox (first opening; later ones keep the time).
    Notice.read_at stays the first opening by anyone, for API tokens, the admin and the data export."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="reads", verbose_name=_("notice"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_reads",
                             verbose_name=_("user"))
    read_at = models.DateTimeField(_("read at"))

    class Meta:
        verbose_name = _("notice read")
        verbose_name_plural = _("notice reads")
        constraints = [
            models.UniqueConstraint(fields=["notice", "user"], name="notice_read_once_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.notice} ← {self.user}"


class AdministratorContact(models.Model):
    """Whether a PA's email address still works (SPEC section 15); the cardmember's counterpart is
    Cardmember.contact_valid. A PA without a row has valid contact details."""

    administrator = models.OneToOneField(ProgrammeAdministrator, on_delete=models.CASCADE, primary_key=True,
                                         related_name="contact_status", verbose_name=_("programme administrator"))
    contact_valid = models.BooleanField(_("contact details valid"), default=True)
    invalid_email = models.EmailField(_("returned address"), blank=True)
    changed_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("programme administrator's contact status")
        verbose_name_plural = _("programme administrators' contact status")

    def __str__(self) -> str:
        return f"{self.administrator}: {'valid' if self.contact_valid else 'invalid'}"


from communications.rule_change_models import ChangeRejection, RuleChange  # noqa: E402,F401  (terms §25b)
