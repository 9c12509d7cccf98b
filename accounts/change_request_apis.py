"""Changes waiting for a second person over the API (SPEC section 17; issue 15 item 5).

GET /change-requests/ lists the requests of the companies the caller sees (`status`, `kind`,
`company` filters); POST /change-requests/{id}/approve/ and …/reject/ decide one. The change
endpoints (PATCH /companies/{number}/ with bank details, POST …/administrators/, PATCH of a higher
limit in …/controls/) answer 202 with the request they opened. Approving needs a person: another PA
of the company, or ops staff holding `accounts.approve_change`; an API token may ask and may withdraw
its own request, never approve one.
"""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from accounts.audit import Actor, actor_for
from accounts.change_requests import APPROVE_PERMISSION, change_request_approve, change_request_reject
from accounts.models import ChangeRequest
from accounts.selectors import visible_companies
from amexprog.common import clock
from amexprog.common.cycle import business_date
from amexprog.common.idempotency import IdempotentMixin
from amexprog.common.permissions import IsPortalUserOrCompanyToken


def _actor(request, change_request: ChangeRequest) -> Actor:
    actor = actor_for(request.user, company=change_request.company, permission=APPROVE_PERMISSION)
    if actor is None:
        raise NotFound()
    return actor


class ChangeRequestSerializer(serializers.ModelSerializer):
    company = serializers.CharField(source="company.number", read_only=True)
    card = serializers.IntegerField(source="card_id", read_only=True, allow_null=True)
    changes = serializers.DictField(
        child=serializers.DictField(), read_only=True,
        help_text="Each field with its value `before` and the value asked for (`after`); amounts as strings.")
    created_at = serializers.DateTimeField(source="requested_at", read_only=True)

    class Meta:
        model = ChangeRequest
        fields = ["id", "company", "card", "kind", "status", "changes", "requested_on", "requested_by",
                  "created_at", "decided_on", "decided_at", "decided_by", "decision_reason", "updated_at"]
        read_only_fields = fields


class ChangeRequestFilter(filters.FilterSet):
    company = filters.CharFilter(field_name="company__number")

    class Meta:
        model = ChangeRequest
        fields = ["company", "status", "kind"]


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


def accepted(change_request: ChangeRequest) -> Response:
    """202: the change is recorded and waits for a second person."""
    return Response(ChangeRequestSerializer(change_request).data, status=status.HTTP_202_ACCEPTED)


ACCEPTED = OpenApiResponse(ChangeRequestSerializer, description="Waits for a second person (SPEC section 17): "
                                                                 "the change request that was opened.")
DECISION_ERRORS = {
    400: OpenApiResponse(description="`change_not_pending`, or the change no longer applies (the service's code)."),
    403: OpenApiResponse(description="`self_approval`, `approver_not_a_person` (an API token) or `not_allowed`."),
    404: OpenApiResponse(description="No such request, or not yours."),
}


class ChangeRequestViewSet(IdempotentMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Changes of the caller's companies that wait for a second person, and their decisions."""

    serializer_class = ChangeRequestSerializer
    ops_permissions = {"list": ("accounts.view_changerequest",), "retrieve": ("accounts.view_changerequest",),
                       "approve": (APPROVE_PERMISSION,), "reject": (APPROVE_PERMISSION,)}
    permission_classes = [IsPortalUserOrCompanyToken]
    filterset_class = ChangeRequestFilter

    def get_queryset(self):
        return (ChangeRequest.objects.filter(company__in=visible_companies(self.request.user))
                .select_related("company").order_by("-requested_at", "-id"))

    def _decided(self, change_request: ChangeRequest) -> Response:
        return Response(ChangeRequestSerializer(self.get_queryset().get(pk=change_request.pk)).data)

    @extend_schema(request=None, responses={200: ChangeRequestSerializer, **DECISION_ERRORS},
                   summary="Approve a change another person asked for; it applies now")
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        change_request = self.get_object()
        by = _actor(request, change_request)
        return self._decided(change_request_approve(change_request=change_request, by=by,
                                                    on=business_date() or clock.today()))

    @extend_schema(request=RejectSerializer, responses={200: ChangeRequestSerializer, **DECISION_ERRORS},
                   summary="Reject a change (or withdraw your own); nothing changes")
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        change_request = self.get_object()
        by = _actor(request, change_request)
        body = RejectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._decided(change_request_reject(change_request=change_request, by=by,
                                                   on=business_date() or clock.today(),
                                                   reason=body.validated_data["reason"]))
