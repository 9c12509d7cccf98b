"""`GET /api/v1/transactions`: the company-wide transactions (SPEC 16, issue 18 item 6; SPEC 18): the
postings and authorizations of the caller's companies, declines included, in one row shape, with the
portal's filters as strict query parameters (an unknown one is a 400 naming it) and the project's
default pagination.

A company token sees its company; a PA their companies (narrowed with `company`); ops with the view
permissions every company; anyone else an empty list. Cards appear by their last four digits only.
"""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers

from accounts.selectors import visible_companies
from amexprog.common.permissions import IsPortalUserOrCompanyToken
from charges.authorization_models import DeclineReason
from charges.mcc import INDUSTRY_NAMES, industry_of
from charges.selectors import authorizations_of_transactions
from charges.transaction_files import money_cell
from charges.transaction_models import CompanyTransaction, TransactionSource, TransactionStatus
from charges.transactions import (
    DEFAULT_SORT,
    TransactionFilters,
    transactions_filter,
    transactions_ordering,
)
from ledger.apis import EXPAND_PARAMETER, requested_expansions
from ledger.models import PostingKind
from ledger.serializers import EXPANDED_HELP, EXPANDED_SCHEMA, expanded_objects


@extend_schema_field(OpenApiTypes.STR)
class AmountField(serializers.Field):
    """An amount as a string with its currency's decimals ("1234.50"), or null."""

    def __init__(self, *, currency: str, **kwargs):
        self.currency_attribute = currency
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("allow_null", True)
        super().__init__(source="*", **kwargs)

    def to_representation(self, row):
        amount = getattr(row, self.source_attrs[0] if self.source_attrs else self.field_name)
        currency = getattr(row, self.currency_attribute) or ""
        return money_cell(amount, currency, decimal_comma=False) if amount is not None else None


class TransactionSerializer(serializers.Serializer):
    id = serializers.SerializerMethodField(help_text="`posting_<id>` or `authorization_<id>`: stable and unique.")
    source = serializers.ChoiceField(choices=TransactionSource.choices, read_only=True,
                                     help_text="A posting of the ledger, or an authorization not (yet) charged.")
    source_id = serializers.IntegerField(read_only=True, help_text="The posting's or the authorization's id.")
    date = serializers.DateField(read_only=True, help_text="Posting date, or the day of the decision.")
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True, help_text="When the row last changed: a pending "
                                                                     "authorization's when its hold expired.")
    company_number = serializers.CharField(source="company.number", read_only=True)
    account_number = serializers.CharField(source="account.number", read_only=True)
    cardmember_id = serializers.IntegerField(read_only=True)
    cardmember_name = serializers.CharField(source="cardmember.full_name", read_only=True)
    employee_id = serializers.CharField(source="cardmember.employee_id", read_only=True)
    cost_centre = serializers.CharField(source="cardmember.cost_centre", read_only=True)
    card_id = serializers.IntegerField(read_only=True, allow_null=True)
    card_last4 = serializers.SerializerMethodField()
    merchant_name = serializers.CharField(read_only=True)
    merchant_city = serializers.CharField(read_only=True)
    merchant_country = serializers.CharField(read_only=True)
    mcc = serializers.CharField(read_only=True)
    industry = serializers.SerializerMethodField()
    kind = serializers.ChoiceField(choices=PostingKind.choices, read_only=True)
    status = serializers.ChoiceField(choices=TransactionStatus.choices, read_only=True,
                                     help_text="posted; pending (approved, held); declined; expired (held, "
                                               "never charged).")
    amount = AmountField(currency="currency", help_text="In the billing currency; negative for credits. Null for "
                                                        "a decline that was never converted.")
    currency = serializers.CharField(read_only=True)
    original_amount = AmountField(currency="original_currency", help_text="In the transaction's currency "
                                                                          "when it is not the billing currency.")
    original_currency = serializers.SerializerMethodField()
    description = serializers.CharField(read_only=True)
    decline_reason = serializers.SerializerMethodField()

    expanded = serializers.SerializerMethodField(help_text=EXPANDED_HELP)

    def get_id(self, row) -> str:
        return f"{row.source}_{row.source_id}"

    @extend_schema_field(EXPANDED_SCHEMA)
    def get_expanded(self, row) -> dict:
        """`expand[]=card` / `expand[]=authorization`: the same objects as on an account's postings; a
        posting's authorization is the one it settled, an authorization row's is itself."""
        authorization = self.context.get("authorizations", {}).get((row.source, row.source_id))
        return expanded_objects(self.context, card=row.card if row.card_id else None, authorization=authorization)

    def get_card_last4(self, row) -> str | None:
        return row.card.last4 if row.card_id and row.card else None

    @extend_schema_field(serializers.ChoiceField(choices=list(INDUSTRY_NAMES), allow_null=True))
    def get_industry(self, row) -> str | None:
        return industry_of(row.mcc) if row.mcc else None

    def get_original_currency(self, row) -> str | None:
        return row.original_currency or None

    @extend_schema_field(serializers.ChoiceField(choices=DeclineReason.choices, allow_null=True))
    def get_decline_reason(self, row) -> str | None:
        return row.reason or None


class TransactionFilter(filters.FilterSet):
    """The portal's filters (SPEC 18) as query parameters; charges.transactions applies them."""

    company = filters.CharFilter(help_text="Company number (a PA of several companies narrows to one).")
    q = filters.CharFilter(help_text="Merchant, description, cardmember name, employee id or account number.")
    cardmember = filters.NumberFilter(help_text="Cardmember id.")
    employee_id = filters.CharFilter(help_text="The cardmember's employee id.")
    account = filters.CharFilter(help_text="Account number.")
    card = filters.NumberFilter(help_text="Card id.")
    card_last4 = filters.CharFilter(help_text="The card's last four digits.")
    cost_centre = filters.CharFilter(help_text="The cardmember's cost centre.")
    merchant = filters.CharFilter(help_text="Part of the merchant's name.")
    mcc = filters.CharFilter(help_text="Merchant category code (4 digits).")
    industry = filters.ChoiceFilter(choices=list(INDUSTRY_NAMES.items()), help_text="Industry of the MCC.")
    country = filters.CharFilter(help_text="The merchant's country, ISO 3166 alpha-2.")
    amount_min = filters.NumberFilter(help_text="Lowest amount in the billing currency (credits are negative).")
    amount_max = filters.NumberFilter(help_text="Highest amount in the billing currency.")
    date_from = filters.DateFilter(help_text="First date (inclusive), YYYY-MM-DD.")
    date_to = filters.DateFilter(help_text="Last date (inclusive), YYYY-MM-DD.")
    kind = filters.ChoiceFilter(choices=PostingKind.choices)
    status = filters.ChoiceFilter(choices=TransactionStatus.choices)
    source = filters.ChoiceFilter(choices=TransactionSource.choices)
    created_after = filters.IsoDateTimeFilter(help_text="Only rows created after this moment (incremental sync).")

    class Meta:
        model = CompanyTransaction
        fields: list[str] = []

    def filter_queryset(self, queryset):
        data = dict(self.form.cleaned_data)
        company = data.pop("company", "")
        if company:
            queryset = queryset.filter(company__number=company)
        if data.get("cardmember") is not None:
            data["cardmember_id"] = int(data.pop("cardmember"))
        else:
            data.pop("cardmember", None)
        card, employee_id = data.pop("card", None), data.pop("employee_id", "")
        if card is not None:
            queryset = queryset.filter(card_id=int(card))
        if employee_id:
            queryset = queryset.filter(cardmember__employee_id=employee_id)
        # No `sort` over the API: lists walk by cursor in id order, stable while rows arrive (SPEC 16); the
        # portal page sorts by column.
        return transactions_filter(queryset, TransactionFilters.of(data))


@extend_schema(
    summary="The company-wide transactions: postings and authorizations, declines included",
    description="One row shape for every posting of the ledger (status `posted`) and every authorization "
                "without a posting: `declined`, `pending` (approved, its hold open) or `expired` (held, never "
                "charged). An approved authorization whose charge was presented is that charge's posting, so no "
                "amount appears twice. Filters as in the portal's transactions page; newest first by default. "
                "`expand[]=card` and `expand[]=authorization` include those objects whole under `expanded`, as on "
                "an account's postings (a card's postings: `card=ID`).",
    parameters=[EXPAND_PARAMETER],
)
class TransactionListView(generics.ListAPIView):
    serializer_class = TransactionSerializer
    permission_classes = [IsPortalUserOrCompanyToken]
    ops_permissions = {"get": ("ledger.view_posting", "charges.view_authorization")}
    filterset_class = TransactionFilter

    def list(self, request, *args, **kwargs):
        expand = requested_expansions(request)
        queryset = self.filter_queryset(self.get_queryset())
        if "card" in expand:  # the card's account number, in the same query
            queryset = queryset.select_related("card__account")
        page = self.paginate_queryset(queryset)
        context = {**self.get_serializer_context(), "expand": expand,
                   "authorizations": authorizations_of_transactions(page) if "authorization" in expand else {}}
        return self.get_paginated_response(self.get_serializer(page, many=True, context=context).data)

    def get_queryset(self):
        return (CompanyTransaction.objects.filter(company__in=visible_companies(self.request.user))
                .select_related("company", "account", "cardmember", "card")
                .order_by(*transactions_ordering(DEFAULT_SORT)))
