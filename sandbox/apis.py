"""POST /api/v1/sandbox/… — test an integration without a full card number or a file (SPEC section 16
"Sandbox"; issue 18 item 8). Routed only where settings.SANDBOX_ENABLED (development and test settings);
production has no such route.

Only a company API token with the read-write scope may call them, and only for its own company's cards,
authorizations and accounts: another company's are a 404 like ones that do not exist. Signed-in people and
ops use the portal and the admin; the network's token has its own authorization call. The helpers go
through the production services (sandbox.services).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import ApiClient
from accounts.models import ApiToken
from accounts.selectors import visible_accounts, visible_cards, visible_companies
from amexprog.common.idempotency import IdempotentMixin
from amexprog.common.money import amount_string, has_at_most_minor_units
from charges.activity_apis import HoldSerializer
from charges.authorization_apis import (
    BAD_AMOUNT,
    BAD_TRANSACTION_ID,
    DECISION,
    TOO_MANY_DECIMALS,
    UNKNOWN_CURRENCY,
)
from charges.authorization_models import Authorization, AuthorizationType, EntryMode
from charges.validation import MAX_MERCHANT_CITY, MAX_MERCHANT_NAME, MAX_TRANSACTION_ID, supported_currencies
from sandbox import services

COMPANY_TOKENS_ONLY = _("The sandbox is for a company's read-write API token.")
ONE_PAYER = _("Name either account_number or company_number.")
ONE_OF_DAYS_OR_THROUGH = _("Send either days or through.")
_AMOUNT = re.compile(r"[0-9]{1,15}(\.[0-9]{1,3})?")
TAG = ["Sandbox"]
SANDBOX_NOTE = ("Development and test servers only: production has no /sandbox/ routes. For a company's "
                "read-write API token, on its own company's objects.")


class IsCompanyToken(BasePermission):
    """A company's API token (its read-write scope is checked before, by accounts.authentication)."""

    message = COMPANY_TOKENS_ONLY

    def has_permission(self, request, view) -> bool:
        user = request.user
        return isinstance(user, ApiClient) and user.token.kind == ApiToken.Kind.COMPANY


class SandboxView(IdempotentMixin, APIView):
    permission_classes = [IsCompanyToken]
    # Ops never call the sandbox (IsCompanyToken refuses them): no action names an ops permission.
    ops_permissions: dict[str, tuple[str, ...]] = {}


def _amount(raw: str, currency: str | None) -> Decimal:
    try:
        amount = Decimal(raw) if _AMOUNT.fullmatch(raw) else None
    except InvalidOperation:
        amount = None
    if amount is None or amount <= 0:
        raise serializers.ValidationError({"amount": [BAD_AMOUNT]})
    if currency and not has_at_most_minor_units(amount, currency):
        raise serializers.ValidationError({"amount": [TOO_MANY_DECIMALS.format(currency=currency)]})
    return amount


class SandboxAuthorizeSerializer(serializers.Serializer):
    card_id = serializers.IntegerField(help_text="The card's id (GET /api/v1/cards/): no card number needed.")
    transaction_id = serializers.RegexField(
        rf"^[A-Za-z0-9._:-]{{1,{MAX_TRANSACTION_ID}}}$", required=False,
        error_messages={"invalid": BAD_TRANSACTION_ID},
        help_text="The network's id for the request; a new `SBX-…` id when left out. The same id with the same "
                  "body again returns the first decision.")
    type = serializers.ChoiceField(choices=AuthorizationType.choices, default=AuthorizationType.PURCHASE)
    amount = serializers.CharField(max_length=20, help_text='A string, e.g. "123.45".')
    currency = serializers.CharField(min_length=3, max_length=3, help_text="ISO 4217, e.g. DKK or EUR.")
    merchant_name = serializers.CharField(max_length=MAX_MERCHANT_NAME, required=False, allow_blank=True,
                                          default="Sandbox merchant")
    merchant_city = serializers.CharField(max_length=MAX_MERCHANT_CITY, required=False, allow_blank=True,
                                          default="")
    merchant_country = serializers.RegexField(r"^[A-Z]{2}$", required=False, default="DK", error_messages={
        "invalid": "A two-letter country code in capitals."})
    mcc = serializers.RegexField(r"^[0-9]{4}$", required=False, default="5812",
                                 error_messages={"invalid": "Four digits."})
    entry_mode = serializers.ChoiceField(choices=EntryMode.choices, default=EntryMode.ONLINE)
    pin_verified = serializers.BooleanField(required=False, default=False)
    recurring = serializers.BooleanField(required=False, default=False)

    def validate_currency(self, value: str) -> str:
        if value not in supported_currencies():
            raise serializers.ValidationError(UNKNOWN_CURRENCY)
        return value

    def validate(self, attrs):
        attrs["amount"] = _amount(attrs["amount"], attrs["currency"])
        return attrs


class SandboxClearSerializer(serializers.Serializer):
    amount = serializers.CharField(max_length=20, required=False, help_text=(
        "The amount presented, in the authorization's currency; the authorized amount when left out."))


class SandboxPaymentSerializer(serializers.Serializer):
    account_number = serializers.CharField(max_length=20, required=False, help_text="The account paid.")
    company_number = serializers.CharField(max_length=20, required=False, help_text=(
        "Or the company: split over its centrally billed accounts, oldest due amount first."))
    amount = serializers.CharField(max_length=20, help_text="In the billing currency, e.g. \"500.00\".")
    payment_id = serializers.RegexField(r"^[A-Za-z0-9._:-]{1,64}$", required=False,
                                        help_text="The bank's reference; a new `SBX-…` id when left out.")
    method = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if bool(attrs.get("account_number")) == bool(attrs.get("company_number")):
            raise serializers.ValidationError({"account_number": [ONE_PAYER]})
        attrs["amount"] = _amount(attrs["amount"], None)
        return attrs


class SandboxAdvanceSerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=services.MAX_ADVANCE_DAYS, required=False,
                                    help_text="How many business days to run.")
    through = serializers.DateField(required=False, help_text="Or the last day to run (YYYY-MM-DD).")

    def validate(self, attrs):
        if ("days" in attrs) == ("through" in attrs):
            raise serializers.ValidationError({"days": [ONE_OF_DAYS_OR_THROUGH]})
        return attrs


class SandboxPostingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="purchase, cash, fee_fx, fee_cash, payment…")
    posting_date = serializers.DateField()
    description = serializers.CharField()
    amount = serializers.CharField(help_text="In the billing currency with its decimals; negative = credit.")
    currency = serializers.CharField()
    account_number = serializers.CharField()


class SandboxClearedSerializer(serializers.Serializer):
    transaction_id = serializers.CharField()
    postings = SandboxPostingSerializer(many=True, help_text="The charge first, then its fees.")


class SandboxPaidSerializer(serializers.Serializer):
    payment_id = serializers.CharField()
    received_on = serializers.DateField()
    amount = serializers.CharField(help_text="With the currency's decimals.")
    currency = serializers.CharField()
    postings = SandboxPostingSerializer(many=True)


class SandboxBusinessDateSerializer(serializers.Serializer):
    business_date = serializers.DateField(help_text="The last completed business day.")
    days_run = serializers.ListField(child=serializers.DateField())
    steps = serializers.DictField(child=serializers.IntegerField(), help_text="How many items each daily job "
                                                                               "processed.")


TRANSACTION_ID = OpenApiParameter("transaction_id", str, OpenApiParameter.PATH,
                                  description="The authorization's transaction_id.")
IDEMPOTENCY_KEY = OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)


def _posting_body(posting) -> dict:
    currency = str(posting.amount.currency)
    return {"id": posting.pk, "kind": posting.kind, "posting_date": posting.posting_date,
            "description": posting.description, "amount": amount_string(posting.amount.amount, currency),
            "currency": currency, "account_number": posting.account.number}


class SandboxAuthorizeView(SandboxView):
    @extend_schema(
        operation_id="sandbox_authorize", tags=TAG, request=SandboxAuthorizeSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: DECISION, 404: OpenApiResponse(description="`card_not_found`: not a card of the company."),
                   409: OpenApiResponse(description="`transaction_id_reused`: decided before for another body."),
                   503: OpenApiResponse(description="`fx_rates_unavailable` or `no_programme_rules`.")},
        summary="Sandbox: the network asks for an authorization on a card named by its id",
        description=("Decided exactly as the card network's POST /api/v1/authorizations: approved with a hold, or "
                     "declined with its reason. " + SANDBOX_NOTE),
    )
    def post(self, request):
        serializer = SandboxAuthorizeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        card = get_object_or_404(visible_cards(request.user), pk=data.pop("card_id"))
        decision = services.sandbox_authorize(card=card, **data)
        return Response(decision.body())


def _authorization(request, transaction_id: str) -> Authorization:
    return get_object_or_404(Authorization.objects.select_related("card", "account"),
                             card__in=visible_cards(request.user), transaction_id=transaction_id)


class SandboxClearView(SandboxView):
    @extend_schema(
        operation_id="sandbox_authorization_clear", tags=TAG, request=SandboxClearSerializer,
        parameters=[TRANSACTION_ID, IDEMPOTENCY_KEY],
        responses={201: SandboxClearedSerializer,
                   409: OpenApiResponse(description="`authorization_declined` or `already_cleared`.")},
        summary="Sandbox: the merchant presents an authorization's charge",
        description=("Posts the charge with its currency-conversion and cash fees as a charge file from the network "
                     "would, on the sandbox's business day, and settles the hold. " + SANDBOX_NOTE),
    )
    def post(self, request, transaction_id: str):
        serializer = SandboxClearSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        authorization = _authorization(request, transaction_id)
        raw = serializer.validated_data.get("amount")
        amount = _amount(raw, authorization.currency) if raw is not None else None
        postings = services.sandbox_authorization_clear(authorization=authorization, amount=amount)
        return Response({"transaction_id": authorization.transaction_id,
                         "postings": [_posting_body(posting) for posting in postings]}, status=201)


class SandboxExpireView(SandboxView):
    @extend_schema(
        operation_id="sandbox_hold_expire", tags=TAG, request=None, parameters=[TRANSACTION_ID, IDEMPOTENCY_KEY],
        responses={200: HoldSerializer, 409: OpenApiResponse(description="`hold_not_open`: settled or expired.")},
        summary="Sandbox: an authorization's hold expires now",
        description=("What the daily cycle does once the programme's hold days pass: the hold stops lowering "
                     "available spend. " + SANDBOX_NOTE),
    )
    def post(self, request, transaction_id: str):
        serializer = serializers.Serializer(data=request.data)  # no field is known: any is a 400
        serializer.is_valid(raise_exception=True)
        hold = services.sandbox_hold_expire(authorization=_authorization(request, transaction_id))
        return Response(HoldSerializer(hold).data)


class SandboxPaymentView(SandboxView):
    @extend_schema(
        operation_id="sandbox_payment_create", tags=TAG, request=SandboxPaymentSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: SandboxPaidSerializer, 409: OpenApiResponse(description=(
            "`account_closed`, `not_centrally_billed` or `payment_id_taken`."))},
        summary="Sandbox: the bank reports a payment",
        description=("Received and allocated as a row of the bank's payment file, on the sandbox's business day, "
                     "in the billing currency. " + SANDBOX_NOTE),
    )
    def post(self, request):
        serializer = SandboxPaymentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        account = company = None
        if data.get("account_number"):
            account = get_object_or_404(visible_accounts(request.user).select_related("company"),
                                        number=data["account_number"])
            currency = account.currency
        else:
            company = get_object_or_404(visible_companies(request.user), number=data["company_number"])
            currency = company.currency
        if not has_at_most_minor_units(data["amount"], currency):
            raise serializers.ValidationError({"amount": [TOO_MANY_DECIMALS.format(currency=currency)]})
        paid = services.sandbox_payment_post(amount=data["amount"], account=account, company=company,
                                             payment_id=data.get("payment_id", ""), method=data["method"])
        payment = paid.payment
        return Response({"payment_id": payment.payment_id, "received_on": payment.received_on,
                         "amount": amount_string(payment.amount, payment.currency), "currency": payment.currency,
                         "postings": [_posting_body(posting) for posting in paid.postings]}, status=201)


class SandboxAdvanceView(SandboxView):
    @extend_schema(
        operation_id="sandbox_business_date_advance", tags=TAG, request=SandboxAdvanceSerializer,
        parameters=[IDEMPOTENCY_KEY], responses={200: SandboxBusinessDateSerializer},
        summary="Sandbox: run the daily cycle for the next business days",
        description=("Runs every daily job for each day after the last completed one, as `manage.py run_cycle "
                     "--through` does: late interest, payments, fees, statements, reminders, delinquency, card "
                     "renewals and hold expiry — for the whole programme, every company's accounts. On a fresh "
                     "database the first day is today. " + SANDBOX_NOTE),
    )
    def post(self, request):
        serializer = SandboxAdvanceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        advanced = services.sandbox_business_date_advance(**serializer.validated_data)
        return Response({"business_date": advanced.business_date, "days_run": advanced.days,
                         "steps": advanced.steps})
