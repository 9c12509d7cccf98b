"""Fee schedules, reference interest rates and reminders over the REST API (SPEC sections 7, 8).

Both are the issuer's published terms, not a company's data: every caller the API admits may read
them; only ops tokens and ops staff publish a fee schedule or set a reference rate (403 otherwise).
"""

from __future__ import annotations

from decimal import Decimal

from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from accounts.authentication import ApiClient
from accounts.roles import PUBLISH_FEE_SCHEDULE, SET_REFERENCE_RATE
from accounts.selectors import visible_accounts
from amexprog.common import clock
from amexprog.common.api import VersionFilter
from amexprog.common.idempotency import IdempotentMixin
from amexprog.common.permissions import IsOpsForWrites, IsPortalUserOrCompanyToken
from fees.models import FeeSchedule, InterestAccrual, ReferenceRate, Reminder
from fees.publishing import FIELDS, fee_schedule_publish
from fees.reference_rates import reference_rate_set

IDEMPOTENCY = OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
                               description="Replays return the first response; reuse with another body is 409.")


class FeeScheduleSerializer(serializers.ModelSerializer):
    class Meta:
        model = FeeSchedule
        fields = ["id", "market", "currency", "effective_from", "published_on", "label", *FIELDS,
                  "created_at", "updated_at"]
        read_only_fields = fields


class FeeSchedulePublishSerializer(serializers.Serializer):
    market = serializers.ChoiceField(choices=["DK", "BE"])
    effective_from = serializers.DateField(help_text="At least 2 months after today (terms §25).")
    label = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    annual_fee_max = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0"))
    reminder_fee = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0"))
    fx_fee_percent = serializers.DecimalField(max_digits=6, decimal_places=3, min_value=Decimal("0"),
                                              max_value=Decimal("100"))
    cash_fee_percent = serializers.DecimalField(max_digits=6, decimal_places=3, min_value=Decimal("0"),
                                                max_value=Decimal("100"))
    cash_fee_minimum = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0"))
    eurobonus_fee = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0"))
    late_interest_margin_percent = serializers.DecimalField(max_digits=6, decimal_places=3, min_value=Decimal("0"),
                                                            max_value=Decimal("100"), required=False,
                                                            default=Decimal("7.000"))


class FeeScheduleFilter(VersionFilter):

    class Meta:
        model = FeeSchedule
        fields = ["market", "effective_from_from", "effective_from_to"]


FEE_SCHEDULE_EXAMPLE = {
    "market": "DK", "effective_from": "2027-03-01", "label": "DK 2027", "annual_fee_max": "900.00",
    "reminder_fee": "100.00", "fx_fee_percent": "2.500", "cash_fee_percent": "4.000", "cash_fee_minimum": "50.00",
    "eurobonus_fee": "400.00", "late_interest_margin_percent": "7.000",
}


@extend_schema_view(
    list=extend_schema(summary="Fee schedule versions, per market, newest first (SPEC section 7)",
                       description="The version in force on a day is the latest one effective on or before it."),
    retrieve=extend_schema(summary="One fee schedule version"),
)
class FeeScheduleViewSet(IdempotentMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                         viewsets.GenericViewSet):
    serializer_class = FeeScheduleSerializer
    permission_classes = [IsOpsForWrites]
    ops_permissions = {"list": ("fees.view_feeschedule",), "retrieve": ("fees.view_feeschedule",),
                       "create": (PUBLISH_FEE_SCHEDULE,)}
    filterset_class = FeeScheduleFilter
    queryset = FeeSchedule.objects.order_by("market", "-effective_from")

    @extend_schema(
        request=FeeSchedulePublishSerializer, responses={201: FeeScheduleSerializer}, parameters=[IDEMPOTENCY],
        summary="Ops: publish a new fee schedule version",
        description="Takes effect at least 2 months after today (`400 fee_change_too_soon`, with `extra.earliest`);"
                    " one version per market and day (`400 fee_schedule_exists`); the late interest margin is at most "
                    "8 "
                    "points over the reference rate, the Interest Act's ceiling (`400 interest_margin_above_ceiling`)."
                    " Every affected holder, or the "
                    "company for centrally billed corporate accounts, gets a notice.",
        examples=[OpenApiExample("DK 2027", value=FEE_SCHEDULE_EXAMPLE, request_only=True)],
    )
    def create(self, request, *args, **kwargs):
        body = FeeSchedulePublishSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        by = str(request.user) if isinstance(request.user, ApiClient) else f"user:{request.user.get_username()}"
        schedule = fee_schedule_publish(published_on=clock.today(), published_by=by, **body.validated_data)
        return Response(FeeScheduleSerializer(schedule).data, status=status.HTTP_201_CREATED)


class ReferenceRateSerializer(serializers.ModelSerializer):
    rate_percent = serializers.DecimalField(max_digits=7, decimal_places=4, min_value=Decimal("-99.9999"),
                                            max_value=Decimal("99.9999"))

    class Meta:
        model = ReferenceRate
        fields = ["effective_date", "rate_percent", "id", "created_at", "updated_at"]
        # The service creates or corrects the rate of a day: no uniqueness check in the serializer.
        extra_kwargs = {"effective_date": {"validators": []}}


class ReferenceRateFilter(filters.FilterSet):
    effective_date_from = filters.DateFilter(field_name="effective_date", lookup_expr="gte")
    effective_date_to = filters.DateFilter(field_name="effective_date", lookup_expr="lte")

    class Meta:
        model = ReferenceRate
        fields = ["effective_date_from", "effective_date_to"]


@extend_schema_view(
    list=extend_schema(summary="Reference interest rates, newest first (SPEC section 8)",
                       description="Danmarks Nationalbank's lending rate from each effective date; late interest "
                                   "is this rate plus the fee schedule's margin, fixed per half year."),
)
class ReferenceRateViewSet(IdempotentMixin, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = ReferenceRateSerializer
    permission_classes = [IsOpsForWrites]
    ops_permissions = {"list": ("fees.view_referencerate",), "create": (SET_REFERENCE_RATE,)}
    filterset_class = ReferenceRateFilter
    queryset = ReferenceRate.objects.order_by("-effective_date")

    @extend_schema(
        request=ReferenceRateSerializer, responses={200: ReferenceRateSerializer, 201: ReferenceRateSerializer},
        parameters=[IDEMPOTENCY], summary="Ops: set the reference rate from a date (201 new, 200 corrected)",
        examples=[OpenApiExample("1.60 % from 1 July 2025", value={"effective_date": "2025-07-01",
                                                                   "rate_percent": "1.6000"})],
    )
    def create(self, request, *args, **kwargs):
        body = ReferenceRateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rate, created = reference_rate_set(**body.validated_data)
        return Response(ReferenceRateSerializer(rate).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ReminderSerializer(serializers.ModelSerializer):
    account_number = serializers.CharField(source="account.number", read_only=True)
    statement_id = serializers.IntegerField(read_only=True)
    fee = serializers.DecimalField(source="fee_posting.amount.amount", max_digits=18, decimal_places=2,
                                   read_only=True, allow_null=True, default=None,
                                   help_text="The reminder fee posted; null when none was charged.")
    notice_id = serializers.IntegerField(read_only=True, allow_null=True,
                                         help_text="The reminder letter the fee pays for (/api/v1/notices/{id}/); "
                                                   "null only on reminders sent before letters were kept.")

    class Meta:
        model = Reminder
        fields = ["id", "account_number", "statement_id", "arrears_since", "number", "sent_on", "unpaid", "fee",
                  "notice_id", "created_at", "updated_at"]
        read_only_fields = fields


class ReminderFilter(filters.FilterSet):
    account = filters.CharFilter(field_name="account__number", help_text="Account number.")
    company = filters.CharFilter(field_name="account__company__number", help_text="Company number.")
    sent_on_from = filters.DateFilter(field_name="sent_on", lookup_expr="gte")
    sent_on_to = filters.DateFilter(field_name="sent_on", lookup_expr="lte")

    class Meta:
        model = Reminder
        fields = ["account", "company", "number", "sent_on_from", "sent_on_to"]


@extend_schema_view(list=extend_schema(
    summary="Reminders sent for overdue statements, newest first (SPEC section 7)",
    description="At most three per arrears period, each with the unpaid amount when sent and its fee. Scoped like "
                "accounts: a company token sees its company's, a cardmember their own.",
))
class ReminderViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ReminderSerializer
    permission_classes = [IsPortalUserOrCompanyToken]
    ops_permissions = {"list": ("fees.view_reminder",)}
    filterset_class = ReminderFilter

    def get_queryset(self):
        return (Reminder.objects.filter(account__in=visible_accounts(self.request.user))
                .select_related("account", "fee_posting").order_by("-sent_on", "-id"))


class InterestAccrualSerializer(serializers.ModelSerializer):
    account_number = serializers.CharField(source="account.number", read_only=True)
    statement_id = serializers.IntegerField(read_only=True, help_text="The overdue statement the interest runs on.")
    amount = serializers.DecimalField(max_digits=24, decimal_places=12, read_only=True,
                                      help_text="The day's interest, unrounded; rounded once when posted.")

    class Meta:
        model = InterestAccrual
        fields = ["id", "account_number", "statement_id", "day", "unpaid", "annual_rate_percent",
                  "reference_rate_date", "amount", "created_at", "updated_at"]
        read_only_fields = fields


class InterestAccrualFilter(filters.FilterSet):
    account = filters.CharFilter(field_name="account__number", help_text="Account number.")
    company = filters.CharFilter(field_name="account__company__number", help_text="Company number.")
    day_from = filters.DateFilter(field_name="day", lookup_expr="gte", help_text="First day (inclusive).")
    day_to = filters.DateFilter(field_name="day", lookup_expr="lte", help_text="Last day (inclusive).")

    class Meta:
        model = InterestAccrual
        fields = ["account", "company", "day_from", "day_to"]


@extend_schema_view(list=extend_schema(
    summary="Late interest accrued day by day, newest first (SPEC section 8)",
    description="One row per statement and day: the unpaid amount at the start of the day, the annual rate "
                "(reference rate + margin) and the unrounded interest. Summed and rounded once into the interest "
                "posting. Scoped like accounts: a company token sees its company's, a cardmember their own.",
))
class InterestAccrualViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = InterestAccrualSerializer
    permission_classes = [IsPortalUserOrCompanyToken]
    ops_permissions = {"list": ("fees.view_interestaccrual",)}
    filterset_class = InterestAccrualFilter

    def get_queryset(self):
        return (InterestAccrual.objects.filter(account__in=visible_accounts(self.request.user))
                .select_related("account").order_by("-day", "-id"))
