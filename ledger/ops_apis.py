"""The general ledger over the REST API, for ops only (SPEC section 4): postings as journal entries
with their two legs, and the chart of accounts with its balances. What the admin's ledger pages show.

Company tokens, PAs and cardmembers get 403: the ledger holds every company's money.
"""

from __future__ import annotations

from collections import defaultdict

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from amexprog.common.permissions import IsOpsTokenOrStaff
from ledger.models import Chart, LedgerAccount, Posting, PostingKind
from ledger.selectors import posting_legs, trial_balance_rows


class JournalLegSerializer(serializers.Serializer):
    ledger_account = serializers.CharField(help_text="Code in the chart of accounts.")
    account_number = serializers.CharField(allow_null=True, default=None,
                                           help_text="The cardmember account of a receivable leg, else null.")
    amount = serializers.DecimalField(max_digits=18, decimal_places=2,
                                      help_text="Positive is a debit, negative a credit.")
    currency = serializers.CharField()


class JournalEntrySerializer(serializers.ModelSerializer):
    """A posting as the journal shows it: its two sides (issue 17: the row is the double entry)."""

    booked_on = serializers.DateField(source="posting_date")
    description = serializers.SerializerMethodField()
    legs = serializers.SerializerMethodField()

    updated_at = serializers.DateTimeField(source="created_at", read_only=True, help_text="Append-only: the "
                                           "moment it was written, as `created_at`.")

    class Meta:
        model = Posting
        fields = ["id", "source_key", "booked_on", "description", "created_at", "legs", "updated_at"]
        read_only_fields = fields

    def get_description(self, posting) -> str:
        return posting.description or PostingKind(posting.kind).label

    @extend_schema_field(JournalLegSerializer(many=True))
    def get_legs(self, posting) -> list[dict]:
        legs = [{"ledger_account": leg.ledger_account, "account_number": leg.account and leg.account.number,
                 "amount": leg.amount.amount, "currency": str(leg.amount.currency)}
                for leg in posting_legs(posting=posting)]
        return JournalLegSerializer(legs, many=True).data


class JournalEntryFilter(filters.FilterSet):
    booked_on_from = filters.DateFilter(field_name="posting_date", lookup_expr="gte",
                                        help_text="First booking day (inclusive), YYYY-MM-DD.")
    booked_on_to = filters.DateFilter(field_name="posting_date", lookup_expr="lte",
                                      help_text="Last booking day (inclusive), YYYY-MM-DD.")
    source_key = filters.CharFilter(field_name="source_key", lookup_expr="startswith",
                                    help_text="Source keys starting with this, e.g. `charge/`.")
    account = filters.CharFilter(field_name="account__number", help_text="Entries on this cardmember account.")
    ledger_account = filters.CharFilter(method="with_ledger_account",
                                        help_text="Entries with a side on this code of the chart, e.g. `bank`.")

    class Meta:
        model = Posting
        fields = ["booked_on_from", "booked_on_to", "source_key", "account", "ledger_account"]

    def with_ledger_account(self, queryset, name, value):
        return queryset if value == Chart.RECEIVABLE else queryset.filter(counter_account=value)


@extend_schema_view(
    list=extend_schema(summary="Journal entries with their legs, newest first (ops)",
                       description="Every entry balances per currency: its legs (debits positive, credits "
                                   "negative) sum to zero. Filter by booking day, source-key prefix, a "
                                   "cardmember account or a code of the chart."),
    retrieve=extend_schema(summary="One journal entry with its legs (ops)"),
)
class JournalEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = JournalEntrySerializer
    permission_classes = [IsOpsTokenOrStaff]
    ops_permissions = {"list": ("ledger.view_journalentry",), "retrieve": ("ledger.view_journalentry",)}
    filterset_class = JournalEntryFilter
    queryset = Posting.objects.select_related("account").order_by("-posting_date", "-id")


class LedgerAccountSerializer(serializers.ModelSerializer):
    balances = serializers.SerializerMethodField(
        help_text='Per currency, debits less credits over every leg: {"DKK": "123.45"}.')

    class Meta:
        model = LedgerAccount
        fields = ["code", "name", "type", "balances", "id", "created_at", "updated_at"]
        read_only_fields = fields

    def get_balances(self, ledger_account) -> dict[str, str]:
        return self.context.get("balances", {}).get(ledger_account.code, {})


@extend_schema_view(list=extend_schema(
    summary="The chart of accounts with balances (ops)",
    description="Each account's balance per currency is the sum of its legs: debits positive, credits negative.",
))
class LedgerAccountViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = LedgerAccountSerializer
    permission_classes = [IsOpsTokenOrStaff]
    ops_permissions = {"list": ("ledger.view_ledgeraccount",)}
    filterset_fields = ["type"]
    queryset = LedgerAccount.objects.order_by("code")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.action == "list":
            balances: dict[str, dict[str, str]] = defaultdict(dict)
            for code, currency, total in trial_balance_rows():
                balances[code][currency] = f"{total:.2f}"
            context["balances"] = balances
        return context
