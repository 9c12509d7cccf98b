"""An account's postings as API clients see them (SPEC sections 4, 6, 14).

Rows are statement lines (statements.rendering.data.StatementLine), built by the same function
that builds statements, so a transaction reads the same in the list and on its statement.
"""

from __future__ import annotations

from rest_framework import serializers

from statements.serializers import AmountField, RateField, SentenceField


class PostingSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="posting_id", read_only=True)
    posting_date = serializers.DateField(read_only=True)
    transaction_date = serializers.DateField(read_only=True, allow_null=True)
    kind = serializers.CharField(read_only=True)
    kind_label = serializers.CharField(read_only=True, help_text="The kind in the requested language.")
    description = serializers.CharField(read_only=True)
    merchant_city = serializers.CharField(read_only=True)
    merchant_country = serializers.CharField(read_only=True)
    card = serializers.CharField(read_only=True, help_text="The masked card number, or empty.")
    amount = AmountField("amount", help_text="In the billing currency; negative = credit.")
    currency = serializers.CharField(read_only=True)
    original_amount = AmountField("original_amount", currency_attr="original_currency", allow_null=True)
    original_currency = serializers.CharField(read_only=True, allow_null=True)
    usd_amount = AmountField("usd_amount", currency="USD", allow_null=True)
    fx_rate_to_usd = RateField(allow_null=True, help_text="Original currency → USD; null for USD charges.")
    fx_rate = RateField(allow_null=True, help_text="USD → billing currency.")
    fx_rate_date = serializers.DateField(read_only=True, allow_null=True)
    source_key = serializers.CharField(read_only=True)
    explanation = SentenceField(allow_null=True)
