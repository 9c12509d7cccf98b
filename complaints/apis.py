"""Complaints over the REST API (SPEC section 12, terms §21b–d).

`POST /api/v1/complaints/` opens one: a cardmember about their own account, a PA or company token about
the company or one of its accounts; the answer is due 15 bank days later (a rule). Ops give the final
answer with `POST /api/v1/complaints/{id}/answer/` (permission `complaints.answer_complaint`, or an ops
token). `GET /api/v1/complaint-authorities/` lists where a market's holders can take a complaint next.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.selectors import visible_accounts, visible_companies
from amexprog.common.idempotency import IdempotentMixin
from amexprog.common.permissions import IsPortalUserOrCompanyToken
from complaints import services
from complaints.models import Complaint, ComplaintAuthority
from complaints.selectors import visible_complaints
from disputes.services import case_day


class ComplaintSerializer(serializers.ModelSerializer):
    company_number = serializers.CharField(source="company.number", read_only=True)
    account_number = serializers.CharField(source="account.number", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Complaint
        fields = ["id", "company_number", "account_number", "topic", "subject", "description", "status",
                  "by_holder", "opened_on", "opened_at", "opened_by", "answer_due_on", "overdue_since",
                  "answered_on", "answered_by", "answer", "created_at", "updated_at"]
        read_only_fields = fields


class ComplaintCreateSerializer(serializers.Serializer):
    company_number = serializers.CharField(max_length=20)
    account_number = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    topic = serializers.ChoiceField(choices=Complaint.Topic.choices)
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=10000)


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=10000)


class ComplaintAuthoritySerializer(serializers.ModelSerializer):
    class Meta:
        model = ComplaintAuthority
        fields = ["id", "market", "position", "name", "kind", "address", "website", "created_at", "updated_at"]


class ComplaintFilter(filters.FilterSet):
    company = filters.CharFilter(field_name="company__number")
    account = filters.CharFilter(field_name="account__number")
    status = filters.ChoiceFilter(choices=Complaint.Status.choices)
    overdue = filters.BooleanFilter(field_name="overdue_since", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Complaint
        fields = ["company", "account", "status", "overdue"]


class ComplaintViewSet(IdempotentMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsPortalUserOrCompanyToken]
    serializer_class = ComplaintSerializer
    filterset_class = ComplaintFilter
    # Ops read with the view permission and answer with their own; complaints are opened by holders and PAs.
    ops_permissions = {"list": ("complaints.view_complaint",), "retrieve": ("complaints.view_complaint",),
                       "answer": ("complaints.answer_complaint",),
                       # Named so the rule holds everywhere; the service still refuses ops (holders and PAs
                       # complain, ops answer).
                       "create": ("complaints.add_complaint",)}

    def get_queryset(self):
        return visible_complaints(self.request.user).select_related("company", "account").order_by("-opened_at",
                                                                                                  "-id")

    @extend_schema(request=ComplaintCreateSerializer, responses={
        201: ComplaintSerializer,
        400: OpenApiResponse(description="`account_not_in_company`, `subject_required`, `description_required`."),
        403: OpenApiResponse(description="`not_allowed`: a cardmember complains about their own account only."),
        404: OpenApiResponse(description="No such company or account, or not yours.")},
        summary="Complain about the issuer's service or an account (terms §21b)")
    def create(self, request):
        body = ComplaintCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        account = None
        if data["account_number"]:
            account = get_object_or_404(visible_accounts(request.user).select_related("company", "cardmember"),
                                        number=data["account_number"])
            company = account.company
            if company.number != data["company_number"]:
                company = get_object_or_404(visible_companies(request.user), number=data["company_number"])
        else:
            company = get_object_or_404(visible_companies(request.user), number=data["company_number"])
        complaint = services.complaint_open(user=request.user, company=company, account=account,
                                            topic=data["topic"], subject=data["subject"],
                                            description=data["description"], on=case_day())
        return Response(ComplaintSerializer(complaint).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AnswerSerializer, responses={
        200: ComplaintSerializer,
        400: OpenApiResponse(description="`answer_required`, `complaint_answered`, `no_complaint_authorities`."),
        403: OpenApiResponse(description="`not_allowed`: ops with `complaints.answer_complaint` only."),
        404: OpenApiResponse(description="No such complaint, or not yours.")},
        summary="Ops: the final written answer (terms §21d); names the market's authorities")
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        complaint = self.get_object()
        body = AnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        complaint = services.complaint_answer(complaint=complaint, user=request.user,
                                              answer=body.validated_data["answer"], on=case_day())
        return Response(ComplaintSerializer(complaint).data)


class ComplaintAuthorityViewSet(viewsets.ReadOnlyModelViewSet):
    """The market data behind a final answer; every caller the API admits may read it."""

    permission_classes = [IsPortalUserOrCompanyToken]
    serializer_class = ComplaintAuthoritySerializer
    ops_permissions = {"list": ("complaints.view_complaintauthority",),
                       "retrieve": ("complaints.view_complaintauthority",)}
    queryset = ComplaintAuthority.objects.order_by("market", "position", "id")
    filterset_fields = ["market"]
