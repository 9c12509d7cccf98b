"""EuroBonus over the API: presentation only; writes go through rewards.services."""

from __future__ import annotations

from rest_framework import serializers

from rewards.models import Enrolment, EnrolmentEvent, ExportBatch, PointsPosting


class EnrolmentEventSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="actor_label", read_only=True)

    class Meta:
        model = EnrolmentEvent
        fields = ["kind", "on", "member_number", "by", "reason", "created_at"]
        read_only_fields = fields


class EnrolmentSerializer(serializers.ModelSerializer):
    account_number = serializers.CharField(source="account.number", read_only=True)
    company_number = serializers.CharField(source="account.company.number", read_only=True)
    cardmember_name = serializers.CharField(source="account.cardmember.full_name", read_only=True)
    fee_date = serializers.DateField(source="fee_anchor", read_only=True, allow_null=True,
                                     help_text="The EuroBonus fee falls on this date and each anniversary.")
    points_balance = serializers.IntegerField(read_only=True, help_text="Points awarded so far (net of reversals).")

    class Meta:
        model = Enrolment
        fields = ["id", "account_number", "company_number", "cardmember_name", "member_number", "status", "source",
                  "requested_on", "first_enrolled_on", "fee_date", "active_since", "suspended_on", "ended_on",
                  "points_balance", "created_at", "updated_at"]
        read_only_fields = fields


class EnrolmentDetailSerializer(EnrolmentSerializer):
    events = EnrolmentEventSerializer(many=True, read_only=True)

    class Meta(EnrolmentSerializer.Meta):
        fields = [*EnrolmentSerializer.Meta.fields, "events"]
        read_only_fields = fields


class EnrolmentRequestSerializer(serializers.Serializer):
    account_number = serializers.CharField(max_length=20)
    member_number = serializers.CharField(max_length=20, help_text="The SAS EuroBonus number, e.g. EBS123456789.")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000,
                                   help_text="Told to the cardmember; required to suspend or end.")


class PointsPostingSerializer(serializers.ModelSerializer):
    account_number = serializers.CharField(source="account.number", read_only=True)
    statement_id = serializers.IntegerField(read_only=True)
    batch_reference = serializers.CharField(source="batch.reference", read_only=True, allow_null=True, default=None)
    batch_status = serializers.CharField(source="batch.status", read_only=True, allow_null=True, default=None)
    spend_per_point = serializers.DecimalField(source="rule.spend_per_point", max_digits=10, decimal_places=2,
                                               read_only=True)

    class Meta:
        model = PointsPosting
        fields = ["account_number", "statement_id", "statement_date", "period_start", "member_number", "currency",
                  "eligible_spend", "counted_spend", "carried_in", "carried_out", "spend_per_point", "points",
                  "cumulative_spend", "cumulative_points", "forfeited", "days_past_due", "batch_reference",
                  "batch_status", "sas_status", "sas_reason", "id", "created_at", "updated_at"]
        read_only_fields = fields


class ExportBatchSerializer(serializers.ModelSerializer):
    accrued_points = serializers.IntegerField(read_only=True)
    accrued_lines = serializers.IntegerField(read_only=True)
    overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = ExportBatch
        fields = ["reference", "month", "status", "accrued_lines", "accrued_points", "line_count", "control_total",
                  "exported_on", "confirmed_on", "accepted_points", "rejected_points", "overdue",
                  "id", "created_at", "updated_at"]
        read_only_fields = fields
