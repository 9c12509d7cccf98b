"""The programme rules over the REST API (SPEC preamble, sections 9–11): versions per market.

Published terms, not a company's data: every caller the API admits reads them. Ops add a version in
the admin (accounts.admin.ProgrammeRulesAdmin), so the API is read-only.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from accounts.models import ProgrammeRules
from amexprog.common.api import VersionFilter
from amexprog.common.permissions import IsPortalUserOrCompanyToken


class ProgrammeRulesSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProgrammeRules
        fields = ["id", "market", "effective_from", "currency", "reminder_days_after_due", "reminder_interval_days",
                  "suspend_dpd", "collections_dpd", "hold_days", "card_validity_months", "card_renewal_lead_days",
                  "card_unused_months", "card_reissue_window_months", "card_closure_notice_months",
                  "final_statement_days",
                  "contactless_charge_limit", "contactless_cumulative_limit", "contactless_count_limit",
                  "bank_details_cooling_off_days", "created_at", "updated_at"]
        read_only_fields = fields


class ProgrammeRulesFilter(VersionFilter):

    class Meta:
        model = ProgrammeRules
        fields = ["market", "effective_from_from", "effective_from_to"]


@extend_schema_view(list=extend_schema(
    summary="Programme rule versions per market, newest first",
    description="The version in force on a day is the latest one effective on or before it: when reminders go "
                "out, the days past due that suspend cards and start collections, how long an authorization's "
                "hold lasts, card validity and renewal periods, and the contactless amounts and count allowed "
                "without a PIN (amounts in the market's currency). Read-only here; ops add versions in the admin.",
))
class ProgrammeRulesViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ProgrammeRulesSerializer
    permission_classes = [IsPortalUserOrCompanyToken]
    ops_permissions = {"list": ("accounts.view_programmerules",)}
    filterset_class = ProgrammeRulesFilter
    queryset = ProgrammeRules.objects.order_by("market", "-effective_from")
