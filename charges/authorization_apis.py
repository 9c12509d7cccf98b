"""POST /api/v1/authorizations — the card network asks, the issuer decides (SPEC section 10).

Only network tokens may post; the body and the response are exactly those of SPEC section 10. A
malformed body is a 400 naming the field (never repeating a card number), an unknown card a 404
`card_not_found`. GET lists the decisions, approved and declined, to whoever may see the card:
its PAs, the company's API clients, ops, and the cardmember (terms §17).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import generics, serializers
from rest_framework.authentication import get_authorization_header
from rest_framework.exceptions import APIException
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils import json as drf_json
from rest_framework.views import APIView

from accounts.authentication import ApiClient, ApiTokenAuthentication
from accounts.models import ApiToken
from accounts.pan import is_valid_pan
from accounts.selectors import visible_cards
from amexprog.common import clock
from amexprog.common.amounts import AmountField
from amexprog.common.api import application_error_fields, error_body
from amexprog.common.cycle import business_date
from amexprog.common.errors import ApplicationError
from amexprog.common.idempotency import HEADER as IDEMPOTENCY_KEY
from amexprog.common.idempotency import IdempotentMixin
from amexprog.common.money import has_at_most_minor_units
from amexprog.common.permissions import IsPortalUserOrCompanyToken
from amexprog.common.versioning import request_api_version
from charges.authorization_models import Authorization, AuthorizationType, DeclineReason, EntryMode
from charges.authorizations import AuthorizationRequest, authorization_decide
from charges.validation import MAX_MERCHANT_CITY, MAX_MERCHANT_NAME, MAX_TRANSACTION_ID, supported_currencies

BAD_CARD_NUMBER = "Not a valid card number."
BAD_AMOUNT = 'A positive amount as a string with "." as decimal separator, e.g. "123.45".'
TOO_MANY_DECIMALS = "More decimals than {currency} allows."
UNKNOWN_CURRENCY = "Unknown or unsupported currency code."
BAD_TRANSACTION_ID = f"1–{MAX_TRANSACTION_ID} letters, digits or . _ : -"
UNKNOWN_FIELD = "Unknown field: the call does not know it (SPEC section 10)."
_AMOUNT = re.compile(r"[0-9]{1,15}(\.[0-9]{1,3})?")


class IsNetworkToken(BasePermission):
    def has_permission(self, request, view) -> bool:
        user = request.user
        return isinstance(user, ApiClient) and user.token.kind == ApiToken.Kind.NETWORK


class AuthorizationRequestSerializer(serializers.Serializer):
    """The request as documented (OpenAPI); authorization_request_parse applies the same rules."""

    transaction_id = serializers.RegexField(rf"^[A-Za-z0-9._:-]{{1,{MAX_TRANSACTION_ID}}}$",
                                            error_messages={"invalid": BAD_TRANSACTION_ID})
    card_number = serializers.CharField(max_length=19, help_text="The full card number (15 digits).")
    type = serializers.ChoiceField(choices=AuthorizationType.choices)
    amount = serializers.CharField(max_length=20, help_text='A string, e.g. "123.45".')
    currency = serializers.CharField(min_length=3, max_length=3)
    merchant_name = serializers.CharField(max_length=MAX_MERCHANT_NAME, required=False, allow_blank=True,
                                          default="")
    merchant_city = serializers.CharField(max_length=MAX_MERCHANT_CITY, required=False, allow_blank=True,
                                          default="")
    merchant_country = serializers.RegexField(r"^[A-Z]{2}$", error_messages={
        "invalid": "A two-letter country code in capitals."})
    mcc = serializers.RegexField(r"^[0-9]{4}$", error_messages={"invalid": "Four digits."})
    entry_mode = serializers.ChoiceField(choices=EntryMode.choices)
    pin_verified = serializers.BooleanField(required=False, default=False)
    recurring = serializers.BooleanField(required=False, default=False,
                                         help_text="A merchant's recurring charge (terms §16: a stopped merchant's "
                                                   "recurring charges decline `recurring_stopped`).")

    def validate_card_number(self, value: str) -> str:
        if not is_valid_pan(value):
            raise serializers.ValidationError(BAD_CARD_NUMBER)  # never repeat the number
        return value

    def to_internal_value(self, data):
        # A JSON number would reach us as a float: money is sent as a string (SPEC section 10).
        if isinstance(data, dict) and isinstance(data.get("amount"), int | float) and not isinstance(
                data.get("amount"), bool):
            raise serializers.ValidationError({"amount": [BAD_AMOUNT]})
        # A misspelt field is never ignored (SPEC section 10; issue 18 item 1).
        unknown = [name for name in data if name not in FIELDS] if isinstance(data, dict) else []
        if unknown:
            raise serializers.ValidationError({str(name)[:40]: [UNKNOWN_FIELD] for name in unknown})
        return super().to_internal_value(data)

    def validate_currency(self, value: str) -> str:
        if value not in supported_currencies():
            raise serializers.ValidationError(UNKNOWN_CURRENCY)
        return value

    def validate(self, attrs):
        raw = attrs["amount"]
        try:
            amount = Decimal(raw) if _AMOUNT.fullmatch(raw) else None
        except InvalidOperation:
            amount = None
        if amount is None or amount <= 0:
            raise serializers.ValidationError({"amount": [BAD_AMOUNT]})
        if not has_at_most_minor_units(amount, attrs["currency"]):
            raise serializers.ValidationError({"amount": [TOO_MANY_DECIMALS.format(currency=attrs["currency"])]})
        attrs["amount"] = amount
        return attrs


REQUIRED = "This field is required."
NOT_A_STRING = "Not a valid string."
NOT_A_CHOICE = '"{value}" is not a valid choice.'
TOO_LONG = "Ensure this field has no more than {limit} characters."
NOT_A_BOOLEAN = "Must be a valid boolean."
_TRANSACTION_ID = re.compile(rf"[A-Za-z0-9._:-]{{1,{MAX_TRANSACTION_ID}}}")
_COUNTRY = re.compile(r"[A-Z]{2}")
_MCC = re.compile(r"[0-9]{4}")
_TYPES = frozenset(AuthorizationType.values)
_ENTRY_MODES = frozenset(EntryMode.values)
# The body's fields (SPEC section 10): any other is a 400 naming it.
FIELDS = frozenset(("transaction_id", "card_number", "type", "amount", "currency", "merchant_name", "merchant_city",
                    "merchant_country", "mcc", "entry_mode", "pin_verified", "recurring"))


def authorization_request_parse(data: Any) -> AuthorizationRequest:
    """The body of SPEC section 10, checked field by field with the AuthorizationRequestSerializer's rules
    and messages (a 400 names every bad field). The decision path's parser: a DRF serializer costs more
    Python time than a decision, mostly in copying its fields for each request."""
    if not isinstance(data, dict):
        raise serializers.ValidationError({"non_field_errors": ["Invalid data. Expected a dictionary."]})
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    if not FIELDS.issuperset(data):  # a misspelt field is never ignored (SPEC section 10)
        for name in data:
            if name not in FIELDS:
                errors[str(name)[:40]] = [UNKNOWN_FIELD]

    def text(name: str, limit: int, *, required: bool = True, pattern: re.Pattern | None = None,
             message: str = "") -> str:
        value = data.get(name)
        if value is None:
            if required:
                errors[name] = [REQUIRED]
            return ""
        if not isinstance(value, str) or isinstance(value, bool):
            errors[name] = [NOT_A_STRING]
            return ""
        value = value.strip()
        if required and not value:
            errors[name] = ["This field may not be blank."]
        elif len(value) > limit:
            errors[name] = [TOO_LONG.format(limit=limit)]
        elif pattern is not None and not pattern.fullmatch(value):
            errors[name] = [message]
        return value

    values["transaction_id"] = text("transaction_id", MAX_TRANSACTION_ID, pattern=_TRANSACTION_ID,
                                    message=BAD_TRANSACTION_ID)
    card_number = text("card_number", 19)
    if card_number and "card_number" not in errors and not is_valid_pan(card_number):
        errors["card_number"] = [BAD_CARD_NUMBER]  # never repeat the number
    values["card_number"] = card_number
    for name, choices in (("type", _TYPES), ("entry_mode", _ENTRY_MODES)):
        value = text(name, 20)
        if value and name not in errors and value not in choices:
            errors[name] = [NOT_A_CHOICE.format(value=value[:20])]
        values[name] = value
    currency = text("currency", 3)
    if currency and "currency" not in errors and currency not in supported_currencies():
        errors["currency"] = [UNKNOWN_CURRENCY]
    values["currency"] = currency
    raw_amount = data.get("amount")
    if isinstance(raw_amount, int | float) and not isinstance(raw_amount, bool):
        errors["amount"] = [BAD_AMOUNT]  # a JSON number would be a float: money is sent as a string
    else:
        raw = text("amount", 20)
        amount = Decimal(raw) if raw and "amount" not in errors and _AMOUNT.fullmatch(raw) else None
        if "amount" not in errors and (amount is None or amount <= 0):
            errors["amount"] = [BAD_AMOUNT]
        elif amount is not None and "currency" not in errors and not has_at_most_minor_units(amount, currency):
            errors["amount"] = [TOO_MANY_DECIMALS.format(currency=currency)]
        values["amount"] = amount
    values["merchant_name"] = text("merchant_name", MAX_MERCHANT_NAME, required=False)
    values["merchant_city"] = text("merchant_city", MAX_MERCHANT_CITY, required=False)
    values["merchant_country"] = text("merchant_country", 2, pattern=_COUNTRY,
                                      message="A two-letter country code in capitals.")
    values["mcc"] = text("mcc", 4, pattern=_MCC, message="Four digits.")
    pin = data.get("pin_verified", False)
    if pin in (True, "true", "True", 1, "1"):
        values["pin_verified"] = True
    elif pin in (False, "false", "False", 0, "0", None):
        values["pin_verified"] = False
    else:
        errors["pin_verified"] = [NOT_A_BOOLEAN]
    recurring = data.get("recurring", False)
    if recurring in (True, "true", "True", 1, "1"):
        values["recurring"] = True
    elif recurring in (False, "false", "False", 0, "0", None):
        values["recurring"] = False
    else:
        errors["recurring"] = [NOT_A_BOOLEAN]
    if errors:
        raise serializers.ValidationError(errors)
    return AuthorizationRequest(**values)


DECISION = inline_serializer(name="AuthorizationDecision", fields={
    "transaction_id": serializers.CharField(),
    "approved": serializers.BooleanField(),
    "reason": serializers.ChoiceField(choices=DeclineReason.choices, allow_null=True),
    "hold_amount": serializers.CharField(allow_null=True, help_text="With FX and cash fees; null on a decline."),
    "hold_currency": serializers.CharField(),
    "available_spend": serializers.CharField(),
})
ERROR_BODY = inline_serializer(name="AuthorizationError", fields={"code": serializers.CharField(),
                                                                  "detail": serializers.CharField()})


class DeclineReasonField(serializers.ChoiceField):
    """A decline's reason, null on an approval, as in the decision the POST answers: lists used to say ""
    and the schema allowed neither, so a generated client failed on the list (issue 18 item 5)."""

    def to_representation(self, value):
        return super().to_representation(value) if value else None


class AuthorizationSerializer(serializers.ModelSerializer):
    reason = DeclineReasonField(choices=DeclineReason.choices, allow_null=True, read_only=True,
                                help_text="Why it was declined; null when approved.")
    card_id = serializers.IntegerField(read_only=True)
    masked_number = serializers.CharField(source="card.masked_number", read_only=True)
    account_number = serializers.CharField(source="account.number", read_only=True)
    reason_text = serializers.CharField(source="get_reason_display", read_only=True)
    # Amounts with their currency's decimals, as the decision says them (issue 18 item 5): the model keeps
    # three places for the original amount.
    amount = AmountField("amount", help_text="In the merchant's currency.")
    hold_amount = AmountField("hold_amount", currency_attr="billing_currency", allow_null=True,
                              help_text="In the billing currency, with FX and cash fees; null on a decline.")
    available_spend = AmountField("available_spend", currency_attr="billing_currency", allow_null=True)
    hold_status = serializers.SerializerMethodField()

    class Meta:
        model = Authorization
        fields = [
            "transaction_id", "card_id", "masked_number", "account_number", "decided_at", "decided_on", "type",
            "amount", "currency", "merchant_name", "merchant_city", "merchant_country", "mcc", "entry_mode",
            "pin_verified", "approved", "reason", "reason_text", "billing_currency", "hold_amount",
            "available_spend", "hold_status",
            "id", "created_at", "updated_at",
        ]
        read_only_fields = fields

    def get_hold_status(self, authorization: Authorization) -> str | None:
        hold = getattr(authorization, "hold", None) if authorization.approved else None
        return hold.status if hold is not None else None


class AuthorizationFilter(filters.FilterSet):
    card = filters.NumberFilter(field_name="card_id")
    account = filters.CharFilter(field_name="account__number")
    company = filters.CharFilter(field_name="account__company__number")

    class Meta:
        model = Authorization
        fields = ["card", "account", "company", "approved", "reason", "decided_on"]


# The body carries a full card number: Django's error reports show neither the POST parameter nor any
# local variable of the handler and what it calls (SPEC section 17, issue 15 item 9).
@method_decorator(sensitive_post_parameters("card_number"), name="dispatch")
class AuthorizationView(IdempotentMixin, generics.ListAPIView):
    serializer_class = AuthorizationSerializer
    filterset_class = AuthorizationFilter
    # The one view a network token's scope reaches, with whoami (issue 15 item 12).
    network_token_allowed = True
    ops_permissions = {"get": ("charges.view_authorization",)}  # POST is the network token's alone

    def get_permissions(self):
        return [IsNetworkToken()] if self.request.method == "POST" else [IsPortalUserOrCompanyToken()]

    def dispatch(self, request, *args, **kwargs):
        if request.method == "POST":
            answer = self.decide_directly(request)
            if answer is not None:
                return answer
        return super().dispatch(request, *args, **kwargs)

    @sensitive_variables()
    def decide_directly(self, request) -> HttpResponse | None:
        """The card network's call answered without DRF's request, negotiation, parsers and renderers (issue 17
        item 5: request parsing that costs no more than whoami's), with the same checks: the token and its
        scope (ApiTokenAuthentication), a network token (IsNetworkToken), the view's throttles, the JSON body
        (strict, as DRF's parser) and authorization_request_parse; the decision's answer and its errors in the
        bytes, status and headers DRF would send. None for anything else, which DRF's path then answers (and
        whose error it words): another credential, a refused token, an Idempotency-Key, a query string,
        another content type or Accept, a body that does not parse or validate."""
        meta = request.META
        if (IDEMPOTENCY_KEY in meta or meta.get("QUERY_STRING") or request.content_type != "application/json"
                or request.content_params.get("charset", "utf-8").lower() not in ("utf-8", "utf8")
                or meta.get("HTTP_ACCEPT", "*/*") not in ("*/*", "application/json")
                or self.authentication_classes[0] is not ApiTokenAuthentication):
            return None
        try:
            found = ApiTokenAuthentication().authenticate_value(get_authorization_header(request), method="POST",
                                                                view=self)
        except APIException:
            return None
        if found is None or found[1].kind != ApiToken.Kind.NETWORK:
            return None
        request.user = found[0]  # as DRF's authentication leaves it for the middleware
        if not all(throttle.allow_request(request, self) for throttle in self.get_throttles()):
            return None
        body = request.body
        try:
            data = drf_json.loads(body.decode("utf-8"),
                                  parse_constant=drf_json.strict_constant if api_settings.STRICT_JSON else None)
            parsed = authorization_request_parse(data)
        except (ValueError, serializers.ValidationError):
            return None
        try:
            decision = authorization_decide(request=parsed, on=clock.today(), at=clock.now())
        except ApplicationError as exc:  # as amexprog.common.api.exception_handler words it
            return self._answer(error_body(code=exc.code, detail=exc.message, request=request,
                                           fields=application_error_fields(exc)), exc.status)
        return self._answer(decision.body(), 200)

    def _answer(self, data: dict[str, Any], status: int) -> HttpResponse:
        response = HttpResponse(JSONRenderer().render(data), status=status, content_type=JSONRenderer.media_type)
        headers = dict(self.default_response_headers)  # Allow, and Vary as DRF's finalize_response adds them
        vary = headers.pop("Vary", None)
        if vary:
            patch_vary_headers(response, [vary])
        for name, value in headers.items():
            response[name] = value
        return response

    def get_queryset(self):
        return (Authorization.objects.filter(card__in=visible_cards(self.request.user))
                .select_related("card", "account", "hold").order_by("-decided_at", "-id"))

    @extend_schema(summary="Authorizations on the cards the caller may see, declined ones with their reason")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=AuthorizationRequestSerializer,
        responses={
            200: DECISION,
            400: OpenApiResponse(description="A malformed body; `fields` names each bad field (`invalid`)."),
            403: OpenApiResponse(ERROR_BODY, description="Only network tokens may ask for authorizations."),
            404: OpenApiResponse(ERROR_BODY, description="No card has this number (`card_not_found`)."),
            409: OpenApiResponse(ERROR_BODY, description="This transaction_id was decided for another body "
                                 "(`transaction_id_reused`)."),
            503: OpenApiResponse(ERROR_BODY, description="No ECB rates to convert the currency "
                                 "(`fx_rates_unavailable`), or no programme rules in force for the card's market "
                                 "(`no_programme_rules`)."),
        },
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
        summary="Approve or decline a charge in real time (SPEC section 10)",
        description=(
            "Approves with a hold in the billing currency (with FX and cash fees) that lowers available spend "
            "until the charge is presented or the programme rules' `hold_days` pass (7 by default), or declines "
            "with one reason code. The same transaction_id sent again with the same body returns the first decision "
            "and holds once; with another body it is a 409 `transaction_id_reused`. A field the call does not know "
            "is a 400 naming it."
        ),
    )
    @sensitive_variables()
    def post(self, request, *args, **kwargs):
        decision = authorization_decide(request=authorization_request_parse(request.data), on=clock.today(),
                                        at=clock.now())
        return Response(decision.body())


@extend_schema_view(get=extend_schema(exclude=True), post=extend_schema(exclude=True))
class AuthorizationSlashView(AuthorizationView):
    """The same endpoint with the trailing slash every other route has (documented once, without it)."""


class WhoAmIView(APIView):
    """The caller's token kind, scope and company: a cheap way for a client, the card network's too, to
    check its credentials (issue 15 item 12)."""

    network_token_allowed = True

    @extend_schema(responses={200: inline_serializer(name="WhoAmI", fields={
        "kind": serializers.CharField(), "company": serializers.CharField(allow_null=True),
        "scope": serializers.ChoiceField(choices=ApiToken.Scope.choices, allow_null=True,
                                         help_text="The token's scope; null for a signed-in person."),
        "business_date": serializers.DateField(allow_null=True, help_text=(
            "The last business day whose daily jobs (statements, hold expiry, fees) have all run; null before "
            "the first.")),
        "today": serializers.DateField(help_text="The day the server decides and posts on now."),
        "api_version": serializers.CharField(help_text="The `Amexprog-Version` this request was answered in."),
    })})
    def get(self, request):
        user = request.user
        # SPEC section 16, issue 18 item 9: the business date, so an integrator knows which days have run.
        dates = {"business_date": business_date(), "today": clock.today(), "api_version": request_api_version(request)}
        if isinstance(user, ApiClient):
            token = user.token
            return Response({"kind": token.kind, "company": token.company.number if token.company_id else None,
                             "scope": token.scope, **dates})
        return Response({"kind": "user", "company": None, "scope": None, **dates})
