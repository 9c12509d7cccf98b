"""POST /accounts/{number}/standing/ and /companies/{number}/standing/: ops put an account or a company
in default, suspend it, or lift it (SPEC section 9; terms §26a(iii), §27b; issue 16 item 3)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts import standing
from accounts.apis_cards import _actor
from accounts.roles import SET_STANDING
from accounts.serializers import AccountSerializer, CompanySerializer
from amexprog.common import clock

STANDINGS = (standing.ACTIVE, standing.IN_DEFAULT, standing.SUSPENDED)


class StandingSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=STANDINGS, help_text="active lifts what ops set")
    cause = serializers.ChoiceField(choices=standing.StandingCause.choices, required=False, allow_blank=True,
                                    default="")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class AccountStandingActions:
    """Mixed into AccountViewSet."""

    @extend_schema(request=StandingSerializer, responses={200: AccountSerializer},
                   summary="Ops: put the account in default, suspend it, or lift it (terms §27b)")
    @action(detail=True, methods=["post"])
    def standing(self, request, number=None):
        account = get_object_or_404(self.get_queryset(), number=number)
        by = _actor(request, account.company, account, permission=SET_STANDING)
        body = StandingSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        account = standing.account_standing_set(account=account, by=by, on=clock.today(), **body.validated_data)
        return Response(AccountSerializer(account).data)


class CompanyStandingActions:
    """Mixed into CompanyViewSet."""

    @extend_schema(request=StandingSerializer, responses={200: CompanySerializer},
                   summary="Ops: suspend the company, put its accounts in default, or lift it (terms §27b)")
    @action(detail=True, methods=["post"])
    def standing(self, request, number=None):
        company = self.get_object()
        by = _actor(request, company, permission=SET_STANDING)
        body = StandingSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        company = standing.company_standing_set(company=company, by=by, on=clock.today(), **body.validated_data)
        return Response(CompanySerializer(company).data)
