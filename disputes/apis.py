"""REST API for disputes and refund requests (SPEC section 12).

Scoped by disputes.selectors: a company token and a PA see their companies' cases, a cardmember
their own, an ops token everything; a case or charge outside that scope is a 404, exactly like one
that does not exist. Changing a dispute's status (investigating, won, lost) and deciding a refund
request are for ops only (403 otherwise); holders open, add evidence and withdraw.
"""

from __future__ import annotations

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from moneyed import Money
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import DECIDE_REFUND
from amexprog.common.idempotency import IdempotentMixin
from amexprog.common.permissions import IsPortalUserOrCompanyToken
from disputes import selectors, services
from disputes.audit import actor_of
from disputes.models import Dispute, DisputeReason, Evidence, RefundRequest
from disputes.serializers import (
    DisputeCreateSerializer,
    DisputeListSerializer,
    DisputeSerializer,
    EvidenceCreateSerializer,
    EvidenceSerializer,
    NoteSerializer,
    RefundRequestCreateSerializer,
    RefundRequestListSerializer,
    RefundRequestSerializer,
    TransitionSerializer,
)

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
    description="Replays return the first response; reuse with another body is 409.")
PARSERS = [JSONParser, MultiPartParser]  # a note as JSON, or with a file (issue 18 item 1)
FILE_RESPONSE = {(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY,
                                                                      description="The evidence file.")}


def _upload(data) -> tuple:
    upload = data.get("file")
    return (upload, upload.name, upload.size) if upload else (None, "", None)


def evidence_file_response(evidence: Evidence) -> FileResponse:
    """The stored file, as an attachment with the type its magic bytes showed (never inline HTML)."""
    response = FileResponse(evidence.file.open("rb"), as_attachment=True,
                            filename=evidence.original_name or evidence.file.name.rsplit("/", 1)[-1],
                            content_type=evidence.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


class DisputeFilter(filters.FilterSet):
    account = filters.CharFilter(field_name="account__number")
    status = filters.MultipleChoiceFilter(choices=Dispute.Status.choices)
    reason = filters.MultipleChoiceFilter(choices=DisputeReason.choices)

    class Meta:
        model = Dispute
        fields = ["account", "status", "reason", "late"]


class DisputeViewSet(IdempotentMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsPortalUserOrCompanyToken]
    # Won and lost also need disputes.decide_dispute, checked by the service (dispute_transition).
    ops_permissions = {"list": ("disputes.view_dispute",), "retrieve": ("disputes.view_dispute",),
                       "create": ("disputes.add_dispute",), "evidence": ("disputes.change_dispute",),
                       "withdraw": ("disputes.change_dispute",), "transition": ("disputes.change_dispute",)}
    filterset_class = DisputeFilter
    parser_classes = PARSERS

    def get_queryset(self):
        queryset = selectors.visible_disputes(self.request.user).select_related(
            "account", "charge", "statement", "incident").order_by("opened_at", "id")
        if self.action != "list":
            queryset = queryset.prefetch_related("evidence", "events")
        return queryset

    def get_serializer_class(self):
        return DisputeListSerializer if self.action == "list" else DisputeSerializer

    def _respond(self, dispute: Dispute, code: int = status.HTTP_200_OK) -> Response:
        return Response(DisputeSerializer(self.get_queryset().get(pk=dispute.pk)).data, status=code)

    @extend_schema(request={"application/json": DisputeCreateSerializer,
                            "multipart/form-data": DisputeCreateSerializer},
                   responses={201: DisputeSerializer}, parameters=[IDEMPOTENCY_PARAMETER],
                   summary="Dispute a posted charge; an error or misuse is credited at once, a goods complaint is not",
                   examples=[OpenApiExample("Goods never arrived", request_only=True, media_type="application/json",
                                            value={"charge_id": 1234, "reason": "not_received",
                                                   "note": "Ordered 3 March, nothing delivered."})])
    def create(self, request):
        serializer = DisputeCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        charge = get_object_or_404(selectors.visible_charges(request.user).select_related("account"),
                                   pk=data["charge_id"])
        upload, filename, _size = _upload(data)
        amount = data.get("amount")
        dispute = services.dispute_open(
            charge=charge, reason=data["reason"], by=actor_of(request.user), on=services.case_day(),
            amount=Money(amount, charge.account.currency) if amount is not None else None, note=data["note"],
            upload=upload, filename=filename,
        )
        return self._respond(dispute, status.HTTP_201_CREATED)

    @extend_schema(request={"multipart/form-data": EvidenceCreateSerializer,
                            "application/json": EvidenceCreateSerializer},
                   responses={201: EvidenceSerializer}, parameters=[IDEMPOTENCY_PARAMETER],
                   summary="Add a note or a PDF/PNG/JPEG file to an open dispute")
    @action(detail=True, methods=["post"])
    def evidence(self, request, pk=None):
        dispute = self.get_object()
        serializer = EvidenceCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload, filename, _size = _upload(serializer.validated_data)
        evidence = services.dispute_evidence_add(dispute=dispute, by=actor_of(request.user), on=services.case_day(),
                                                 note=serializer.validated_data["note"], upload=upload,
                                                 filename=filename)
        return Response(EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=NoteSerializer, responses={200: DisputeSerializer}, parameters=[IDEMPOTENCY_PARAMETER],
                   summary="Withdraw an open dispute; its credit is re-debited on the next statement")
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        dispute = self.get_object()
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        dispute = services.dispute_withdraw(dispute=dispute, by=actor_of(request.user), on=services.case_day(),
                                            note=serializer.validated_data["note"])
        return self._respond(dispute)

    @extend_schema(request=TransitionSerializer, responses={200: DisputeSerializer},
                   parameters=[IDEMPOTENCY_PARAMETER],
                   summary="Ops: move a dispute to investigating, won or lost")
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        dispute = self.get_object()
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        dispute = services.dispute_transition(dispute=dispute, to_status=serializer.validated_data["status"],
                                              by=actor_of(request.user), on=services.case_day(),
                                              note=serializer.validated_data["note"])
        return self._respond(dispute)


class RefundRequestFilter(filters.FilterSet):
    account = filters.CharFilter(field_name="account__number")
    status = filters.MultipleChoiceFilter(choices=RefundRequest.Status.choices)

    class Meta:
        model = RefundRequest
        fields = ["account", "status"]


class DecisionSerializer(serializers.Serializer):
    granted = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class RefundRequestViewSet(IdempotentMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsPortalUserOrCompanyToken]
    ops_permissions = {"list": ("disputes.view_refundrequest",), "retrieve": ("disputes.view_refundrequest",),
                       "create": ("disputes.add_refundrequest",), "evidence": ("disputes.change_refundrequest",),
                       "withdraw": ("disputes.change_refundrequest",), "decision": (DECIDE_REFUND,),
                       "ask_information": ("disputes.change_refundrequest",),
                       "information_complete": ("disputes.change_refundrequest",)}
    filterset_class = RefundRequestFilter
    parser_classes = PARSERS

    def get_queryset(self):
        queryset = selectors.visible_refund_requests(self.request.user).select_related(
            "account", "charge", "statement").order_by("submitted_at", "id")
        if self.action != "list":
            queryset = queryset.prefetch_related("evidence", "events")
        return queryset

    def get_serializer_class(self):
        return RefundRequestListSerializer if self.action == "list" else RefundRequestSerializer

    def _respond(self, request_: RefundRequest, code: int = status.HTTP_200_OK) -> Response:
        return Response(RefundRequestSerializer(self.get_queryset().get(pk=request_.pk)).data, status=code)

    @extend_schema(request={"application/json": RefundRequestCreateSerializer,
                            "multipart/form-data": RefundRequestCreateSerializer},
                   responses={201: RefundRequestSerializer}, parameters=[IDEMPOTENCY_PARAMETER],
                   summary="Ask for a refund of an authorized charge (terms §23)")
    def create(self, request):
        serializer = RefundRequestCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        charge = get_object_or_404(selectors.visible_charges(request.user).select_related("account"),
                                   pk=data["charge_id"])
        upload, filename, _size = _upload(data)
        refund_request = services.refund_request_submit(
            charge=charge, expected_amount=Money(data["expected_amount"], charge.account.currency),
            explanation=data["explanation"], by=actor_of(request.user), on=services.case_day(), note=data["note"],
            upload=upload, filename=filename,
        )
        return self._respond(refund_request, status.HTTP_201_CREATED)

    @extend_schema(request={"multipart/form-data": EvidenceCreateSerializer,
                            "application/json": EvidenceCreateSerializer},
                   responses={201: EvidenceSerializer}, parameters=[IDEMPOTENCY_PARAMETER],
                   summary="Add information (a note or a file) to an open refund request")
    @action(detail=True, methods=["post"])
    def evidence(self, request, pk=None):
        refund_request = self.get_object()
        serializer = EvidenceCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload, filename, _size = _upload(serializer.validated_data)
        evidence = services.refund_request_evidence_add(
            request=refund_request, by=actor_of(request.user), on=services.case_day(),
            note=serializer.validated_data["note"], upload=upload, filename=filename)
        return Response(EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=NoteSerializer, responses={200: RefundRequestSerializer},
                   parameters=[IDEMPOTENCY_PARAMETER], summary="Withdraw an open refund request")
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        refund_request = self.get_object()
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        refund_request = services.refund_request_withdraw(request=refund_request, by=actor_of(request.user),
                                                          on=services.case_day(),
                                                          note=serializer.validated_data["note"])
        return self._respond(refund_request)

    @extend_schema(request=DecisionSerializer, responses={200: RefundRequestSerializer},
                   parameters=[IDEMPOTENCY_PARAMETER], summary="Ops: grant or refuse a refund request")
    @action(detail=True, methods=["post"])
    def decision(self, request, pk=None):
        refund_request = self.get_object()
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        refund_request = services.refund_request_decide(
            request=refund_request, granted=serializer.validated_data["granted"],
            reason=serializer.validated_data["reason"], by=actor_of(request.user), on=services.case_day())
        return self._respond(refund_request)


    @extend_schema(request=NoteSerializer, responses={200: RefundRequestSerializer},
                   parameters=[IDEMPOTENCY_PARAMETER], summary="Ops: ask the holder for information",
                   description="Stops the decision clock until ops mark the information complete (terms §23).",
                   examples=[OpenApiExample("Ask for the receipt", request_only=True,
                                            value={"note": "Please send the hotel's receipt."})])
    @action(detail=True, methods=["post"], url_path="ask-information")
    def ask_information(self, request, pk=None):
        refund_request = self.get_object()
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        refund_request = services.refund_request_ask_information(
            request=refund_request, note=serializer.validated_data["note"], by=actor_of(request.user),
            on=services.case_day())
        return self._respond(refund_request)

    @extend_schema(request=NoteSerializer, responses={200: RefundRequestSerializer},
                   parameters=[IDEMPOTENCY_PARAMETER], summary="Ops: the information is complete",
                   description="The decision is due 10 bank days from today.")
    @action(detail=True, methods=["post"], url_path="information-complete")
    def information_complete(self, request, pk=None):
        refund_request = self.get_object()
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        refund_request = services.refund_request_information_complete(
            request=refund_request, note=serializer.validated_data["note"], by=actor_of(request.user),
            on=services.case_day())
        return self._respond(refund_request)


@extend_schema(responses=FILE_RESPONSE, summary="Download a dispute's evidence file")
class DisputeEvidenceFileView(APIView):
    permission_classes = [IsPortalUserOrCompanyToken]
    ops_permissions = {"get": ("disputes.view_evidence",)}

    def get(self, request, pk: int, evidence_id: int):
        dispute = get_object_or_404(selectors.visible_disputes(request.user), pk=pk)
        evidence = get_object_or_404(Evidence.objects.exclude(file=""), dispute=dispute, pk=evidence_id)
        return evidence_file_response(evidence)


@extend_schema(responses=FILE_RESPONSE, summary="Download a refund request's evidence file")
class RefundRequestEvidenceFileView(APIView):
    permission_classes = [IsPortalUserOrCompanyToken]
    ops_permissions = {"get": ("disputes.view_evidence",)}

    def get(self, request, pk: int, evidence_id: int):
        refund_request = get_object_or_404(selectors.visible_refund_requests(request.user), pk=pk)
        evidence = get_object_or_404(Evidence.objects.exclude(file=""), refund_request=refund_request,
                                     pk=evidence_id)
        return evidence_file_response(evidence)
