"""GET /api/v1/accounts/{number}/rule-changes/ and POST .../{change_id}/reject/: the published changes
of terms and rules the account may still reject, and rejecting one (terms §25b; SPEC section 15).

The account is scoped like its other reads (an outsider gets 404). The holder, the company (PA or
company token) and ops with the close permission reject; rejecting closes the account free of charge
before the change applies (communications.rule_changes.rule_change_reject).
"""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.audit import visible_account_with_actor
from accounts.roles import CLOSE_ACCOUNT
from amexprog.common import clock
from amexprog.common.idempotency import IdempotentMixin
from amexprog.common.permissions import IsPortalUserOrCompanyToken
from communications.models import ChangeRejection, RuleChange
from communications.rule_changes import rule_change_reject, rule_changes_open


class RuleChangeSerializer(serializers.ModelSerializer):
    reject_until = serializers.SerializerMethodField(help_text="The last day the change can be rejected.")

    class Meta:
        model = RuleChange
        fields = ["id", "kind", "market", "published_on", "effective_from", "holder_favourable", "reject_until",
                  "created_at", "updated_at"]

    def get_reject_until(self, change: RuleChange) -> dt.date:
        return change.effective_from - dt.timedelta(days=1)


class ChangeRejectionSerializer(serializers.ModelSerializer):
    account = serializers.CharField(source="account.number")
    account_status = serializers.CharField(source="account.status")

    class Meta:
        model = ChangeRejection
        fields = ["id", "change", "account", "account_status", "rejected_on", "actor_role"]


class AccountRuleChangesView(GenericAPIView):
    """A cursor page like every list (SPEC section 16; issue 18 item 6), in publication order (by id)."""

    serializer_class = RuleChangeSerializer
    queryset = RuleChange.objects.none()  # the schema's model; get() reads the account's open changes
    permission_classes = [IsPortalUserOrCompanyToken]
    ops_permissions = {"get": ("communications.view_rulechange",)}

    @extend_schema(responses={200: RuleChangeSerializer(many=True)},
                   summary="Announced changes of terms and rules the account may still reject (terms §25b)")
    def get(self, request, number: str):
        account, _actor = visible_account_with_actor(request.user, number, permission=None)
        page = self.paginate_queryset(self.filter_queryset(rule_changes_open(account=account, on=clock.today())))
        return self.get_paginated_response(RuleChangeSerializer(page, many=True).data)


class AccountRuleChangeRejectView(IdempotentMixin, APIView):
    permission_classes = [IsPortalUserOrCompanyToken]
    ops_permissions = {"post": (CLOSE_ACCOUNT,)}

    @extend_schema(request=None, responses={201: ChangeRejectionSerializer},
                   summary="Reject a change before it applies: the account closes free of charge (terms §25b)",
                   description="The cards are cancelled at once and the annual card fee is refunded pro rata; "
                               "nothing else is charged. `409 change_in_force` on or after the effective date, "
                               "`409 account_already_closed` for an account already closing or closed.")
    def post(self, request, number: str, change_id: int):
        account, by = visible_account_with_actor(request.user, number, permission=CLOSE_ACCOUNT)
        change = get_object_or_404(RuleChange, pk=change_id)
        rejection = rule_change_reject(change=change, account=account, by=by, on=clock.today())
        return Response(ChangeRejectionSerializer(rejection).data, status=status.HTTP_201_CREATED)
