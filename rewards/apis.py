"""SAS EuroBonus over the REST API (SPEC section 13).

A cardmember (session) asks to join with their EuroBonus number; a PA, the company's API token or
ops approve or reject, suspend, resume and end. Everything is scoped by accounts.selectors: another
company's enrolment or points are a 404, like ones that do not exist.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts.selectors import visible_accounts
from amexprog.common import clock
from amexprog.common.api import VersionFilter
from amexprog.common.idempotency import IdempotentMixin
from amexprog.common.permissions import IsOpsTokenOrStaff, IsPortalUserOrCompanyToken
from rewards import services
from rewards.exports import CONFIRMATION_COLUMNS, eurobonus_batch_export, eurobonus_confirmation_import
from rewards.models import Enrolment, ExportBatch, PointsPosting, PointsRule
from rewards.selectors import (
    administers,
    effective_date,
    is_holder,
    overdue_batches,
    visible_enrolments,
    visible_points_postings,
)
from rewards.serializers import (
    EnrolmentDetailSerializer,
    EnrolmentRequestSerializer,
    EnrolmentSerializer,
    ExportBatchSerializer,
    PointsPostingSerializer,
    ReasonSerializer,
)

IDEMPOTENCY = OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
                               description="Replays return the first response; reuse with another body is 409.")
NOT_ADMINISTRATOR = "Only a programme administrator of the company or ops may do this."
NOT_HOLDER_OR_ADMINISTRATOR = "Only the cardmember or a programme administrator of the company may ask to enrol."


class EnrolmentFilter(filters.FilterSet):
    account = filters.CharFilter(field_name="account__number", help_text="Account number.")
    company = filters.CharFilter(field_name="account__company__number", help_text="Company number.")

    class Meta:
        model = Enrolment
        fields = ["account", "company", "status"]


@extend_schema_view(
    list=extend_schema(summary="EuroBonus enrolments the caller may see (SPEC section 13)"),
    retrieve=extend_schema(summary="A EuroBonus enrolment with its history", responses=EnrolmentDetailSerializer),
)
class EnrolmentViewSet(IdempotentMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = EnrolmentSerializer
    permission_classes = [IsPortalUserOrCompanyToken]
    ops_permissions = {"list": ("rewards.view_enrolment",), "retrieve": ("rewards.view_enrolment",),
                       "create": ("rewards.add_enrolment",),
                       **{verb: ("rewards.change_enrolment",) for verb in ("approve", "reject", "suspend", "resume",
                                                                           "end")}}
    filterset_class = EnrolmentFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return (
            visible_enrolments(self.request.user)
            .select_related("account__company", "account__cardmember")
            .annotate(points_balance=Coalesce(Sum("points_postings__points"), Value(0)))
            .order_by("account__number")
        )

    def get_serializer_class(self):
        return EnrolmentDetailSerializer if self.action == "retrieve" else super().get_serializer_class()

    def retrieve(self, request, *args, **kwargs):
        enrolment = get_object_or_404(self.get_queryset().prefetch_related("events"), pk=kwargs["pk"])
        return Response(EnrolmentDetailSerializer(enrolment).data)

    @extend_schema(request=EnrolmentRequestSerializer, responses={201: EnrolmentSerializer}, parameters=[IDEMPOTENCY],
                   summary="Ask to join EuroBonus with a EuroBonus number",
                   description="Only for a company that allows EuroBonus; a PA then approves. `400 "
                               "eurobonus_not_allowed`, `bad_eurobonus_number`, `already_enrolled`, "
                               "`enrolment_pending` name what is wrong.",
                   examples=[OpenApiExample("Join with a EuroBonus number", request_only=True,
                                            value={"account_number": "376000000012",
                                                   "member_number": "EBS123456789"})])
    def create(self, request):
        serializer = EnrolmentRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        account = get_object_or_404(visible_accounts(request.user).select_related("cardmember"),
                                    number=serializer.validated_data["account_number"])
        if not (is_holder(request.user, account) or administers(request.user, account)):
            raise PermissionDenied(NOT_HOLDER_OR_ADMINISTRATOR)
        number = serializer.validated_data["member_number"]
        enrolment = services.enrolment_request(account=account, member_number=number, on=effective_date(),
                                               by=request.user)
        return self._answer(enrolment, status.HTTP_201_CREATED)

    def _decide(self, request, pk, service, *, with_reason: bool = True) -> Response:
        enrolment = get_object_or_404(visible_enrolments(request.user).select_related("account"), pk=pk)
        if not administers(request.user, enrolment.account):
            raise PermissionDenied(NOT_ADMINISTRATOR)
        kwargs = {}
        if with_reason:
            reason = ReasonSerializer(data=request.data)
            reason.is_valid(raise_exception=True)
            kwargs["reason"] = reason.validated_data["reason"]
        return self._answer(service(enrolment=enrolment, on=effective_date(), by=request.user, **kwargs))

    def _answer(self, enrolment: Enrolment, code: int = status.HTTP_200_OK) -> Response:
        return Response(EnrolmentSerializer(self.get_queryset().get(pk=enrolment.pk)).data, status=code)

    @extend_schema(request=None, responses=EnrolmentSerializer, parameters=[IDEMPOTENCY],
                   summary="Approve a request (PA or ops): active from today, the fee due tomorrow")
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, pk, services.enrolment_approve, with_reason=False)

    @extend_schema(request=ReasonSerializer, responses=EnrolmentSerializer, parameters=[IDEMPOTENCY],
                   summary="Reject a request (PA or ops)")
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, pk, services.enrolment_reject)

    @extend_schema(request=ReasonSerializer, responses=EnrolmentSerializer, parameters=[IDEMPOTENCY],
                   summary="Suspend participation (PA or ops, terms §38g): no points, no fee")
    @action(detail=True, methods=["post"])
    def suspend(self, request, pk=None):
        return self._decide(request, pk, services.enrolment_suspend)

    @extend_schema(request=ReasonSerializer, responses=EnrolmentSerializer, parameters=[IDEMPOTENCY],
                   summary="Resume a suspended participation (PA or ops)")
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        return self._decide(request, pk, services.enrolment_resume)

    @extend_schema(request=ReasonSerializer, responses=EnrolmentSerializer, parameters=[IDEMPOTENCY],
                   summary="End participation (PA or ops)")
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        return self._decide(request, pk, services.enrolment_end)


class PointsFilter(filters.FilterSet):
    account = filters.CharFilter(field_name="account__number", help_text="Account number.")
    company = filters.CharFilter(field_name="account__company__number", help_text="Company number.")
    statement_date_from = filters.DateFilter(field_name="statement_date", lookup_expr="gte")
    statement_date_to = filters.DateFilter(field_name="statement_date", lookup_expr="lte")

    class Meta:
        model = PointsPosting
        fields = ["account", "company", "statement_date_from", "statement_date_to", "forfeited"]


@extend_schema_view(list=extend_schema(
    summary="EuroBonus points per statement, newest first (SPEC section 13)",
    description="One row per statement that earned, reversed or forfeited points, with the arithmetic: "
                "floor((carried_in + counted_spend) ÷ spend_per_point) = points, carried_out left over.",
))
class PointsPostingViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = PointsPostingSerializer
    permission_classes = [IsPortalUserOrCompanyToken]
    ops_permissions = {"list": ("rewards.view_pointsposting",)}
    filterset_class = PointsFilter

    def get_queryset(self):
        return (
            visible_points_postings(self.request.user)
            .select_related("account", "batch", "rule")
            .order_by("-statement_date", "account__number")
        )


class BatchMonthSerializer(serializers.Serializer):
    month = serializers.RegexField(r"^[1-9]\d{3}-(0[1-9]|1[0-2])$",
                                   help_text="The month of the statement dates, YYYY-MM.")

    def validate_month(self, value: str) -> dt.date:
        year, month = value.split("-")
        return dt.date(int(year), int(month), 1)


class BatchExportSerializer(serializers.Serializer):
    batch = ExportBatchSerializer()
    first_export = serializers.BooleanField(help_text="False when the month was exported before (same file).")
    content = serializers.CharField(help_text="The points file for SAS (CSV, UTF-8).")


class ConfirmationUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="SAS's confirmation file: CSV, UTF-8, header row.")


class BatchConfirmationSerializer(serializers.Serializer):
    batch = ExportBatchSerializer()
    accepted = serializers.IntegerField(help_text="Lines SAS accepted.")
    rejected = serializers.IntegerField(help_text="Lines SAS rejected, listed for ops under EuroBonus exports.")


class PointsRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = PointsRule
        fields = ["id", "market", "currency", "effective_from", "label", "spend_per_point",
                  "forfeit_after_days_past_due", "created_at", "updated_at"]
        read_only_fields = fields


class PointsRuleFilter(VersionFilter):

    class Meta:
        model = PointsRule
        fields = ["market", "effective_from_from", "effective_from_to"]


@extend_schema_view(list=extend_schema(
    summary="EuroBonus points-rule versions per market, newest first (SPEC section 13)",
    description="The version in force on a statement date is the latest one effective on or before it: spend per "
                "point and when a late account forfeits. Read-only here; ops add versions in the admin.",
))
class PointsRuleViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = PointsRuleSerializer
    permission_classes = [IsPortalUserOrCompanyToken]
    ops_permissions = {"list": ("rewards.view_pointsrule",)}
    filterset_class = PointsRuleFilter
    queryset = PointsRule.objects.order_by("market", "-effective_from")


@extend_schema_view(list=extend_schema(
    summary="SAS batches, accrued → exported → confirmed (ops)",
    description="`overdue` marks a batch exported more than 10 weeks ago without SAS's confirmation, or a "
                "finished month not yet exported.",
))
class ExportBatchViewSet(IdempotentMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ExportBatchSerializer
    permission_classes = [IsOpsTokenOrStaff]
    ops_permissions = {"list": ("rewards.view_exportbatch",), "export": ("rewards.add_exportbatch",),
                       "confirmation": ("rewards.change_exportbatch",)}
    filterset_fields = ["status"]

    def get_queryset(self):
        overdue = overdue_batches(today=clock.today()).values("pk")
        return ExportBatch.objects.annotate(
            accrued_points=Coalesce(Sum("lines__points"), Value(0)), accrued_lines=Count("lines"),
            overdue=ExpressionWrapper(Q(pk__in=overdue), output_field=BooleanField()),
        ).order_by("-month")

    def _batch(self, batch: ExportBatch) -> dict:
        return ExportBatchSerializer(self.get_queryset().get(pk=batch.pk)).data

    @extend_schema(
        request=BatchMonthSerializer,
        responses={200: BatchExportSerializer,
                   400: OpenApiResponse(description="`month_not_complete` (run_cycle has not reached the month's "
                                                    "last day), `batch_changed`, or `invalid`.")},
        parameters=[IDEMPOTENCY],
        summary="Export a month's points file for SAS (ops)",
        description="What `manage.py export_eurobonus` does: the first export moves the month's batch accrued → "
                    "exported and fixes its control total; exporting the month again returns the same file and "
                    "counts nothing twice (`first_export` false). `content` is the CSV file to send to SAS.",
        examples=[OpenApiExample("January 2026", request_only=True, value={"month": "2026-01"})],
    )
    @action(detail=False, methods=["post"], parser_classes=[JSONParser])
    def export(self, request):
        serializer = BatchMonthSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        exported = eurobonus_batch_export(month=serializer.validated_data["month"], on=clock.today())
        return Response({"batch": self._batch(exported.batch), "first_export": exported.first_export,
                         "content": exported.content.decode("utf-8")})

    @extend_schema(
        request={"multipart/form-data": ConfirmationUploadSerializer},
        responses={200: BatchConfirmationSerializer,
                   400: OpenApiResponse(description="A bad row records nothing: `file_rejected` with `extra.errors` "
                                                    "(row, column, reason); or `batch_not_exported`, "
                                                    "`batch_already_confirmed`.")},
        parameters=[IDEMPOTENCY],
        summary="Load SAS's confirmation of an exported batch (ops)",
        description="What `manage.py import_eurobonus_confirmation` does: CSV " + ",".join(CONFIRMATION_COLUMNS)
                    + ", one row per line of the batch, result accepted or rejected. The whole file is checked "
                      "against the exported batch first; then the batch is confirmed.",
    )
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser])
    def confirmation(self, request):
        serializer = ConfirmationUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        upload.seek(0)
        result = eurobonus_confirmation_import(stream=upload.file, on=clock.today())
        return Response({"batch": self._batch(result.batch), "accepted": result.accepted,
                         "rejected": result.rejected})
