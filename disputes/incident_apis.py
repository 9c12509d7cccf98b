"""Unauthorized-use incidents over the REST API (SPEC section 12, terms §22): a lost or stolen card whose
charges the holder did not make.

Scoped by accounts.selectors: a company token and a PA see their companies' incidents, a cardmember
their own, ops all; anything else is a 404. The holder, the company or ops report an incident on a
card they see; only ops resolve it (403 `ops_only` otherwise), which fixes the holder's share.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.roles import DECIDE_DISPUTE
from accounts.selectors import visible_accounts, visible_cards
from amexprog.common.idempotency import IdempotentMixin
from amexprog.common.permissions import IsPortalUserOrCompanyToken
from disputes import services
from disputes.audit import actor_of
from disputes.models import UnauthorizedUseIncident
from disputes.services.incidents import REPORT_DATE_OPS_ONLY, REPORT_DATE_REASON_REQUIRED

IDEMPOTENCY = OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
                               description="Replays return the first response; reuse with another body is 409.")


class IncidentDetailSerializer(serializers.ModelSerializer):
    account_number = serializers.CharField(source="account.number", read_only=True)
    card_id = serializers.IntegerField(read_only=True)
    card_last4 = serializers.CharField(source="card.last4", read_only=True)
    cap = serializers.DecimalField(max_digits=12, decimal_places=2, source="cap.amount", read_only=True,
                                   allow_null=True, default=None)
    holder_share = serializers.DecimalField(max_digits=12, decimal_places=2, source="holder_share.amount",
                                            read_only=True, allow_null=True, default=None)
    dispute_ids = serializers.SerializerMethodField()

    class Meta:
        model = UnauthorizedUseIncident
        fields = ["id", "account_number", "card_id", "card_last4", "kind", "reported_on", "status", "finding",
                  "cause_evidence", "cap", "holder_share", "opened_at", "resolved_on", "dispute_ids",
                  "created_at", "updated_at"]
        read_only_fields = fields

    def get_dispute_ids(self, incident: UnauthorizedUseIncident) -> list[int]:
        return sorted(dispute.pk for dispute in incident.disputes.all())


class IncidentOpenSerializer(serializers.Serializer):
    card_id = serializers.IntegerField(min_value=1)
    kind = serializers.ChoiceField(choices=UnauthorizedUseIncident.Kind.choices)
    reported_on = serializers.DateField(
        required=False,
        help_text="Ops only (issue 15 item 11). The report date is otherwise the card's lost/stolen report, the "
                  "opening day of an earlier unauthorized dispute on the card, or today, whichever is first; any "
                  "other caller sending it gets a 400.")
    reported_on_reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000,
                                               help_text="Ops only: why the report date is set by hand (required "
                                                         "with reported_on).")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)

    def validate(self, attrs):
        """Unauthorized-use dates are facts, not input (SPEC section 12, issue 15 item 11)."""
        by = self.context["by"]
        if not services.may_set_report_date(by):
            refused = [name for name in ("reported_on", "reported_on_reason") if name in self.initial_data]
            if refused:
                raise serializers.ValidationError(
                    {name: [serializers.ErrorDetail(str(REPORT_DATE_OPS_ONLY), code="ops_only")] for name in refused})
        elif "reported_on" in attrs and not attrs["reported_on_reason"].strip():
            raise serializers.ValidationError(
                {"reported_on_reason": [serializers.ErrorDetail(str(REPORT_DATE_REASON_REQUIRED), code="required")]})
        return attrs


class IncidentResolveSerializer(serializers.Serializer):
    finding = serializers.ChoiceField(choices=UnauthorizedUseIncident.Finding.choices)
    evidence = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000,
                                     help_text="Required for deliberate_breach, gross_negligence and fraud: what "
                                               "shows the cause that lifts the cap (terms §22d).")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class IncidentFilter(filters.FilterSet):
    account = filters.CharFilter(field_name="account__number", help_text="Account number.")
    company = filters.CharFilter(field_name="account__company__number", help_text="Company number.")
    card = filters.NumberFilter(field_name="card_id", help_text="Card id.")

    class Meta:
        model = UnauthorizedUseIncident
        fields = ["account", "company", "card", "status", "kind", "finding"]


@extend_schema_view(
    list=extend_schema(summary="Unauthorized-use incidents the caller may see, oldest first (SPEC section 12)"),
    retrieve=extend_schema(summary="One incident with its disputes and the holder's share"),
)
class IncidentViewSet(IdempotentMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = IncidentDetailSerializer
    permission_classes = [IsPortalUserOrCompanyToken]
    ops_permissions = {"list": ("disputes.view_unauthorizeduseincident",),
                       "retrieve": ("disputes.view_unauthorizeduseincident",),
                       "create": ("disputes.add_unauthorizeduseincident",), "resolve": (DECIDE_DISPUTE,)}
    filterset_class = IncidentFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return (UnauthorizedUseIncident.objects.filter(account__in=visible_accounts(self.request.user))
                .select_related("account", "card").prefetch_related("disputes").order_by("opened_at", "id"))

    def _respond(self, incident: UnauthorizedUseIncident, code: int = status.HTTP_200_OK) -> Response:
        return Response(IncidentDetailSerializer(self.get_queryset().get(pk=incident.pk)).data, status=code)

    @extend_schema(request=IncidentOpenSerializer, responses={201: IncidentDetailSerializer}, parameters=[IDEMPOTENCY],
                   summary="Report unauthorized use of a card: lost, stolen, not received, code seen, or misused",
                   examples=[OpenApiExample("A stolen card", request_only=True, value={
                       "card_id": 9, "kind": "stolen", "note": "Stolen in Berlin"})])
    def create(self, request):
        by = actor_of(request.user)
        body = IncidentOpenSerializer(data=request.data, context={"by": by})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        card = get_object_or_404(visible_cards(request.user), pk=data["card_id"])
        incident = services.incident_open(card=card, kind=data["kind"], reported_on=data.get("reported_on"),
                                          reported_on_reason=data["reported_on_reason"], by=by,
                                          on=services.case_day(), note=data["note"])
        return self._respond(incident, status.HTTP_201_CREATED)

    @extend_schema(request=IncidentResolveSerializer, responses={200: IncidentDetailSerializer},
                   parameters=[IDEMPOTENCY],
                   summary="Ops: resolve the incident with a finding; the holder's share is posted",
                   examples=[OpenApiExample("Not the holder's fault", request_only=True,
                                            value={"finding": "capped", "note": ""})])
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        incident = self.get_object()
        body = IncidentResolveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        incident = services.incident_resolve(incident=incident, finding=body.validated_data["finding"],
                                             by=actor_of(request.user), on=services.case_day(),
                                             note=body.validated_data["note"],
                                             evidence=body.validated_data["evidence"])
        return self._respond(incident)

