"""The audit trail (SPEC section 1: every change audited; section 15).

One event table per tracked model, filled by PostgreSQL triggers (django-pghistory), so every
insert, update and delete is recorded whatever wrote it: a service's `save()`, a queryset
`update()`, `bulk_create`, or raw SQL. Each event carries the row as it was after the change (as
it was before, for a delete) and links to a context: who (user, API token), from where (URL,
client address, request id) or which command or Celery task (audit.context).

The event models live here, not in the tracked apps, so auditing adds no migration elsewhere. The
triggers are installed by pgtrigger after every `migrate` (PGTRIGGER_INSTALL_ON_MIGRATE); on SQLite
there are no triggers and these tables stay empty (README, "Audit trail").
"""

from __future__ import annotations

import pghistory
from django.contrib.auth import get_user_model
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import (
    Account,
    Card,
    Cardmember,
    Company,
    ProgrammeAdministrator,
    ProgrammeRules,
    SpendingControls,
)
from disputes.models import Dispute, RefundRequest
from documents.models import IssuerDetails, IssuerPhoneLine
from fees.models import FeeSchedule
from rewards.models import Enrolment

User = get_user_model()

def _event_model(
    model: type[models.Model], name: str, verbose_name, verbose_name_plural, **kwargs
) -> type[models.Model]:
    """The event model of `model`: append-only (a database trigger refuses UPDATE and DELETE, except
    where the pseudonymisation step scrubs personal data, audit.pseudonymisation)."""
    return pghistory.create_event_model(
        model,
        # Fresh trackers per model: a tracker keeps the fields its update condition watches.
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        app_label="audit",
        model_name=name,
        abstract=False,
        append_only=True,
        obj_field=pghistory.ObjForeignKey(related_name="audit_events", related_query_name="audit_event"),
        meta={
            "verbose_name": verbose_name,
            "verbose_name_plural": verbose_name_plural,
            "ordering": ["-pgh_created_at", "-pgh_id"],
        },
        fields=FIELDS[name],
        **kwargs,
    )


# The fields each event keeps are listed, not derived: a field added to a tracked model later needs a
# migration here before its trigger may write it, so a new field is audited once it is added below.
FIELDS = {
    "CompanyEvent": [
        "number",
        "legal_name",
        "vat_number",
        "market",
        "billing_type",
        "default_liability",
        "credit_limit_currency",
        "credit_limit",
        "annual_fee_currency",
        "annual_fee",
        "cash_allowed",
        "eurobonus_allowed",
        "payment_terms_days",
        "blocked_mccs",
        "requires_activation",
        "address_line",
        "postal_code",
        "city",
        "country",
        "iban",
        "bic",
        "authorised_signatories",
        "status",
        "created_at",
    ],
    "ProgrammeAdministratorEvent": ["user", "phone", "language"],
    "ProgrammeAdministratorCompanyEvent": ["programmeadministrator", "company"],
    "CardmemberEvent": [
        "company",
        "user",
        "employee_id",
        "cost_centre",
        "first_name",
        "last_name",
        "email",
        "phone",
        "address_line",
        "postal_code",
        "city",
        "country",
        "language",
        "contact_valid",
        "eurobonus_number",
        "eurobonus_enrolled_on",
        "created_at",
    ],
    "AccountEvent": [
        "number",
        "company",
        "cardmember",
        "liability",
        "billing_type",
        "currency",
        "cycle_day",
        "status",
        "standing_hold",
        "standing_cause",
        "opened_on",
        "closed_on",
    ],
    "CardEvent": [
        "account",
        "pan_hash",
        "last4",
        "expiry",
        "status",
        "replaces",
        "contactless",
        "cash_enabled",
        "monthly_limit_currency",
        "monthly_limit",
        "blocked_mccs",
        "issued_on",
        "status_changed_on",
        "blocked_by",
        "block_reason",
    ],
    "SpendingControlsEvent": [
        "company",
        "card",
        "allowed_mccs",
        "blocked_mccs",
        "allowed_countries",
        "blocked_countries",
        "authorization_limit",
        "daily_limit",
        "monthly_limit",
        "period_limit",
        "cash_transaction_limit",
        "cash_daily_limit",
        "cash_period_limit",
        "contactless_charge_limit",
        "contactless_cumulative_limit",
        "contactless_cumulative_count",
        "updated_at",
    ],
    "FeeScheduleEvent": [
        "market",
        "currency",
        "effective_from",
        "published_on",
        "label",
        "annual_fee_max",
        "reminder_fee",
        "fx_fee_percent",
        "cash_fee_percent",
        "cash_fee_minimum",
        "eurobonus_fee",
        "late_interest_margin_percent",
        "created_at",
    ],
    "ProgrammeRulesEvent": [
        "market",
        "effective_from",
        "reminder_days_after_due",
        "reminder_interval_days",
        "suspend_dpd",
        "collections_dpd",
        "hold_days",
        "card_validity_months",
        "card_renewal_lead_days",
        "card_unused_months",
        "card_reissue_window_months",
        "card_closure_notice_months",
        "currency",
        "contactless_charge_limit",
        "contactless_cumulative_limit",
        "contactless_count_limit",
        "created_at",
    ],
    "DisputeEvent": [
        "account",
        "charge",
        "statement",
        "reason",
        "amount_currency",
        "amount",
        "fee_amount_currency",
        "fee_amount",
        "status",
        "late",
        "incident",
        "credit_posting",
        "reversal_posting",
        "opened_on",
        "opened_at",
        "opened_by",
        "status_changed_at",
        "resolved_on",
    ],
    "RefundRequestEvent": [
        "account",
        "charge",
        "statement",
        "expected_amount_currency",
        "expected_amount",
        "explanation",
        "status",
        "submitted_on",
        "submitted_at",
        "submitted_by",
        "information_complete_on",
        "decision_due_on",
        "overdue_since",
        "decided_on",
        "decision_reason",
        "credit_posting",
        "status_changed_at",
    ],
    "EnrolmentEvent": [
        "account",
        "member_number",
        "status",
        "source",
        "requested_on",
        "first_enrolled_on",
        "fee_anchor",
        "active_since",
        "suspended_on",
        "ended_on",
        "updated_at",
    ],
    "IssuerDetailsEvent": [
        "market",
        "effective_from",
        "legal_name",
        "registration",
        "address",
        "payee_name",
        "iban",
        "bic",
        "reference_rule",
        "complaint_address",
        "source_note",
        "created_at",
    ],
    "IssuerPhoneLineEvent": ["issuer", "line", "phone", "days", "opens", "closes"],
    "UserEvent": ["username", "first_name", "last_name", "email", "is_active", "is_staff", "is_superuser"],
}

CompanyEvent = _event_model(Company, "CompanyEvent", _("company change"), _("company changes"))
ProgrammeAdministratorEvent = _event_model(
    ProgrammeAdministrator,
    "ProgrammeAdministratorEvent",
    _("programme administrator change"),
    _("programme administrator changes"),
)
# A PA given or losing a company: the rows of the many-to-many table.
ProgrammeAdministratorCompanyEvent = _event_model(
    ProgrammeAdministrator.companies.through,
    "ProgrammeAdministratorCompanyEvent",
    _("programme administrator company change"),
    _("programme administrator company changes"),
)
CardmemberEvent = _event_model(Cardmember, "CardmemberEvent", _("cardmember change"), _("cardmember changes"))
AccountEvent = _event_model(Account, "AccountEvent", _("account change"), _("account changes"))
CardEvent = _event_model(Card, "CardEvent", _("card change"), _("card changes"))
SpendingControlsEvent = _event_model(
    SpendingControls, "SpendingControlsEvent", _("spending controls change"), _("spending controls changes")
)
FeeScheduleEvent = _event_model(FeeSchedule, "FeeScheduleEvent", _("fee schedule change"), _("fee schedule changes"))
ProgrammeRulesEvent = _event_model(
    ProgrammeRules, "ProgrammeRulesEvent", _("programme rules change"), _("programme rules changes")
)
DisputeEvent = _event_model(Dispute, "DisputeEvent", _("dispute change"), _("dispute changes"))
RefundRequestEvent = _event_model(
    RefundRequest, "RefundRequestEvent", _("refund request change"), _("refund request changes")
)
EnrolmentEvent = _event_model(
    Enrolment, "EnrolmentEvent", _("EuroBonus enrolment change"), _("EuroBonus enrolment changes")
)
# The issuer's details per market (SPEC section 15; issue 16 item 11): ops edit them in the admin.
IssuerDetailsEvent = _event_model(
    IssuerDetails, "IssuerDetailsEvent", _("issuer details change"), _("issuer details changes")
)
IssuerPhoneLineEvent = _event_model(
    IssuerPhoneLine, "IssuerPhoneLineEvent", _("issuer phone line change"), _("issuer phone line changes")
)
# Portal and admin users; the password hash and the last login are deliberately left out.
UserEvent = _event_model(User, "UserEvent", _("user change"), _("user changes"))

EVENT_MODELS = (
    CompanyEvent,
    ProgrammeAdministratorEvent,
    ProgrammeAdministratorCompanyEvent,
    CardmemberEvent,
    AccountEvent,
    CardEvent,
    SpendingControlsEvent,
    FeeScheduleEvent,
    ProgrammeRulesEvent,
    DisputeEvent,
    RefundRequestEvent,
    EnrolmentEvent,
    IssuerDetailsEvent,
    IssuerPhoneLineEvent,
    UserEvent,
)


class Pseudonymisation(models.Model):
    """A cardmember whose personal data was replaced by pseudonyms after the retention period (SPEC
    section 15). The row makes the step idempotent; the ledger and statements are untouched."""

    cardmember = models.OneToOneField(
        "accounts.Cardmember",
        on_delete=models.PROTECT,
        related_name="pseudonymisation",
        verbose_name=_("cardmember"),
    )
    pseudonym = models.CharField(_("pseudonym"), max_length=40, unique=True)
    on = models.DateField(_("business day"))
    last_account_closed_on = models.DateField(_("last account closed on"))
    at = models.DateTimeField(_("pseudonymised at"), auto_now_add=True)

    class Meta:
        verbose_name = _("pseudonymisation")
        verbose_name_plural = _("pseudonymisations")
        ordering = ["-on", "-id"]

    def __str__(self) -> str:
        return self.pseudonym
