"""Disputes and refund requests over the API (SPEC section 12). Serializers parse and present;
every rule lives in disputes.services."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from disputes.attachments import max_attachment_bytes
from disputes.models import CaseEvent, Dispute, DisputeReason, Evidence, RefundRequest, UnauthorizedUseIncident
from statements.rendering import formatting as fmt


@extend_schema_field({"type": "string", "nullable": True, "pattern": r"^-?\d+(\.\d+)?$", "example": "1000.00"})
class MoneyAmountField(serializers.Field):
    """A MoneyField attribute as a string with its currency's decimals."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value) -> str | None:
        return None if value is None else fmt.amount_string(value.amount, str(value.currency))


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseEvent
        fields = ["at", "on", "by", "action", "from_status", "to_status", "note"]


class EvidenceSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = ["id", "note", "original_name", "content_type", "size", "added_at", "added_by", "download_url"]

    def get_download_url(self, evidence: Evidence) -> str | None:
        if not evidence.file:
            return None
        name = "dispute-evidence-file" if evidence.dispute_id else "refund-request-evidence-file"
        case = evidence.dispute_id or evidence.refund_request_id
        return reverse(name, kwargs={"pk": case, "evidence_id": evidence.pk})


class IncidentSerializer(serializers.ModelSerializer):
    cap = MoneyAmountField()
    holder_share = MoneyAmountField()

    class Meta:
        model = UnauthorizedUseIncident
        fields = ["id", "kind", "reported_on", "status", "finding", "cap", "holder_share", "resolved_on"]


class DisputeSerializer(serializers.ModelSerializer):
    account_number = serializers.CharField(source="account.number")
    charge_id = serializers.IntegerField(source="charge.pk")
    charge_description = serializers.CharField(source="charge.description")
    charge_amount = MoneyAmountField(source="charge.amount")
    transaction_date = serializers.DateField(source="charge.transaction_date")
    statement_date = serializers.DateField(source="statement.statement_date", allow_null=True, default=None)
    amount = MoneyAmountField()
    fee_amount = MoneyAmountField()
    credited = MoneyAmountField()
    temporary_credit = serializers.SerializerMethodField(
        help_text="Whether the credit is posted: at once for an error or misuse (terms §22g), for a goods complaint "
                  "(not_received, defective) only when it is won (terms §21a; issue 16 item 7).")
    currency = serializers.CharField(source="account.currency")
    incident = IncidentSerializer(allow_null=True)
    evidence = EvidenceSerializer(many=True)
    events = EventSerializer(many=True)

    class Meta:
        model = Dispute
        fields = ["id", "account_number", "charge_id", "charge_description", "charge_amount", "transaction_date",
                  "statement_date", "reason", "status", "late", "amount", "fee_amount", "credited", "temporary_credit",
                  "currency", "opened_on", "opened_at", "opened_by", "status_changed_at", "resolved_on", "incident",
                  "evidence",
                  "events", "created_at", "updated_at"]


    def get_temporary_credit(self, dispute: Dispute) -> bool:
        return dispute.credit_posting_id is not None


class DisputeListSerializer(DisputeSerializer):
    class Meta(DisputeSerializer.Meta):
        fields = [name for name in DisputeSerializer.Meta.fields if name not in ("evidence", "events")]


class DisputeCreateSerializer(serializers.Serializer):
    charge_id = serializers.IntegerField(help_text="The posting id of the charge (see an account's postings).")
    reason = serializers.ChoiceField(choices=DisputeReason.choices)
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, required=False, allow_null=True,
                                      help_text="The part disputed; default: all that is left to dispute.")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    file = serializers.FileField(required=False, allow_null=True,
                                 help_text=f"PDF, PNG or JPEG, at most {max_attachment_bytes()} bytes.")


class EvidenceCreateSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    file = serializers.FileField(required=False, allow_null=True, help_text="PDF, PNG or JPEG.")


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class TransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[Dispute.Status.INVESTIGATING, Dispute.Status.WON,
                                              Dispute.Status.LOST])
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class RefundRequestSerializer(serializers.ModelSerializer):
    account_number = serializers.CharField(source="account.number")
    charge_id = serializers.IntegerField(source="charge.pk")
    charge_description = serializers.CharField(source="charge.description")
    charge_amount = MoneyAmountField(source="charge.amount")
    merchant_country = serializers.CharField(source="charge.merchant_country")
    statement_date = serializers.DateField(source="statement.statement_date", allow_null=True, default=None)
    expected_amount = MoneyAmountField()
    currency = serializers.CharField(source="account.currency")
    evidence = EvidenceSerializer(many=True)
    events = EventSerializer(many=True)

    class Meta:
        model = RefundRequest
        fields = ["id", "account_number", "charge_id", "charge_description", "charge_amount", "merchant_country",
                  "statement_date", "expected_amount", "currency", "explanation", "status", "submitted_on",
                  "submitted_at", "submitted_by", "information_complete_on", "decision_due_on", "overdue_since",
                  "decided_on", "decision_reason", "evidence", "events", "created_at", "updated_at"]


class RefundRequestListSerializer(RefundRequestSerializer):
    class Meta(RefundRequestSerializer.Meta):
        fields = [name for name in RefundRequestSerializer.Meta.fields if name not in ("evidence", "events")]


class RefundRequestCreateSerializer(serializers.Serializer):
    charge_id = serializers.IntegerField()
    expected_amount = serializers.DecimalField(max_digits=18, decimal_places=2,
                                               help_text="What you could reasonably expect to pay.")
    explanation = serializers.CharField(max_length=5000)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    file = serializers.FileField(required=False, allow_null=True)
