"""SPEC section 12's numbers as data, over the REST API: the dispute-rule versions per market.

Published terms, not a company's data: every caller the API admits reads them. Ops add a version in
the admin; there is no service for it yet, so the API is read-only.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from amexprog.common.api import VersionFilter
from amexprog.common.permissions import IsPortalUserOrCompanyToken
from disputes.models import DisputeRules


class DisputeRulesSerializer(serializers.ModelSerializer):
    class Meta:
        model = DisputeRules
        fields = ["id", "market", "effective_from", "currency", "late_after_months", "refused_after_months",
                  "unauthorized_holder_cap", "refund_request_weeks", "refund_decision_bank_days",
                  "created_at", "updated_at"]
        read_only_fields = fields


class DisputeRulesFilter(VersionFilter):

    class Meta:
        model = DisputeRules
        fields = ["market", "effective_from_from", "effective_from_to"]


@extend_schema_view(list=extend_schema(
    summary="Dispute rule versions per market, newest first (SPEC section 12)",
    description="The version in force on a day is the latest one effective on or before it: when a dispute is "
                "late or refused, the holder's cap for unauthorized use, the refund-request window and the "
                "decision deadline. Read-only here; ops add versions in the admin.",
))
class DisputeRulesViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = DisputeRulesSerializer
    permission_classes = [IsPortalUserOrCompanyToken]
    ops_permissions = {"list": ("disputes.view_disputerules",)}
    filterset_class = DisputeRulesFilter
    queryset = DisputeRules.objects.order_by("market", "-effective_from")
