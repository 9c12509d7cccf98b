"""`GET /api/v1/audit-entries/`: who changed which card, account or company, when and why (SPEC section 1).

Scoped by accounts.selectors: a PA and a company token see their companies' entries (what the
company's PAs, cardmembers and ops did), a cardmember the entries on their own account, ops all.
Cards appear by their last four digits.
"""

from __future__ import annotations

from django.db.models import Q
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from accounts.models import AuditEntry, EmbossingOrder
from accounts.selectors import visible_accounts, visible_companies
from amexprog.common.permissions import IsOpsTokenOrStaff, IsPortalUserOrCompanyToken


class AuditEntrySerializer(serializers.ModelSerializer):
    company_number = serializers.CharField(source="company.number", read_only=True)
    account_number = serializers.CharField(source="account.number", read_only=True, allow_null=True, default=None)
    card_id = serializers.IntegerField(read_only=True, allow_null=True)
    card_last4 = serializers.CharField(source="card.last4", read_only=True, allow_null=True, default=None)
    details = serializers.DictField(read_only=True, help_text="What changed (e.g. the controls' new values).")
    # Append-only: created and last changed when it was written (SPEC section 16).
    created_at = serializers.DateTimeField(source="at", read_only=True)
    updated_at = serializers.DateTimeField(source="at", read_only=True)

    class Meta:
        model = AuditEntry
        fields = ["id", "at", "on", "action", "actor", "actor_role", "company_number", "account_number", "card_id",
                  "card_last4", "reason", "details", "created_at", "updated_at"]
        read_only_fields = fields


class AuditEntryFilter(filters.FilterSet):
    company = filters.CharFilter(field_name="company__number", help_text="Company number.")
    account = filters.CharFilter(field_name="account__number", help_text="Account number.")
    card = filters.NumberFilter(field_name="card_id", help_text="Card id.")
    action = filters.MultipleChoiceFilter(choices=AuditEntry.Action.choices)
    on_from = filters.DateFilter(field_name="on", lookup_expr="gte", help_text="First business day (inclusive).")
    on_to = filters.DateFilter(field_name="on", lookup_expr="lte", help_text="Last business day (inclusive).")

    class Meta:
        model = AuditEntry
        fields = ["company", "account", "card", "action", "actor_role", "on_from", "on_to"]


@extend_schema_view(
    list=extend_schema(
        summary="The audit log of cards, accounts and companies the caller may see, newest first",
        examples=[OpenApiExample("A card blocked by its PA", response_only=True, value={
            "count": 1, "next": None, "previous": None, "results": [{
                "id": 42, "at": "2026-10-14T09:12:03Z", "on": "2026-10-14", "action": "card_blocked",
                "actor": "alice", "actor_role": "company", "company_number": "10001",
                "account_number": "376000000012", "card_id": 9, "card_last4": "0005",
                "reason": "Left the company", "details": {}}]})],
    ),
    retrieve=extend_schema(summary="One audit entry"),
)
class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AuditEntrySerializer
    permission_classes = [IsPortalUserOrCompanyToken]
    ops_permissions = {"list": ("accounts.view_auditentry",), "retrieve": ("accounts.view_auditentry",)}
    filterset_class = AuditEntryFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        user = self.request.user
        scope = Q(company__in=visible_companies(user)) | Q(account__in=visible_accounts(user))
        return (AuditEntry.objects.filter(scope).select_related("company", "account", "card")
                .order_by("-at", "-id"))


class EmbossingOrderSerializer(serializers.ModelSerializer):
    card_id = serializers.IntegerField(read_only=True)
    card_last4 = serializers.CharField(source="card.last4", read_only=True)
    account_number = serializers.CharField(source="card.account.number", read_only=True)

    class Meta:
        model = EmbossingOrder
        fields = ["id", "card_id", "card_last4", "account_number", "reason", "created_on", "written_at",
                  "created_at", "updated_at"]
        read_only_fields = fields


class EmbossingOrderFilter(filters.FilterSet):
    written = filters.BooleanFilter(field_name="written_at", lookup_expr="isnull", exclude=True,
                                    help_text="false: the number never reached the spool (reissue that card).")
    created_on_from = filters.DateFilter(field_name="created_on", lookup_expr="gte")
    created_on_to = filters.DateFilter(field_name="created_on", lookup_expr="lte")

    class Meta:
        model = EmbossingOrder
        fields = ["reason", "written", "created_on_from", "created_on_to"]


@extend_schema_view(list=extend_schema(
    summary="Ops: cards waiting for or sent to the embosser, newest first (SPEC section 11)",
    description="Replacement, renewal and reissued cards. The full number is never here: it was written once "
                "to the ops embossing spool.",
))
class EmbossingOrderViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = EmbossingOrderSerializer
    permission_classes = [IsOpsTokenOrStaff]
    ops_permissions = {"list": ("accounts.view_embossingorder",)}
    filterset_class = EmbossingOrderFilter
    queryset = EmbossingOrder.objects.select_related("card__account").order_by("-created_on", "-id")
