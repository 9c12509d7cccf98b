"""Disputes, unauthorized-use incidents and refund requests (SPEC section 12, terms §7, §21–§23).

A dispute questions one posted charge and credits the disputed part at once (`dispute_credit`);
resolving it against the holder re-debits it (`dispute_reversal`). An unauthorized-use incident
groups the unauthorized disputes of one lost or stolen card, so the holder's share can be capped
per incident (terms §22). A refund request (terms §23) asks for an authorized charge back and has a
decision deadline in bank days. Every change to any of them leaves a CaseEvent: when, who, what.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from accounts.models import Account, ApiToken, Card, Market
from ledger.models import Posting
from statements.models import Statement


class DisputeRules(models.Model):
    """SPEC section 12's numbers as data, versioned by effective date per market (ops add versions)."""

    market = models.CharField(_("market"), max_length=2, choices=Market.choices)
    effective_from = models.DateField(_("effective from"))
    currency = models.CharField(_("currency"), max_length=3)
    late_after_months = models.PositiveSmallIntegerField(
        _("late after (months from the statement date)"), default=1)
    refused_after_months = models.PositiveSmallIntegerField(
        _("refused after (months from the statement date)"), default=13)
    unauthorized_holder_cap = models.DecimalField(
        _("holder's share of unauthorized use before a report, per incident"), max_digits=10, decimal_places=2)
    refund_request_weeks = models.PositiveSmallIntegerField(
        _("refund requests accepted for (weeks from the statement date)"), default=8)
    refund_decision_bank_days = models.PositiveSmallIntegerField(
        _("refund decision due within (bank days of complete information)"), default=10)
    complaint_answer_bank_days = models.PositiveSmallIntegerField(
        _("complaints answered within (bank days of receipt)"), default=15)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now(), db_index=True)  # SPEC 16

    class Meta:
        verbose_name = _("dispute rules")
        verbose_name_plural = _("dispute rules")
        ordering = ["market", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["market", "effective_from"], name="dispute_rules_one_version_per_day"),
            models.CheckConstraint(condition=models.Q(refused_after_months__gt=models.F("late_after_months")),
                                   name="dispute_rules_refusal_after_late"),
        ]

    def __str__(self) -> str:
        return f"{self.market} from {self.effective_from}"


class DisputeReason(models.TextChoices):
    UNAUTHORIZED = "unauthorized", _("Unauthorized: I did not make or allow this charge")
    DUPLICATE = "duplicate", _("Duplicate: charged more than once")
    WRONG_AMOUNT = "wrong_amount", _("Wrong amount")
    NOT_RECEIVED = "not_received", _("Goods or services not received")
    DEFECTIVE = "defective", _("Goods defective or not as described")
    CANCELLED_RECURRING = "cancelled_recurring", _("Recurring charge after cancellation")
    OTHER = "other", _("Other")


class UnauthorizedUseIncident(models.Model):
    """The unauthorized use of one card (terms §22c–d): charges after the report are credited in full;
    the holder's share of those before it is capped (DKK 375 in DK, for all unauthorized charges on
    the card), unless ops record a cause with evidence: deliberate breach, gross negligence or fraud.

    The card may be lost or stolen, never received, its code seen by someone else (these three are
    blocked and replaced), or still with the holder (card-not-present misuse; issue 16 item 7)."""

    class Kind(models.TextChoices):
        LOST = "lost", _("Lost")
        STOLEN = "stolen", _("Stolen")
        NOT_RECEIVED = "not_received", _("Card not received")
        CODE_DISCLOSED = "code_disclosed", _("Code seen by someone else")
        MISUSE = "misuse", _("Misused while the holder has the card")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    class Finding(models.TextChoices):
        CAPPED = "capped", _("No gross negligence: holder's share capped")
        GROSS_NEGLIGENCE = "gross_negligence", _("Gross negligence: no cap before the report")
        DELIBERATE_BREACH = "deliberate_breach", _("Deliberate breach of the terms: no cap before the report")
        FRAUD = "fraud", _("Fraud by the holder: no credit at all")

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="unauthorized_incidents",
                                verbose_name=_("account"))
    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="unauthorized_incidents",
                             verbose_name=_("card"))
    kind = models.CharField(_("what was reported"), max_length=16, choices=Kind.choices)
    reported_on = models.DateField(
        _("reported on"), help_text=_("The day the loss or theft was reported. Charges dated that day or later "
                                      "count as after the report."))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    finding = models.CharField(_("finding"), max_length=20, choices=Finding.choices, blank=True)
    cause_evidence = models.TextField(
        _("evidence of the cause"), blank=True,
        help_text=_("What shows the deliberate breach, gross negligence or fraud that lifts the cap (terms §22d)."))
    cap = MoneyField(_("cap applied"), max_digits=10, decimal_places=2, null=True, blank=True, default_currency=None)
    holder_share = MoneyField(_("holder's share"), max_digits=18, decimal_places=2, null=True, blank=True,
                              default_currency=None)
    share_posting = models.OneToOneField(Posting, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                         verbose_name=_("holder's share re-debit"))
    opened_at = models.DateTimeField(_("opened at"))
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now(), db_index=True)  # SPEC 16

    class Meta:
        verbose_name = _("unauthorized-use incident")
        verbose_name_plural = _("unauthorized-use incidents")
        ordering = ["opened_at"]
        constraints = [
            # One open incident per card: every unauthorized dispute on it joins that incident.
            models.UniqueConstraint(fields=["card"], condition=models.Q(status="open"),
                                    name="one_open_incident_per_card"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.card} {self.get_kind_display()} {self.reported_on}"


class Dispute(models.Model):
    """A holder's dispute of one posted charge (SPEC section 12, terms §7)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        INVESTIGATING = "investigating", _("Investigating")
        WON = "won", _("Won: credit stands")
        LOST = "lost", _("Lost: re-debited")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    ACTIVE = (Status.OPEN, Status.INVESTIGATING)

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="disputes",
                                verbose_name=_("account"))
    charge = models.ForeignKey(Posting, on_delete=models.PROTECT, related_name="disputes",
                               verbose_name=_("disputed charge"))
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("statement that billed the charge"))
    reason = models.CharField(_("reason"), max_length=24, choices=DisputeReason.choices)
    amount = MoneyField(_("disputed amount"), max_digits=18, decimal_places=2, default_currency=None,
                        help_text=_("The part of the charge disputed."))
    fee_amount = MoneyField(_("fees credited with it"), max_digits=18, decimal_places=2, default_currency=None,
                            help_text=_("The charge's currency-conversion and cash fees, pro rata."))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    late = models.BooleanField(_("late"), default=False,
                               help_text=_("Opened more than the allowed time after the statement date."))
    incident = models.ForeignKey(UnauthorizedUseIncident, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="disputes", verbose_name=_("unauthorized-use incident"))
    credit_posting = models.OneToOneField(Posting, on_delete=models.PROTECT, null=True, blank=True,
                                          related_name="+", verbose_name=_("temporary credit"))
    reversal_posting = models.OneToOneField(Posting, on_delete=models.PROTECT, null=True, blank=True,
                                            related_name="+", verbose_name=_("re-debit"))
    opened_on = models.DateField(_("opened on"))
    opened_at = models.DateTimeField(_("opened at"))
    opened_by = models.CharField(_("opened by"), max_length=150)
    status_changed_at = models.DateTimeField(_("status changed at"))
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now(), db_index=True)  # SPEC 16

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["opened_at", "id"]
        # Ops powers finer than "change" (SPEC section 17, accounts.roles).
        permissions = [
            ("decide_dispute", "Can decide disputes and unauthorized-use incidents"),
        ]
        indexes = [models.Index(fields=["status", "opened_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="dispute_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.charge.description or self.charge.kind}"

    @property
    def credited(self):
        return self.amount + self.fee_amount

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


def evidence_upload_to(instance: Evidence, filename: str) -> str:
    # The stored name never uses the holder's file name: it is kept in `original_name` for display.
    case = f"dispute-{instance.dispute_id}" if instance.dispute_id else f"refund-{instance.refund_request_id}"
    extension = os.path.splitext(filename)[1].lower()
    return f"disputes/{case}/{instance.uid}{extension if extension in ('.pdf', '.png', '.jpg') else ''}"


class RefundRequest(models.Model):
    """A request to refund an authorized charge whose amount exceeded what the holder could
    reasonably expect (terms §23): EEA merchants only, within 8 weeks of the statement date, decided
    within 10 bank days of complete information."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted: information complete")
        AWAITING_INFORMATION = "awaiting_information", _("Awaiting information from the holder")
        GRANTED = "granted", _("Granted: refunded")
        REFUSED = "refused", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    OPEN = (Status.SUBMITTED, Status.AWAITING_INFORMATION)

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="refund_requests",
                                verbose_name=_("account"))
    charge = models.ForeignKey(Posting, on_delete=models.PROTECT, related_name="refund_requests",
                               verbose_name=_("charge"))
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("statement that billed the charge"))
    expected_amount = MoneyField(_("amount the holder expected"), max_digits=18, decimal_places=2,
                                 default_currency=None)
    explanation = models.TextField(_("why the amount exceeds what could be expected"))
    status = models.CharField(_("status"), max_length=24, choices=Status.choices, default=Status.SUBMITTED)
    submitted_on = models.DateField(_("submitted on"))
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by = models.CharField(_("submitted by"), max_length=150)
    information_complete_on = models.DateField(_("information complete on"), null=True, blank=True)
    decision_due_on = models.DateField(_("decision due on"), null=True, blank=True)
    overdue_since = models.DateField(_("decision overdue since"), null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    credit_posting = models.OneToOneField(Posting, on_delete=models.PROTECT, null=True, blank=True,
                                          related_name="+", verbose_name=_("refund"))
    status_changed_at = models.DateTimeField(_("status changed at"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now(), db_index=True)  # SPEC 16

    class Meta:
        verbose_name = _("refund request")
        verbose_name_plural = _("refund requests")
        ordering = ["decision_due_on", "submitted_at", "id"]
        # Ops powers finer than "change" (SPEC section 17, accounts.roles).
        permissions = [
            ("decide_refund", "Can decide refund requests"),
        ]
        indexes = [models.Index(fields=["status", "decision_due_on"])]
        constraints = [
            models.UniqueConstraint(fields=["charge"], condition=models.Q(status__in=["submitted",
                                                                                      "awaiting_information",
                                                                                      "granted"]),
                                    name="one_live_refund_request_per_charge"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.charge.description or self.charge.kind}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class Evidence(models.Model):
    """A note or a file (PDF, PNG or JPEG) the holder or ops add to a dispute or refund request."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, null=True, blank=True, related_name="evidence",
                                verbose_name=_("dispute"))
    refund_request = models.ForeignKey(RefundRequest, on_delete=models.CASCADE, null=True, blank=True,
                                       related_name="evidence", verbose_name=_("refund request"))
    uid = models.CharField(_("storage id"), max_length=32, unique=True, editable=False)
    note = models.TextField(_("note"), blank=True)
    file = models.FileField(_("file"), upload_to=evidence_upload_to, max_length=200, blank=True)
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(_("content type"), max_length=40, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    added_at = models.DateTimeField(_("added at"))
    added_by = models.CharField(_("added by"), max_length=150)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["added_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(dispute__isnull=False, refund_request__isnull=True)
                           | models.Q(dispute__isnull=True, refund_request__isnull=False)),
                name="evidence_belongs_to_one_case",
            ),
            models.CheckConstraint(condition=~models.Q(note="") | ~models.Q(file=""), name="evidence_not_empty"),
        ]

    def __str__(self) -> str:
        return self.original_name or self.note[:50]


class CaseEvent(models.Model):
    """The audit trail (SPEC section 12): every change to a dispute, incident or refund request,
    timestamped, with who made it."""

    class Action(models.TextChoices):
        OPENED = "opened", _("Opened")
        CREDITED = "credited", _("Temporary credit posted")
        EVIDENCE_ADDED = "evidence_added", _("Evidence added")
        STATUS_CHANGED = "status_changed", _("Status changed")
        REDEBITED = "redebited", _("Re-debited")
        INCIDENT_LINKED = "incident_linked", _("Joined an unauthorized-use incident")
        INCIDENT_RESOLVED = "incident_resolved", _("Incident resolved")
        INFORMATION_REQUESTED = "information_requested", _("Information requested")
        INFORMATION_COMPLETE = "information_complete", _("Information complete")
        DECISION_OVERDUE = "decision_overdue", _("Decision overdue")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, null=True, blank=True, related_name="events",
                                verbose_name=_("dispute"))
    incident = models.ForeignKey(UnauthorizedUseIncident, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="events", verbose_name=_("incident"))
    refund_request = models.ForeignKey(RefundRequest, on_delete=models.CASCADE, null=True, blank=True,
                                       related_name="events", verbose_name=_("refund request"))
    action = models.CharField(_("action"), max_length=24, choices=Action.choices)
    from_status = models.CharField(_("from status"), max_length=24, blank=True)
    to_status = models.CharField(_("to status"), max_length=24, blank=True)
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("at"))
    on = models.DateField(_("business day"))
    by_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+", verbose_name=_("by user"))
    by_token = models.ForeignKey(ApiToken, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                 verbose_name=_("by API token"))
    by = models.CharField(_("by"), max_length=150, help_text=_("Who, as shown: a user name, an API token, or the "
                                                                "system."))

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(dispute__isnull=False) | models.Q(incident__isnull=False)
                           | models.Q(refund_request__isnull=False)),
                name="case_event_names_a_case",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.by}: {self.get_action_display()}"

    @property
    def to_status_label(self) -> str:
        """The new status in the reader's words, never its stored value (issue 19 item 8)."""
        owner = Dispute if self.dispute_id else RefundRequest if self.refund_request_id else UnauthorizedUseIncident
        return str(dict(owner.Status.choices).get(self.to_status, self.to_status))


class RecurringStop(models.Model):
    """A stop of a merchant's recurring charges on a card (terms §16, SPEC section 11; issue 16 item 9).

    From `effective_from` (the bank day after it was registered) that merchant's recurring
    authorizations decline `recurring_stopped`, and a charge from it presented later is disputed as a
    cancelled recurring charge with the temporary credit (SPEC section 12). `merchant_key` is the name
    as matched: case-folded, whitespace collapsed (disputes.recurring_stops.merchant_key).
    """

    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="recurring_stops")
    merchant_name = models.CharField(_("merchant"), max_length=100)
    merchant_key = models.CharField(max_length=100, editable=False)
    mcc = models.CharField(_("MCC"), max_length=4, blank=True, default="",
                           help_text=_("Optional: only this kind of merchant under the name."))
    registered_on = models.DateField(_("registered on"))
    effective_from = models.DateField(_("effective from"))
    registered_by = models.CharField(_("registered by"), max_length=150)
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    revoked_by = models.CharField(_("revoked by"), max_length=150, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now(), db_index=True)  # SPEC 16

    class Meta:
        verbose_name = _("recurring-charge stop")
        verbose_name_plural = _("recurring-charge stops")
        ordering = ["-registered_on", "-id"]
        indexes = [models.Index(fields=["card", "merchant_key"], name="recurring_stop_card_merchant")]

    def __str__(self) -> str:
        return f"{self.merchant_name} ({self.card_id})"
