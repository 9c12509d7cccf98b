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
    request_hash = models.CharField(_("request hash"), max_length=64)
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
