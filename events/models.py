"""Events and webhooks (SPEC section 16, issue 18 item 7).

An Event is a row of the outbox: written by the domain services in the same transaction as the change,
so a rolled-back change leaves no event and a committed one always has its event. Its per-company
number (`seq`) is given after commit by `events.services.events_sequence`, in commit order, so a reader
walking `?after=` or a webhook delivering in order never skips an event that committed late (a global
id taken at insert time would: a long transaction commits its lower ids after higher ones). A bulk path
may write one row for many events of the same type (`object_ids`); numbering expands it in place.
"""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from accounts.models import Company
from amexprog.common.encryption import EncryptedTextField


class EventType(models.TextChoices):
    AUTHORIZATION_APPROVED = "authorization.approved", "authorization.approved"
    AUTHORIZATION_DECLINED = "authorization.declined", "authorization.declined"
    HOLD_SETTLED = "hold.settled", "hold.settled"
    HOLD_EXPIRED = "hold.expired", "hold.expired"
    POSTING_CREATED = "posting.created", "posting.created"
    STATEMENT_READY = "statement.ready", "statement.ready"
    PAYMENT_RECEIVED = "payment.received", "payment.received"
    PAYMENT_RETURNED = "payment.returned", "payment.returned"
    CARD_ISSUED = "card.issued", "card.issued"
    CARD_STATUS_CHANGED = "card.status_changed", "card.status_changed"
    CARD_UPDATED = "card.updated", "card.updated"
    ACCOUNT_STANDING_CHANGED = "account.standing_changed", "account.standing_changed"
    ACCOUNT_STATUS_CHANGED = "account.status_changed", "account.status_changed"
    DISPUTE_OPENED = "dispute.opened", "dispute.opened"
    DISPUTE_UPDATED = "dispute.updated", "dispute.updated"
    DISPUTE_RESOLVED = "dispute.resolved", "dispute.resolved"
    NOTICE_CREATED = "notice.created", "notice.created"


class Event(models.Model):
    """One change an integrator cares about, with the object as it is after the change (SPEC section 16)."""

    # No foreign-key check per row: the bulk paths insert a whole file's events in one statement and the
    # company is the one of the account the change touched (as ledger postings do, issue 17 item 4).
    company = models.ForeignKey(Company, on_delete=models.PROTECT, db_constraint=False, db_index=False,
                                related_name="+", verbose_name=_("company"))
    seq = models.BigIntegerField(_("number"), null=True, blank=True,
                                 help_text=_("Increases by one per company, in the order the changes committed."))
    type = models.CharField(_("type"), max_length=40, choices=EventType.choices)
    data = models.JSONField(_("object"), default=dict, blank=True)
    # A posting is append-only, so a bulk path's posting.created names it instead of copying it: the
    # event reads the same when shown (events.payloads.events_hydrate) and the import writes a narrow row.
    object_id = models.BigIntegerField(_("object id"), null=True, blank=True)
    # A bulk path's batch (issue 18 item 7): one outbox row per company and statement naming every posting
    # it wrote. It is never shown: `events_sequence` replaces it by one numbered event per id (with
    # `object_id`, in id order) at the batch's place in the company's order, so a file's events cost its
    # import about a hundred rows.
    object_ids = models.JSONField(_("object ids (a batch)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            # Only numbered events are in it: the bulk paths insert their events without touching it, the
            # numbering (after commit, off the change's path) fills it.
            models.UniqueConstraint(fields=["company", "seq"], condition=models.Q(seq__isnull=False),
                                    name="event_seq_unique_per_company"),
        ]
        indexes = [
            # The sequencer's work list: events committed but not yet numbered.
            models.Index(fields=["company", "id"], condition=models.Q(seq__isnull=True), name="event_unnumbered"),
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.seq or '…'}"


class EventSequence(models.Model):
    """The last number given to a company's events; locked only while numbering (never by a change)."""

    company = models.OneToOneField(Company, on_delete=models.CASCADE, primary_key=True, related_name="+",
                                   verbose_name=_("company"))
    last = models.BigIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("event sequence")
        verbose_name_plural = _("event sequences")

    def __str__(self) -> str:
        return f"{self.company_id}: {self.last}"


class WebhookEndpoint(models.Model):
    """A company's URL that receives its events, signed with the endpoint's secret (SPEC section 16).

    `delivered_through` is the number of the last event delivered (or given up after 3 days): the next
    one waits for it, so a company's events arrive in order. A rotated secret keeps signing beside the
    new one until `previous_secret_expires_at`."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="webhook_endpoints",
                                verbose_name=_("company"))
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    # Encrypted at rest under FIELD_ENCRYPTION_KEY (amexprog.common.encryption): the attribute is the secret.
    secret = EncryptedTextField(_("signing secret"), editable=False)
    previous_secret = EncryptedTextField(_("previous signing secret"), blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(_("previous secret valid until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    # SPEC 16: every resource has updated_at (revocation, rotation and deliveries move it).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now(), db_index=True)
    created_by = models.CharField(_("created by"), max_length=150, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.CharField(_("revoked by"), max_length=150, blank=True)
    delivered_through = models.BigIntegerField(_("delivered through event"), default=0)
    failures = models.PositiveIntegerField(_("failed attempts for the waiting event"), default=0)
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["company", "pk"]

    def __str__(self) -> str:
        return self.url

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class WebhookAttempt(models.Model):
    """One try at delivering an event to an endpoint: what the receiver answered, or why it could not."""

    SYNC_FIELD = "attempted_at"  # an attempt never changes: `updated_after` compares when it was made (SPEC 16)

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="attempts",
                                 verbose_name=_("endpoint"))
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="attempts", verbose_name=_("event"))
    attempted_at = models.DateTimeField(_("attempted at"))
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    succeeded = models.BooleanField(_("delivered"), default=False)
    gave_up = models.BooleanField(_("given up"), default=False)
    replay = models.BooleanField(_("replay"), default=False)
    replayed_by = models.CharField(_("replayed by"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("webhook delivery attempt")
        verbose_name_plural = _("webhook delivery attempts")
        ordering = ["-attempted_at", "-pk"]
        permissions = [("replay_webhookattempt", _("Can replay a webhook delivery"))]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint} ({self.status_code or self.error})"
