"""Statement JSON (SPEC section 16), shared by the API and `export_statements`.

The serializers present the dataclasses of statements.rendering.data; they compute nothing.
Amounts are strings with exactly their currency's decimals (`"1650.00"`, JPY `"1234"`); rates
are the full stored Decimals as strings; a value that does not apply (no FX on a domestic line,
the original→USD rate of a USD charge) is null, so every line has the same keys.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from amexprog.common.amounts import AmountField  # noqa: F401 (one amount field for the API, re-exported)
from statements.rendering import formatting as fmt


@extend_schema_field({"type": "string", "nullable": True, "example": "6.876497695853"})
class RateField(serializers.Field):
    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str | None:
        return fmt.rate_string(value)


@extend_schema_field(OpenApiTypes.STR)
class SentenceField(serializers.Field):
    """Babel's no-break spaces become plain spaces: JSON readers compare and search text."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str | None:
        return fmt.plain_spaces(value)


@extend_schema_field({"type": "object", "additionalProperties": {"type": "string"},
                      "example": {"purchase": "1000.00", "fee_annual": "650.00"}})
class TotalsField(serializers.Field):
    """`{kind: amount}` in posting-kind order; kinds without postings are left out (SPEC section 16)."""

    def __init__(self, **kwargs):
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, obj: Any) -> dict[str, str]:
        return {total.kind: fmt.amount_string(total.amount, obj.currency) for total in obj.totals}


class StatementLineSerializer(serializers.Serializer):
    posting_date = serializers.DateField(read_only=True)
    kind = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    amount = AmountField("amount", help_text="In the billing currency; negative = credit.")
    original_amount = AmountField("original_amount", currency_attr="original_currency", allow_null=True,
                                  help_text="The charge in its own currency; null for billing-currency lines.")
    original_currency = serializers.CharField(read_only=True, allow_null=True)
    usd_amount = AmountField("usd_amount", currency="USD", allow_null=True,
                             help_text="The USD step of the conversion, rounded to the cent (SPEC section 6).")
    fx_rate_to_usd = RateField(allow_null=True, help_text="Original currency → USD; null for USD charges.")
    fx_rate = RateField(allow_null=True, help_text="USD → billing currency.")
    fx_rate_date = serializers.DateField(read_only=True, allow_null=True,
                                         help_text="The ECB reference-rate date used.")
    source_key = serializers.CharField(read_only=True)
    explanation = SentenceField(allow_null=True, help_text="How a fee, interest or conversion was computed, "
                                                           "in the holder's language.")


class PhoneLineSerializer(serializers.Serializer):
    line = serializers.CharField(read_only=True, help_text="cards, lost_stolen, credit, pa_service or fraud.")
    label = serializers.CharField(read_only=True)
    phone = serializers.CharField(read_only=True)
    hours = SentenceField()


class IssuerContactSerializer(serializers.Serializer):
    """Whom the statement is from and whom to call (SPEC section 15; issue 16 item 11)."""

    legal_name = serializers.CharField(read_only=True)
    registration = serializers.CharField(read_only=True)
    address_lines = serializers.ListField(child=serializers.CharField(), read_only=True)
    complaint_address_lines = serializers.ListField(child=serializers.CharField(), read_only=True)
    phone_lines = PhoneLineSerializer(many=True, read_only=True)


class PaymentSerializer(serializers.Serializer):
    """How to pay and how far it is paid on `as_of` (SPEC sections 9, 15; issue 19 item 4)."""

    status = serializers.ChoiceField(
        choices=["nothing_due", "paid", "partly_paid", "unpaid", "overdue"], read_only=True,
        help_text="On `as_of`: paid, partly_paid (the rest not yet due), unpaid (not yet due), overdue (some "
                  "of the amount due is past a due date) or nothing_due.")
    as_of = serializers.DateField(read_only=True)
    amount_due = AmountField("amount_due")
    due_date = serializers.DateField(read_only=True)
    paid = AmountField("paid")
    outstanding = AmountField("outstanding")
    payer = serializers.ChoiceField(choices=["holder", "company"], read_only=True)
    payee_name = serializers.CharField(read_only=True)
    iban = serializers.CharField(read_only=True)
    bic = serializers.CharField(read_only=True)
    reference = serializers.CharField(read_only=True, help_text="The reference to quote with the transfer.")
    issuer = IssuerContactSerializer(read_only=True)


class StatementSerializer(serializers.Serializer):
    """The statement document (SPEC section 16), these keys; `payment` (how to pay, its status and whom
    to call; issue 16 item 11, issue 19 item 4) is null only where the market has no issuer details."""

    account_number = serializers.CharField(read_only=True)
    company_number = serializers.CharField(read_only=True)
    statement_date = serializers.DateField(read_only=True)
    period_start = serializers.DateField(read_only=True)
    period_end = serializers.DateField(read_only=True)
    due_date = serializers.DateField(read_only=True)
    currency = serializers.CharField(read_only=True)
    opening_balance = AmountField("opening_balance")
    closing_balance = AmountField("closing_balance", help_text="Also the amount due (a charge card).")
    eurobonus_points = serializers.IntegerField(read_only=True)
    totals = TotalsField()
    lines = StatementLineSerializer(many=True, read_only=True)
    payment = PaymentSerializer(read_only=True, allow_null=True)


class _LinksMixin:
    """Absolute links when serving a request, paths otherwise."""

    def _url(self, name: str, pk: int) -> str:
        path = reverse(name, args=[pk])
        request = self.context.get("request")  # type: ignore[attr-defined]
        return request.build_absolute_uri(path) if request is not None else path


class StatementListSerializer(_LinksMixin, serializers.Serializer):
    """A row of a statement list: the figures without the lines; `url`/`pdf_url` fetch the rest."""

    id = serializers.IntegerField(read_only=True)
    account_number = serializers.CharField(source="account.number", read_only=True)
    company_number = serializers.CharField(source="account.company.number", read_only=True)
    statement_date = serializers.DateField(read_only=True)
    period_start = serializers.DateField(read_only=True)
    period_end = serializers.DateField(read_only=True)
    due_date = serializers.DateField(read_only=True)
    currency = serializers.CharField(read_only=True)
    opening_balance = AmountField("opening_balance")
    closing_balance = AmountField("closing_balance")
    billed_amount = AmountField("billed_amount")
    payments_amount = AmountField("payments_amount")
    eurobonus_points = serializers.IntegerField(read_only=True)
    line_count = serializers.IntegerField(read_only=True)
    company_statement_id = serializers.IntegerField(read_only=True, allow_null=True)
    url = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def get_url(self, statement) -> str:
        return self._url("statement-detail", statement.pk)

    def get_pdf_url(self, statement) -> str:
        return self._url("statement-pdf", statement.pk)


class CompanyAccountRowSerializer(serializers.Serializer):
    statement_id = serializers.IntegerField(read_only=True)
    account_number = serializers.CharField(read_only=True)
    holder_name = serializers.CharField(read_only=True)
    employee_id = serializers.CharField(read_only=True)
    cost_centre = serializers.CharField(read_only=True)
    currency = serializers.CharField(read_only=True)
    opening_balance = AmountField("opening_balance")
    billed_amount = AmountField("billed_amount")
    payments_amount = AmountField("payments_amount")
    closing_balance = AmountField("closing_balance")
    eurobonus_points = serializers.IntegerField(read_only=True)


class CompanyStatementSerializer(serializers.Serializer):
    """Central billing (SPEC section 9): the company's sum and each account's share of it."""

    id = serializers.IntegerField(source="company_statement_id", read_only=True)
    company_number = serializers.CharField(read_only=True)
    company_name = serializers.CharField(read_only=True)
    statement_date = serializers.DateField(read_only=True)
    due_date = serializers.DateField(read_only=True)
    currency = serializers.CharField(read_only=True)
    opening_balance = AmountField("opening_balance")
    closing_balance = AmountField("closing_balance")
    billed_amount = AmountField("billed_amount")
    payments_amount = AmountField("payments_amount")
    amount_due = AmountField("amount_due")
    account_count = serializers.IntegerField(read_only=True)
    totals = TotalsField()
    accounts = CompanyAccountRowSerializer(many=True, read_only=True)
    payment = PaymentSerializer(read_only=True, allow_null=True)


class CompanyStatementListSerializer(_LinksMixin, serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    company_number = serializers.CharField(source="company.number", read_only=True)
    statement_date = serializers.DateField(read_only=True)
    due_date = serializers.DateField(read_only=True)
    currency = serializers.CharField(read_only=True)
    opening_balance = AmountField("opening_balance")
    closing_balance = AmountField("closing_balance")
    billed_amount = AmountField("billed_amount")
    payments_amount = AmountField("payments_amount")
    account_count = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def get_url(self, company_statement) -> str:
        return self._url("company-statement-detail", company_statement.pk)

    def get_pdf_url(self, company_statement) -> str:
        return self._url("company-statement-pdf", company_statement.pk)


class StatementDetailSerializer(StatementListSerializer):
    """`GET /api/v1/statements/{id}/`: every field of the list item, and the document's totals, lines and
    payment details (SPEC section 16; issue 18 item 9: the detail had fewer fields than its list item)."""

    totals = TotalsField()
    lines = StatementLineSerializer(many=True, read_only=True)
    payment = PaymentSerializer(read_only=True, allow_null=True)


class CompanyStatementDetailSerializer(CompanyStatementListSerializer):
    """`GET /api/v1/company-statements/{id}/`: every field of the list item, and the document's (issue 18
    item 9)."""

    company_name = serializers.CharField(read_only=True)
    amount_due = AmountField("amount_due")
    totals = TotalsField()
    accounts = CompanyAccountRowSerializer(many=True, read_only=True)
    payment = PaymentSerializer(read_only=True, allow_null=True)
