"""API representations. Presentation only: writes go through accounts.services."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Account, BillingType, Card, Cardmember, Company, Language, Liability


class CompanySerializer(serializers.ModelSerializer):
    credit_limit = serializers.DecimalField(source="credit_limit.amount", max_digits=14, decimal_places=2)
    annual_fee = serializers.DecimalField(source="annual_fee.amount", max_digits=10, decimal_places=2)
    currency = serializers.CharField(read_only=True)

    class Meta:
        model = Company
        fields = [
            "number", "legal_name", "vat_number", "market", "currency", "billing_type", "default_liability",
            "credit_limit", "annual_fee", "cash_allowed", "eurobonus_allowed", "payment_terms_days",
            "blocked_mccs", "address_line", "postal_code", "city", "country", "iban", "bic",
            "authorised_signatories", "status",
            "id", "created_at", "updated_at",
        ]
        read_only_fields = fields


class CardmemberSerializer(serializers.ModelSerializer):
    company_number = serializers.CharField(source="company.number", read_only=True)

    class Meta:
        model = Cardmember
        fields = [
            "id", "company_number", "employee_id", "cost_centre", "first_name", "last_name", "email", "phone",
            "address_line", "postal_code", "city", "country", "language", "contact_valid",
            "created_at", "updated_at",
        ]
        read_only_fields = fields


AMOUNT_SCHEMA = {"type": "string", "format": "decimal", "example": "1234.50"}


def _amount(value, currency: str) -> str:
    from statements.rendering import formatting as fmt

    return fmt.amount_string(value, currency)


class SpendFiguresMixin:
    """`balance` and `available_to_spend` in the account's currency with its decimals (SPEC sections 4,
    10; issue 18 item 9), as an authorization would see them now."""

    @extend_schema_field({**AMOUNT_SCHEMA, "description": "Every posting so far, in the account's currency; "
                                                          "positive = owed by the holder."})
    def get_balance(self, obj) -> str:
        from charges.available import account_balance_amount

        account = obj if isinstance(obj, Account) else obj.account
        page = self._page_figures(obj)
        return _amount(page.balance if page is not None else account_balance_amount(account=account),
                       account.currency)

    def _page_figures(self, obj):
        """A list's figures, computed set-based for the whole page (charges.available_page), else None."""
        figures = self.context.get("spend_figures")
        return figures.get(obj.pk) if figures is not None else None

    @extend_schema_field({**AMOUNT_SCHEMA, "description": "What an authorization could still approve now: the "
                                                          "tightest headroom of the limits and the company's credit "
                                                          "limit after open holds; 0 when it would be refused."})
    def get_available_to_spend(self, obj) -> str:
        from amexprog.common import clock
        from charges.available import account_available_to_spend, card_available_to_spend

        page = self._page_figures(obj)
        if page is not None:
            currency = obj.currency if isinstance(obj, Account) else obj.account.currency
            return _amount(page.available_to_spend, currency)
        on, at = clock.today(), clock.now()
        if isinstance(obj, Account):
            return _amount(account_available_to_spend(account=obj, on=on, at=at), obj.currency)
        return _amount(card_available_to_spend(card=obj, on=on, at=at), obj.account.currency)


class AccountSerializer(serializers.ModelSerializer):
    company_number = serializers.CharField(source="company.number", read_only=True)
    cardmember_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = Account
        fields = [
            "number", "company_number", "cardmember_id", "liability", "billing_type", "currency", "cycle_day",
            "status", "opened_on", "closed_on",
            "id", "created_at", "updated_at",
        ]
        read_only_fields = fields


class CardSerializer(serializers.ModelSerializer):
    account_number = serializers.CharField(source="account.number", read_only=True)
    masked_number = serializers.CharField(read_only=True)
    replaces_id = serializers.IntegerField(read_only=True, allow_null=True)
    monthly_limit = serializers.DecimalField(source="monthly_limit.amount", max_digits=12, decimal_places=2,
                                             allow_null=True, read_only=True)

    class Meta:
        model = Card
        fields = [
            "id", "account_number", "masked_number", "last4", "expiry", "status", "replaces_id", "contactless",
            "cash_enabled", "monthly_limit", "blocked_mccs", "issued_on",
            "created_at", "updated_at",
        ]
        read_only_fields = fields


class AccountDetailSerializer(SpendFiguresMixin, AccountSerializer):
    """An account with its balance and what it can still spend (issue 18 item 9): on its own (computed
    live) and in the list (computed for the whole page at once, charges.available_page)."""

    balance = serializers.SerializerMethodField()
    available_to_spend = serializers.SerializerMethodField()

    class Meta(AccountSerializer.Meta):
        fields = [*AccountSerializer.Meta.fields, "balance", "available_to_spend"]
        read_only_fields = fields


class CardDetailSerializer(SpendFiguresMixin, CardSerializer):
    """A card with its account's balance and what the card can still spend (issue 18 item 9), on its own
    and in the list (charges.available_page)."""

    balance = serializers.SerializerMethodField(help_text="The balance of the card's account.")
    available_to_spend = serializers.SerializerMethodField()

    class Meta(CardSerializer.Meta):
        fields = [*CardSerializer.Meta.fields, "balance", "available_to_spend"]
        read_only_fields = fields


class CardOrderSerializer(serializers.Serializer):
    """A single card order (SPEC section 11). The response shows the masked card only."""

    company_number = serializers.CharField(max_length=20)
    employee_id = serializers.CharField(max_length=40)
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    email = serializers.EmailField()
    cost_centre = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    language = serializers.ChoiceField(choices=Language.choices, required=False, allow_blank=True, default="")
    address_line = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    # Two letters, or empty for the company's country: a minLength of 2 beside the default "" made the
    # schema invalid OpenAPI (issue 18 item 5).
    country = serializers.RegexField(r"^([A-Za-z]{2})?$", max_length=2, required=False, allow_blank=True, default="",
                                     help_text="ISO 3166 country code; empty or absent: the company's country.")
    liability = serializers.ChoiceField(choices=Liability.choices, required=False, allow_blank=True, default="")
    billing = serializers.ChoiceField(choices=BillingType.choices, required=False, allow_blank=True, default="")
    # Absent: the company's cycle day for a centrally billed account, else the 1st (SPEC 9).
    cycle_day = serializers.IntegerField(min_value=1, max_value=31, required=False)
    monthly_limit = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0"),
                                             required=False, allow_null=True, default=None)
    cash_enabled = serializers.BooleanField(required=False, default=False)

    def validate_cycle_day(self, value: int) -> int:
        if 28 < value < 31:
            raise serializers.ValidationError("Use 1–28, or 31 for the last day of the month.")
        return value


class CardOrderResultSerializer(serializers.Serializer):
    account = AccountSerializer()
    card = CardSerializer()
