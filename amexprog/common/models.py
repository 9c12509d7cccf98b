from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class BusinessDate(models.Model):
    """The last day whose daily jobs have all completed (a single row, id=1).

    `run_cycle` advances it one day at a time, so a run that stops part-way resumes at the first
    day not completed (DESIGN "Time").
    """

    last_completed = models.DateField(_("last completed business day"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("business date")
        verbose_name_plural = _("business date")

    def __str__(self) -> str:
        return str(self.last_completed or "—")


class CycleStepRun(models.Model):
    """One registered daily step run for one business day, with what it did."""

    day = models.DateField(_("business day"))
    step = models.CharField(_("step"), max_length=64)
    count = models.PositiveIntegerField(_("items processed"), default=0)
    completed_at = models.DateTimeField(_("completed at"), auto_now=True)
    # The cycle monitor (issue 19 item 12): when the step began, and why it stopped if it failed (then
    # `completed_at` is when it failed, and a re-run of the day replaces the record).
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    error = models.TextField(_("failure"), blank=True, default="")

    class Meta:
        verbose_name = _("cycle step run")
        verbose_name_plural = _("cycle step runs")
        constraints = [models.UniqueConstraint(fields=["day", "step"], name="cycle_step_once_per_day")]
        ordering = ["-day", "step"]

    def __str__(self) -> str:
        return f"{self.day} {self.step}"


class IdempotencyRecord(models.Model):
    """The first response to a POST carrying an Idempotency-Key (SPEC section 16)."""

    scope = models.CharField(_("caller"), max_length=128)
    key = models.CharField(_("idempotency key"), max_length=255)
    # HMAC-SHA256 (settings.REQUEST_HMAC_KEY) of method, path and body, never an unkeyed hash: the body
    # may hold a card number (issue 15 item 7). Empty on records from before that change (erased).
    request_hash = models.CharField(_("request HMAC"), max_length=64, blank=True)
    method_path = models.CharField(_("method and path"), max_length=512)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    content_type = models.CharField(_("content type"), max_length=128, blank=True)
    body = models.BinaryField(_("response body"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_key_once_per_caller")]

    def __str__(self) -> str:
        return self.key

    @property
    def completed(self) -> bool:
        return self.status_code is not None


class ChunkRun(models.Model):
    """Progress of one chunk of accounts of one fanned-out daily step (DESIGN "Jobs").

    The cycle records each chunk as it completes, so a run whose worker died re-sends only the
    chunks still missing; the chunk's own work is idempotent, so a chunk run twice changes nothing.
    """

    day = models.DateField(_("business day"))
    step = models.CharField(_("step"), max_length=64)
    first_id = models.BigIntegerField(_("first account id"))
    last_id = models.BigIntegerField(_("last account id"))
    size = models.PositiveIntegerField(_("accounts"))
    count = models.PositiveIntegerField(_("items produced"), default=0)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("chunk run")
        verbose_name_plural = _("chunk runs")
        constraints = [
            models.UniqueConstraint(fields=["day", "step", "first_id", "last_id"], name="chunk_once_per_day_step"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.step} {self.first_id}–{self.last_id}"


class CycleMonitor(BusinessDate):
    """The admin's read-only cycle monitor (issue 19 item 12): days run, steps, chunks, durations and failures,
    instead of the cycle's raw records. A proxy, so the monitor has a permission of its own."""

    class Meta:
        proxy = True
        verbose_name = _("cycle monitor")
        verbose_name_plural = _("cycle monitor")
