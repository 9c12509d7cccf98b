"""REST API for the card lifecycle and spending controls (SPEC sections 10, 11).

Actions live on the card, account and company endpoints, scoped like their reads: an outsider gets
404. The role of the caller (holder, company, issuer) decides what it may do; a replacement's full
number goes to the embosser, never into a response.
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.views.decorators.debug import sensitive_variables
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from accounts import controls as control_services
from accounts import lifecycle
from accounts.audit import Actor, Role, actor_for
from accounts.change_request_apis import ACCEPTED, accepted
from accounts.controls import AMOUNT_FIELDS, COUNT_FIELDS, LIST_FIELDS
from accounts.models import Account, Card, Company
from accounts.roles import CLOSE_ACCOUNT, RENEW_CARDS, TERMINATE_COMPANY
from accounts.serializers import AccountSerializer, CardSerializer, CompanySerializer
from amexprog.common import clock

CHANGE_CARD = "accounts.change_card"  # activate, block, unblock, report, cancel, reissue
CHANGE_CONTROLS = "accounts.change_spendingcontrols"

OPS_ONLY_RENEWAL = "Only ops renew a card before its expiry; the cardmember's card is renewed automatically."


def _actor(request, company: Company, account: Account | None = None, *, permission: str | None) -> Actor:
    actor = actor_for(request.user, company=company, account=account, permission=permission)
    if actor is None:
        raise NotFound()
    return actor


class CardReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class OptionalReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ReportSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[(s, Card.Status(s).label) for s in lifecycle.REPORT_STATUSES])
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class CloseSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=[(reason, reason) for reason in lifecycle.ClosureReason.CHOICES])


class ReplacementSerializer(serializers.Serializer):
    card = CardSerializer(help_text="The card that was reported, renewed or replaced.")
    replacement = CardSerializer(allow_null=True,
                                 help_text="The new card: masked; its number goes to the embosser only. Null when the "
                                           "replacement waits for the holder's confirmation in the portal (the "
                                           "holder's postal address changed in the last 30 days).")


def _controls_serializer(name: str, *, card: bool) -> type[serializers.Serializer]:
    fields: dict[str, serializers.Field] = {}
    for field in LIST_FIELDS:
        fields[field] = serializers.ListField(child=serializers.CharField(max_length=4), required=False,
                                              max_length=500)
    for field in AMOUNT_FIELDS:
        fields[field] = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False,
                                                 allow_null=True)
    for field in COUNT_FIELDS:
        fields[field] = serializers.IntegerField(min_value=0, max_value=1000, required=False, allow_null=True)
    if card:
        fields["cash_enabled"] = serializers.BooleanField(required=False)
        fields["contactless"] = serializers.BooleanField(required=False)
    return type(name, (serializers.Serializer,), fields)


CardControlsSerializer = _controls_serializer("CardControls", card=True)
CompanyControlsSerializer = _controls_serializer("CompanyControls", card=False)


def _shown(values: dict[str, Any]) -> dict[str, Any]:
    return {key: (str(value) if hasattr(value, "quantize") else value) for key, value in values.items()}


def _effective(card: Card) -> dict[str, Any]:
    effective = control_services.effective_controls(card=card)
    values = {key: getattr(effective, key) for key in effective.__dataclass_fields__}
    for key in ("allowed_mccs", "allowed_countries", "blocked_mccs", "blocked_countries"):
        values[key] = sorted(values[key]) if values[key] is not None else None
    return _shown(values)


def card_controls_body(card: Card) -> dict[str, Any]:
    return {
        "card": _shown(control_services.card_controls_view(card)),
        "company": _shown(control_services.company_controls_view(card.account.company)),
        "effective": _effective(card),
    }


def _shown_serializer(name: str, extra: dict[str, serializers.Field]) -> type[serializers.Serializer]:
    """The controls as the API shows them (documentation only): limits as strings with the currency's
    decimals, null when not set; lists null where "any" (allowed_*). A generated client used to get three
    untyped objects (issue 18 item 5)."""
    fields: dict[str, serializers.Field] = {"currency": serializers.CharField()}
    for field in LIST_FIELDS:
        fields[field] = serializers.ListField(child=serializers.CharField(), allow_null=True)
    for field in AMOUNT_FIELDS:
        fields[field] = serializers.CharField(allow_null=True)
    for field in COUNT_FIELDS:
        fields[field] = serializers.IntegerField(allow_null=True)
    fields.update(extra)
    return type(name, (serializers.Serializer,), fields)


CardControlsShown = _shown_serializer("CardControlsShown", {
    "cash_enabled": serializers.BooleanField(), "contactless": serializers.BooleanField()})
CompanyControlsShown = _shown_serializer("CompanyControlsShown", {
    "programme_blocked_mccs": serializers.ListField(child=serializers.CharField()),
    "cash_allowed": serializers.BooleanField(), "credit_limit": serializers.CharField()})
EffectiveControlsShown = _shown_serializer("EffectiveControlsShown", {
    "cash_enabled": serializers.BooleanField(), "contactless_enabled": serializers.BooleanField(),
    "contactless_charge_limit": serializers.CharField(), "contactless_cumulative_limit": serializers.CharField(),
    "contactless_cumulative_count": serializers.IntegerField(), "credit_limit": serializers.CharField()})
CONTROLS_BODY = inline_serializer(name="CardControlsView", fields={
    "card": CardControlsShown(help_text="The card's own controls."),
    "company": CompanyControlsShown(help_text="Its company's controls."),
    "effective": EffectiveControlsShown(help_text="The tightest of both and the programme's: what decides.")})


class CardLifecycleActions:
    """Mixed into CardViewSet: POST /cards/{id}/activate/, block/, unblock/, report/, cancel/, reissue/, renew/,
    and GET/PATCH /cards/{id}/controls/."""

    def _card(self, permission: str | None = CHANGE_CARD) -> tuple[Card, Actor]:
        card = self.get_object()
        card = Card.objects.select_related("account", "account__company", "account__cardmember").get(pk=card.pk)
        return card, _actor(self.request, card.account.company, card.account, permission=permission)

    def _card_response(self, card: Card) -> Response:
        card.refresh_from_db()
        return Response(CardSerializer(card).data)

    def _replacement_response(self, card: Card, issued) -> Response:
        card.refresh_from_db()
        return Response(ReplacementSerializer({"card": card, "replacement": issued.card if issued else None}).data)

    @extend_schema(request=None, responses={200: CardSerializer}, summary="Activate an ordered card")
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        card, by = self._card()
        return self._card_response(lifecycle.card_activate(card=card, by=by, on=clock.today()))

    @extend_schema(request=CardReasonSerializer, responses={200: CardSerializer}, summary="Block a card (terms §26)",
                   examples=[OpenApiExample("Blocked while the holder is away", request_only=True,
                                            value={"reason": "On leave until 1 May"})])
    @action(detail=True, methods=["post"])
    def block(self, request, pk=None):
        card, by = self._card()
        body = CardReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._card_response(lifecycle.card_block(card=card, by=by, on=clock.today(), **body.validated_data))

    @extend_schema(request=CardReasonSerializer, responses={200: CardSerializer}, summary="Lift a block (terms §26)")
    @action(detail=True, methods=["post"])
    def unblock(self, request, pk=None):
        card, by = self._card()
        body = CardReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._card_response(lifecycle.card_unblock(card=card, by=by, on=clock.today(),
                                                          **body.validated_data))

    @extend_schema(request=ReportSerializer, responses={200: ReplacementSerializer},
                   summary="Report a card lost, stolen or damaged: cancelled and replaced with a new number",
                   examples=[OpenApiExample("Lost on a train", request_only=True,
                                            value={"status": "lost", "reason": "Left on the train to Aarhus"})])
    @action(detail=True, methods=["post"])
    @sensitive_variables()  # a replacement's full number is in memory (issue 15 item 9)
    def report(self, request, pk=None):
        card, by = self._card()
        body = ReportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        issued = lifecycle.card_report(card=card, by=by, on=clock.today(), **body.validated_data)
        return self._replacement_response(card, issued)

    @extend_schema(request=CardReasonSerializer, responses={200: CardSerializer}, summary="Cancel a card")
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        card, by = self._card()
        body = CardReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._card_response(lifecycle.card_cancel(card=card, by=by, on=clock.today(), **body.validated_data))

    @extend_schema(request=None, responses={200: ReplacementSerializer},
                   summary="Ask for a new card after an expired card was not renewed (terms §31)")
    @action(detail=True, methods=["post"])
    @sensitive_variables()  # a replacement's full number is in memory (issue 15 item 9)
    def reissue(self, request, pk=None):
        card, by = self._card()
        return self._replacement_response(card, lifecycle.card_reissue(card=card, by=by, on=clock.today()))

    @extend_schema(request=None, responses={200: ReplacementSerializer},
                   summary="Ops: renew a card now, before its expiry (terms §31)",
                   description="The renewal goes to the embosser; the old card works until it expires. Only ops "
                               "tokens and ops staff (403 otherwise); a card already replaced is a 409.")
    @action(detail=True, methods=["post"])
    @sensitive_variables()  # a replacement's full number is in memory (issue 15 item 9)
    def renew(self, request, pk=None):
        card, by = self._card(RENEW_CARDS)
        if by.role != Role.ISSUER:
            raise PermissionDenied(OPS_ONLY_RENEWAL)
        return self._replacement_response(card, lifecycle.card_renew(card=card, by=by, on=clock.today()))

    @extend_schema(methods=["GET"], responses={200: CONTROLS_BODY},
                   summary="The card's controls, its company's, and the tightest that applies")
    @extend_schema(methods=["PATCH"], request=CardControlsSerializer, responses={200: CONTROLS_BODY, 202: ACCEPTED},
                   summary="Change some of the card's spending controls; null removes a limit",
                   description="A higher or removed spending limit waits for a second person (SPEC section 17): "
                               "the answer is 202 with the change request; lower limits and the other controls "
                               "given apply at once.",
                   examples=[OpenApiExample("A monthly limit, no gambling, no cash", request_only=True, value={
                       "monthly_limit": "5000.00", "blocked_mccs": ["7995"], "cash_enabled": False,
                       "daily_limit": None})])
    @action(detail=True, methods=["get", "patch"])
    def controls(self, request, pk=None):
        card, by = self._card(CHANGE_CONTROLS if request.method == "PATCH" else None)
        if request.method == "PATCH":
            body = CardControlsSerializer(data=request.data, partial=True)
            body.is_valid(raise_exception=True)
            card = control_services.card_controls_set(card=card, by=by, on=clock.today(), **body.validated_data)
            if card.pending_change is not None:
                return accepted(card.pending_change)  # a higher limit waits for a second person
        card = Card.objects.select_related("account__company").get(pk=card.pk)
        return Response(card_controls_body(card))


class CompanyActions:
    """Mixed into CompanyViewSet: GET/PATCH /companies/{number}/controls/, POST terminate/."""

    def _company(self, permission: str | None) -> tuple[Company, Actor]:
        company = self.get_object()
        return company, _actor(self.request, company, permission=permission)

    @extend_schema(methods=["GET"], responses={200: CompanyControlsShown},
                   summary="The company's spending controls for each of its cards")
    @extend_schema(methods=["PATCH"], request=CompanyControlsSerializer,
                   responses={200: CompanyControlsShown, 202: ACCEPTED},
                   summary="Change some of the company's spending controls; null removes a limit",
                   description="A higher or removed spending limit waits for a second person (SPEC section 17): "
                               "the answer is 202 with the change request; lower limits and the other controls "
                               "given apply at once.")
    @action(detail=True, methods=["get", "patch"])
    def controls(self, request, number=None):
        company, by = self._company(CHANGE_CONTROLS if request.method == "PATCH" else None)
        if request.method == "PATCH":
            body = CompanyControlsSerializer(data=request.data, partial=True)
            body.is_valid(raise_exception=True)
            row = control_services.company_controls_set(company=company, by=by, on=clock.today(),
                                                        **body.validated_data)
            if row.pending_change is not None:
                return accepted(row.pending_change)  # a higher limit waits for a second person
            company = Company.objects.get(pk=company.pk)
        return Response(_shown(control_services.company_controls_view(company)))

    @extend_schema(request=OptionalReasonSerializer, responses={200: CompanySerializer},
                   summary="Terminate the company: every account is closed (SPEC section 11)")
    @action(detail=True, methods=["post"])
    def terminate(self, request, number=None):
        company, by = self._company(TERMINATE_COMPANY)
        body = OptionalReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        company = lifecycle.company_terminate(company=company, by=by, on=clock.today(), **body.validated_data)
        return Response(CompanySerializer(company).data)


class AccountActions:
    """Mixed into AccountViewSet: POST /accounts/{number}/close/."""

    @extend_schema(request=CloseSerializer, responses={200: AccountSerializer},
                   summary="Close the account: cards cancelled at once, annual fee refunded pro rata")
    @action(detail=True, methods=["post"])
    def close(self, request, number=None):
        account = get_object_or_404(self.get_queryset(), number=number)
        by = _actor(request, account.company, account, permission=CLOSE_ACCOUNT)
        body = CloseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        account = lifecycle.account_close(account=account, on=clock.today(), by=by, **body.validated_data)
        return Response(AccountSerializer(account).data)
