"""REST API for notices (SPEC section 15).

GET /api/v1/notices/: a company token sees its company's notices and its cardmembers'; an ops
token all; anything else is a 404. POST /api/v1/notices/{id}/returned/ (ops) records a returned
email: the recipient's contact becomes invalid and no more notices are emailed to it.
"""

from __future__ import annotations

from django.db.models import Prefetch, Q
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Notice
from accounts.roles import MARK_NOTICE_RETURNED
from amexprog.common.idempotency import IdempotentMixin
from amexprog.common.permissions import IsOpsTokenOrStaff, IsPortalUserOrCompanyToken
from communications.models import NoticeDelivery
from communications.selectors import visible_notices, with_read_at
from communications.services import notice_mark_returned

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
    description="Replays return the first response; reuse with another body is 409.")


class NoticeDeliverySerializer(serializers.ModelSerializer):
    recipient = serializers.SerializerMethodField()

    class Meta:
        model = NoticeDelivery
        fields = ["recipient", "email", "language", "sent_at", "returned_at"]

    def get_recipient(self, delivery: NoticeDelivery) -> str:
        return "cardmember" if delivery.cardmember_id else "administrator"


class NoticeSerializer(serializers.ModelSerializer):
    company = serializers.CharField(source="company.number", default=None, read_only=True)
    cardmember = serializers.IntegerField(source="cardmember_id", read_only=True, allow_null=True)
    cardmember_company = serializers.CharField(source="cardmember.company.number", default=None, read_only=True)
    deliveries = NoticeDeliverySerializer(many=True, read_only=True)
    read_at = serializers.DateTimeField(source="reader_read_at", read_only=True, allow_null=True,
                                        help_text="When the signed-in person first opened it in their inbox; "
                                                  "for an API token, the first opening by anyone.")

    class Meta:
        model = Notice
        fields = ["id", "kind", "subject", "body", "created_on", "sent_at", "read_at", "company", "cardmember",
                  "cardmember_company", "deliveries", "created_at", "updated_at"]


class ReturnedSerializer(serializers.Serializer):
    email = serializers.EmailField(required=False, help_text="The address the email came back from; needed "
                                                             "when the notice went to several recipients.")


class NoticeFilter(filters.FilterSet):
    company = filters.CharFilter(method="filter_company", help_text="Company number (its notices and its "
                                                                     "cardmembers').")
    cardmember = filters.NumberFilter(field_name="cardmember_id")
    unread = filters.BooleanFilter(field_name="reader_read_at", lookup_expr="isnull",
                                   help_text="Not opened yet by the signed-in person (API token: by anyone).")
    sent = filters.BooleanFilter(field_name="sent_at", lookup_expr="isnull", exclude=True)
    created_after = filters.DateFilter(field_name="created_on", lookup_expr="gte")
    created_before = filters.DateFilter(field_name="created_on", lookup_expr="lte")

    class Meta:
        model = Notice
        fields = ["kind", "cardmember", "company", "unread", "sent", "created_after", "created_before"]

    def filter_company(self, queryset, name, value):
        return queryset.filter(Q(company__number=value) | Q(cardmember__company__number=value))


class NoticeViewSet(IdempotentMixin, viewsets.ReadOnlyModelViewSet):
    """Notices to the holders and PAs of the caller's companies, newest first."""

    serializer_class = NoticeSerializer
    permission_classes = [IsPortalUserOrCompanyToken]
    ops_permissions = {"list": ("accounts.view_notice",), "retrieve": ("accounts.view_notice",),
                       "returned": (MARK_NOTICE_RETURNED,)}
    filterset_class = NoticeFilter

    def get_queryset(self):
        return (
            with_read_at(visible_notices(self.request.user), self.request.user)
            .select_related("company", "cardmember__company")
            .prefetch_related(Prefetch("deliveries", queryset=NoticeDelivery.objects.order_by("pk")))
            .order_by("-created_on", "-id")
        )

    @extend_schema(request=ReturnedSerializer, responses={200: NoticeSerializer}, parameters=[IDEMPOTENCY_PARAMETER],
                   summary="Ops: the notice's email came back; its recipient's contact becomes invalid")
    @action(detail=True, methods=["post"], permission_classes=[IsOpsTokenOrStaff])
    def returned(self, request, pk=None):
        notice = self.get_object()
        serializer = ReturnedSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        notice_mark_returned(notice=notice, email=serializer.validated_data.get("email"), by=str(request.user))
        return Response(NoticeSerializer(self.get_queryset().get(pk=notice.pk)).data)
