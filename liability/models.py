"""Joint liability (terms §12a-ii; SPEC section 3): charges a cardmember declares personal, and
charges the company already reimbursed to the cardmember (issue 16 item 12).

Under joint liability the company and the cardmember are both liable, but the company is not liable
for a charge that was for the cardmember's private purposes. The cardmember marks such a charge;
the mark is a row of its own because postings are append-only, and the PA sees it on the
transactions page, in the company's statement and in the data files, where a personal charge adds
nothing to what the company is liable for. A charge the company marks as already reimbursed to the
cardmember is a row of the same kind with `reason` reimbursed: the company is not liable for it either,
and every report labels it apart ("Reimbursed by the company", not "Personal").
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from ledger.models import Posting


class PersonalCharge(models.Model):
    class Reason(models.TextChoices):
        PERSONAL = "personal", _("Personal")
        REIMBURSED = "reimbursed", _("Reimbursed by the company")

    posting = models.OneToOneField(Posting, on_delete=models.PROTECT, related_name="personal_mark",
                                   verbose_name=_("charge"))
    # Denormalised from the posting: reports and scoping filter by account and company.
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="personal_charges",
                                verbose_name=_("account"))
    reason = models.CharField(_("why the company is not liable"), max_length=10, choices=Reason.choices,
                              default=Reason.PERSONAL)
    marked_on = models.DateField(_("marked on"))
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("marked by"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now(), db_index=True)  # SPEC 16

    class Meta:
        verbose_name = _("personal charge")
        verbose_name_plural = _("personal charges")
        ordering = ["-marked_on", "-id"]

    def __str__(self) -> str:
        return f"{self.reason}: {self.posting_id}"
