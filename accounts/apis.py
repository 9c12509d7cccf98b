"""REST API for companies, cardmembers, accounts and cards (read). Scoped in get_queryset."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.views.decorators.debug import sensitive_variables
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from moneyed import Money
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from accounts import selectors
from accounts.apis_cards import CHANGE_CARD, CHANGE_CONTROLS, AccountActions, CardLifecycleActions, CompanyActions
from accounts.apis_data import CardmemberDataActions, CompanyAdministratorActions, CompanyDataActions
from accounts.audit import actor_for
from accounts.embossing import card_order_embossed
from accounts.imports import cards_import
from accounts.issuer_closure_apis import AccountIssuerClosureActions, CardIssuerClosureActions
from accounts.models import Account, Card, Cardmember
from accounts.roles import CLOSE_ACCOUNT, RENEW_CARDS, SET_STANDING, TERMINATE_COMPANY, VIEW_COMPANIES
from accounts.security import cardmember_login_unlock
from accounts.serializers import (
    AccountDetailSerializer,
    AccountSerializer,
    CardDetailSerializer,
    CardmemberSerializer,
    CardOrderResultSerializer,
    CardOrderSerializer,
    CardSerializer,
    CompanySerializer,
)
from accounts.services import CardOrder
from accounts.standing_apis import AccountStandingActions, CompanyStandingActions
from amexprog.common import clock
from amexprog.common.cycle import business_date
from amexprog.common.idempotency import IdempotentMixin
from amexprog.common.permissions import IsPortalUserOrCompanyToken


class CompanyViewSet(IdempotentMixin, CompanyDataActions, CompanyAdministratorActions, CompanyActions,
                     CompanyStandingActions, viewsets.ReadOnlyModelViewSet):
    """Companies the caller administers (a company token: its own company); PATCH changes their data."""

    serializer_class = CompanySerializer
    permission_classes = [IsPortalUserOrCompanyToken]
    ops_permissions = {
        "list": (VIEW_COMPANIES,), "retrieve": (VIEW_COMPANIES,), "partial_update": ("accounts.change_company",),
        "controls:get": (VIEW_COMPANIES,), "controls:patch": ("accounts.change_spendingcontrols",),
        "terminate": (TERMINATE_COMPANY,), "standing": (SET_STANDING,),
        "administrators:get": (VIEW_COMPANIES, "accounts.view_programmeadministrator"),
        "administrators:post": ("accounts.add_programmeadministrator",),
        "administrators_remove": ("accounts.delete_programmeadministrator",),
    }
    lookup_field = "number"
    filterset_fields = ["market", "billing_type", "status"]

    def get_queryset(self):
        return selectors.visible_companies(self.request.user).order_by("number")


class CardmemberFilter(filters.FilterSet):
    company = filters.CharFilter(field_name="company__number")

    class Meta:
        model = Cardmember
        fields = ["company", "employee_id", "cost_centre", "language"]


class LoginUnlockSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The cardmember.")
    records_cleared = serializers.IntegerField(help_text="Failed-login records removed (0: it was not locked).")


class CardmemberViewSet(IdempotentMixin, CardmemberDataActions, viewsets.ReadOnlyModelViewSet):
    serializer_class = CardmemberSerializer
    permission_classes = [IsPortalUserOrCompanyToken]
    ops_permissions = {"list": ("accounts.view_cardmember",), "retrieve": ("accounts.view_cardmember",),
                       "partial_update": ("accounts.change_cardmember",),
                       "unlock_login": ("accounts.change_cardmember",)}
    filterset_class = CardmemberFilter

    def get_queryset(self):
        return selectors.visible_cardmembers(self.request.user).select_related("company").order_by("id")

    @extend_schema(
        request=None, responses={200: LoginUnlockSerializer},
        summary="Unlock the cardmember's portal login",
        description="PA sheet \"portal password unlock\": clears the failed-login lockout of the cardmember's "
                    "portal username (django-axes) and writes an audit entry. For the company's PAs, its "
                    "company token and ops; any other cardmember is a 404.",
    )
    @action(detail=True, methods=["post"], url_path="unlock-login")
    def unlock_login(self, request, pk=None):
        cardmember = self.get_object()
        by = actor_for(request.user, company=cardmember.company, permission="accounts.change_cardmember")
        if by is None:
            raise NotFound()
        cleared = cardmember_login_unlock(cardmember=cardmember, by=by, on=clock.today())
        return Response(LoginUnlockSerializer({"id": cardmember.pk, "records_cleared": cleared}).data)


class AccountFilter(filters.FilterSet):
    company = filters.CharFilter(field_name="company__number")

    class Meta:
        model = Account
        fields = ["company", "status", "billing_type", "liability", "cycle_day"]


def spend_figures_page(view, compute) -> Response:
    """A list page whose rows show balance and available to spend: the figures of every row of the page
    in a fixed number of queries (charges.available_page), the same as each row's detail."""
    page = view.paginate_queryset(view.filter_queryset(view.get_queryset()))
    figures = compute(**{"cards" if view.basename == "card" else "accounts": page}, on=clock.today(), at=clock.now())
    serializer = view.get_serializer(page, many=True, context={**view.get_serializer_context(),
                                                               "spend_figures": figures})
    return view.get_paginated_response(serializer.data)


@extend_schema_view(retrieve=extend_schema(responses=AccountDetailSerializer))
class AccountViewSet(IdempotentMixin, AccountActions, AccountStandingActions, AccountIssuerClosureActions,
                     viewsets.ReadOnlyModelViewSet):
    serializer_class = AccountSerializer
    permission_classes = [IsPortalUserOrCompanyToken]
    ops_permissions = {"list": ("accounts.view_account",), "retrieve": ("accounts.view_account",),
                       "close": (CLOSE_ACCOUNT,), "standing": (SET_STANDING,), "issuer_close": (CLOSE_ACCOUNT,)}
    lookup_field = "number"
    filterset_class = AccountFilter

    def get_queryset(self):
        return selectors.visible_accounts(self.request.user).select_related("company").order_by("number")

    def get_serializer_class(self):
        if self.action in ("retrieve", "list"):
            return AccountDetailSerializer
        return super().get_serializer_class()

    def list(self, request, *args, **kwargs):
        """Each row with its balance and available to spend, computed for the page at once (issue 18 item 9)."""
        from charges.available_page import accounts_spend_figures

        return spend_figures_page(self, accounts_spend_figures)


class CardFilter(filters.FilterSet):
    account = filters.CharFilter(field_name="account__number")
    company = filters.CharFilter(field_name="account__company__number")

    class Meta:
        model = Card
        fields = ["account", "company", "status"]


class CardOrderFileSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A Central Order Card CSV file (SPEC section 11).")


class OrderedCardSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    employee_id = serializers.CharField()
    company_number = serializers.CharField()
    account_number = serializers.CharField()
    masked_number = serializers.CharField()
    last4 = serializers.CharField(source="card.last4")
    expiry = serializers.DateField(source="card.expiry")
    status = serializers.CharField(source="card.status")


class CardOrderFileResultSerializer(serializers.Serializer):
    """The issued cards, masked: an API client never receives a full card number."""

    issued_on = serializers.DateField()
    count = serializers.IntegerField()
    cards = OrderedCardSerializer(many=True)


@extend_schema_view(retrieve=extend_schema(responses=CardDetailSerializer))
class CardViewSet(IdempotentMixin, CardLifecycleActions, CardIssuerClosureActions, viewsets.ReadOnlyModelViewSet):
    serializer_class = CardSerializer
    permission_classes = [IsPortalUserOrCompanyToken]
    ops_permissions = {
        "list": ("accounts.view_card",), "retrieve": ("accounts.view_card",),
        "orders": ("accounts.add_card",), "order_files": ("accounts.add_card",),
        **{verb: (CHANGE_CARD,) for verb in ("activate", "block", "unblock", "report", "cancel", "reissue")},
        "renew": (RENEW_CARDS,), "issuer_cancel": (CLOSE_ACCOUNT,),
        "controls:get": ("accounts.view_card",), "controls:patch": (CHANGE_CONTROLS,),
    }
    filterset_class = CardFilter

    def get_queryset(self):
        return selectors.visible_cards(self.request.user).select_related("account").order_by("id")

    def get_serializer_class(self):
        if self.action in ("retrieve", "list"):
            return CardDetailSerializer
        return super().get_serializer_class()

    def list(self, request, *args, **kwargs):
        """Each row with its balance and available to spend, computed for the page at once (issue 18 item 9)."""
        from charges.available_page import cards_spend_figures

        return spend_figures_page(self, cards_spend_figures)

    @extend_schema(
        request=CardOrderSerializer,
        responses={201: CardOrderResultSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
                                     description="Replays return the first response; reuse with another body is 409.")],
        summary="Order a card for a new cardmember (SPEC section 11)",
        examples=[OpenApiExample("A Danish cardmember with a monthly limit", request_only=True, value={
            "company_number": "10001", "employee_id": "E-1042", "first_name": "Ida", "last_name": "Berg",
            "email": "ida.berg@example.com", "language": "da", "cycle_day": 5, "monthly_limit": "10000.00",
            "cash_enabled": False})],
    )
    @action(detail=False, methods=["post"], url_path="orders")
    @sensitive_variables()  # the new card's full number is in memory: kept out of error reports (issue 15 item 9)
    def orders(self, request):
        serializer = CardOrderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        # Company tokens and PAs can only order for companies they see: an outsider gets a 404.
        company = get_object_or_404(selectors.visible_companies(request.user), number=data.pop("company_number"))
        limit = data.pop("monthly_limit")
        issued = card_order_embossed(
            company=company,
            order=CardOrder(**data, monthly_limit=Money(limit, company.currency) if limit is not None else None),
            issued_on=business_date() or clock.today(),
        )
        body = CardOrderResultSerializer({"account": issued.card.account, "card": issued.card}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": CardOrderFileSerializer},
        responses={201: CardOrderFileResultSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
                                     description="Replays return the first response; reuse with another body is 409.")],
        summary="Order cards in bulk with a Central Order Card file (SPEC section 11)",
        description=(
            "Every row's company must be one the caller may order for. Any bad row issues nothing and "
            "answers 400 `file_rejected` with `extra.errors` listing row, column and reason."
        ),
    )
    @action(detail=False, methods=["post"], url_path="order-files", parser_classes=[MultiPartParser])
    @sensitive_variables()  # the new cards' full numbers are in memory (issue 15 item 9)
    def order_files(self, request):
        serializer = CardOrderFileSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        upload.seek(0)
        summary = cards_import(stream=upload.file, issued_on=business_date() or clock.today(),
                               companies=selectors.visible_companies(request.user))
        return Response(CardOrderFileResultSerializer(summary).data, status=status.HTTP_201_CREATED)
