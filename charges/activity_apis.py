"""ECB rates and holds over the REST API (SPEC sections 6, 10); the authorization decisions themselves are
listed by GET /api/v1/authorizations (charges.authorization_apis).

Rates are public reference data. Holds start from accounts.selectors.visible_accounts:
a company token and a PA see their companies' cards, a cardmember their own, ops everything; another
company's hold is a 404, like one that does not exist. Cards appear by their last four digits only.
"""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from accounts.selectors import visible_accounts
from amexprog.common.permissions import IsPortalUserOrCompanyToken
from charges.models import FxRate, Hold


class FxRateSerializer(serializers.ModelSerializer):
    class Meta:
        model = FxRate
        fields = ["rate_date", "currency", "rate", "id", "created_at", "updated_at"]
        read_only_fields = fields


class FxRateFilter(filters.FilterSet):
    rate_date_from = filters.DateFilter(field_name="rate_date", lookup_expr="gte")
    rate_date_to = filters.DateFilter(field_name="rate_date", lookup_expr="lte")
    currency = filters.CharFilter(field_name="currency", help_text="ISO 4217 code, e.g. USD.")

    class Meta:
        model = FxRate
        fields = ["rate_date", "currency", "rate_date_from", "rate_date_to"]


@extend_schema_view(list=extend_schema(
    summary="ECB reference rates (units per euro), newest first (SPEC section 6)",
    description="Charges convert original currency → USD → billing currency with the rates of the day before "
                "the transaction date (or the last earlier ECB day).",
    examples=[OpenApiExample("USD on one day", response_only=True, value={
        "count": 1, "next": None, "previous": None,
        "results": [{"rate_date": "2026-10-01", "currency": "USD", "rate": "1.0840"}]})],
))
class FxRateViewSet(viewsets.mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = FxRateSerializer
    permission_classes = [IsPortalUserOrCompanyToken]
    ops_permissions = {"list": ("charges.view_fxrate",)}
    filterset_class = FxRateFilter
    queryset = FxRate.objects.order_by("-rate_date", "currency")


class HoldSerializer(serializers.ModelSerializer):
    card_last4 = serializers.CharField(source="card.last4", read_only=True)
    account_number = serializers.CharField(source="account.number", read_only=True)
    authorization_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = Hold
        fields = ["id", "transaction_id", "authorization_id", "card_last4", "account_number", "kind", "amount",
                  "base_amount", "currency", "status", "created_on", "expires_on", "closed_on",
                  "created_at", "updated_at"]
        read_only_fields = fields


class HoldFilter(filters.FilterSet):
    account = filters.CharFilter(field_name="account__number", help_text="Account number.")
    company = filters.CharFilter(field_name="company__number", help_text="Company number.")
    card = filters.NumberFilter(field_name="card_id", help_text="Card id.")
    created_on_from = filters.DateFilter(field_name="created_on", lookup_expr="gte")
    created_on_to = filters.DateFilter(field_name="created_on", lookup_expr="lte")

    class Meta:
        model = Hold
        fields = ["account", "company", "card", "status", "kind", "created_on_from", "created_on_to"]


@extend_schema_view(
    list=extend_schema(summary="Holds on available spend, newest first (SPEC section 10)",
                       description="An open hold reserves spend until its charge is presented or it expires."),
    retrieve=extend_schema(summary="One hold"),
)
class HoldViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = HoldSerializer
    permission_classes = [IsPortalUserOrCompanyToken]
    ops_permissions = {"list": ("charges.view_hold",), "retrieve": ("charges.view_hold",)}
    filterset_class = HoldFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return (Hold.objects.filter(account__in=visible_accounts(self.request.user))
                .select_related("card", "account").order_by("-created_on", "-id"))
