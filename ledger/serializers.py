"""An account's postings as API clients see them (SPEC sections 4, 6, 14).

Rows are statement lines (statements.rendering.data.StatementLine), built by the same function
that builds statements, so a transaction reads the same in the list and on its statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from accounts.serializers import CardSerializer
from charges.authorization_apis import AuthorizationSerializer
from statements.serializers import AmountField, RateField, SentenceField

EXPANDABLE = ("card", "authorization")
# The objects `expand[]` adds under `expanded`, one schema for every posting list (issue 18 item 9).
EXPANDED_SCHEMA = inline_serializer(name="PostingExpanded", fields={
    "card": CardSerializer(allow_null=True, required=False),
    "authorization": AuthorizationSerializer(allow_null=True, required=False),
})
EXPANDED_HELP = ("The related objects asked for with `expand[]` (`card`, `authorization`), each null when the row "
                 "has none; absent keys were not asked for.")


def expanded_objects(context: dict, *, card, authorization) -> dict:
    """`expanded` of one row: each card serialized once per page (issue 18 item 9)."""
    expand = context.get("expand", ())
    out: dict = {}
    if "card" in expand:
        cards = context.setdefault("expanded_cards", {})
        if card is not None and card.pk not in cards:
            cards[card.pk] = CardSerializer(card).data
        out["card"] = cards.get(card.pk) if card is not None else None
    if "authorization" in expand:
        out["authorization"] = AuthorizationSerializer(authorization).data if authorization is not None else None
    return out


@dataclass
class PostingRow:
    """A posting as the list shows it: its statement line (read like the statement), the posting itself
    and the authorization it settled."""

    line: Any
    posting: Any
    authorization: Any = None

    @property
    def authorization_id(self) -> int | None:
        return self.authorization.pk if self.authorization is not None else None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["line"], name)


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
    # Issue 18 item 9: the merchant, MCC, card and authorization of a charge; `created_at`/`updated_at`
    # (SPEC section 16: a posting never changes, so both are the moment it was written).
    merchant_name = serializers.CharField(source="posting.merchant_name", read_only=True)
    mcc = serializers.CharField(source="posting.mcc", read_only=True, help_text="Merchant category code, or empty.")
    card_id = serializers.IntegerField(source="posting.card_id", read_only=True, allow_null=True)
    authorization_id = serializers.IntegerField(read_only=True, allow_null=True,
                                                help_text="The authorization this charge was presented against.")
    created_at = serializers.DateTimeField(source="posting.created_at", read_only=True)
    updated_at = serializers.DateTimeField(source="posting.created_at", read_only=True)
    expanded = serializers.SerializerMethodField(
        help_text="The related objects asked for with `expand[]` (`card`, `authorization`), each null when the "
                  "posting has none; absent keys were not asked for.")

    @extend_schema_field(EXPANDED_SCHEMA)
    def get_expanded(self, row: PostingRow) -> dict:
        expand = self.context.get("expand", ())
        out: dict = {}
        if "card" in expand:  # serialized once per card and page (its account number is one more query)
            cards = self.context.setdefault("expanded_cards", {})
            if row.posting.card_id and row.posting.card_id not in cards:
                cards[row.posting.card_id] = CardSerializer(row.posting.card).data
            out["card"] = cards.get(row.posting.card_id)
        if "authorization" in expand:
            out["authorization"] = (AuthorizationSerializer(row.authorization).data
                                    if row.authorization is not None else None)
        return out
