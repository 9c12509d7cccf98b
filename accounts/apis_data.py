"""PATCH for cardmember and company data (issue 8, PA sheet): the same services as the portal,
accounts.data_changes, so the same validation (IBAN/BIC with schwifty) and the same audit entries.

Mixed into CardmemberViewSet and CompanyViewSet; the object comes from their scoped get_queryset, so
an outsider (another company's token or PA) gets a 404.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.apis_cards import _actor
from accounts.change_request_apis import ACCEPTED, accepted
from accounts.data_changes import cardmember_update, company_pa_add, company_pa_remove, company_update
from accounts.models import Cardmember, Company, Language
from accounts.serializers import CardmemberSerializer, CompanySerializer
from amexprog.common import clock
from amexprog.common.cycle import business_date
from amexprog.common.pagination import UpdatedAfterFilter


class CardmemberDataSerializer(serializers.Serializer):
    """Any of these fields; the ones left out are unchanged. A cardmember may change all but the cost centre."""

    email = serializers.EmailField(required=False)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    address_line = serializers.CharField(max_length=200, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    country = serializers.CharField(min_length=2, max_length=2, required=False)
    language = serializers.ChoiceField(choices=Language.choices, required=False,
                                       help_text="One of the company's market languages (DK: da, en; BE: nl, fr, en).")
    cost_centre = serializers.CharField(max_length=40, required=False, allow_blank=True)


class CompanyDataSerializer(serializers.Serializer):
    """Any of these fields; the ones left out are unchanged."""

    address_line = serializers.CharField(max_length=200, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    country = serializers.CharField(min_length=2, max_length=2, required=False)
    iban = serializers.CharField(max_length=42, required=False, allow_blank=True,
                                help_text="Validated (country format and check digits); stored without spaces.")
    bic = serializers.CharField(max_length=14, required=False, allow_blank=True,
                               help_text="Validated; its country must be the IBAN's.")
    authorised_signatories = serializers.ListField(child=serializers.CharField(max_length=200), required=False,
                                                   min_length=1, max_length=20)


def _on():
    return business_date() or clock.today()


class CardmemberDataActions:
    @extend_schema(
        request=CardmemberDataSerializer, responses={200: CardmemberSerializer},
        summary="Change a cardmember's contact data or cost centre (audited with before and after)",
        examples=[OpenApiExample("New address", value={"address_line": "Nørregade 1", "postal_code": "1165",
                                                      "city": "København K"}, request_only=True)],
    )
    def partial_update(self, request, pk=None):
        cardmember: Cardmember = self.get_object()
        account = getattr(cardmember, "account", None)
        by = _actor(request, cardmember.company, account, permission="accounts.change_cardmember")
        body = CardmemberDataSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        cardmember = cardmember_update(cardmember=cardmember, by=by, on=_on(), **body.validated_data)
        return Response(CardmemberSerializer(cardmember).data)


class CompanyDataActions:
    @extend_schema(
        request=CompanyDataSerializer, responses={200: CompanySerializer, 202: ACCEPTED},
        summary="Change the company's address, bank details or authorised signatories (audited)",
        description="A bad IBAN or BIC answers 400 `invalid_iban` / `invalid_bic` and saves nothing. New bank "
                    "details wait for a second person (SPEC section 17): the answer is 202 with the change "
                    "request, and the other fields given are saved at once.",
        examples=[OpenApiExample("Bank details", value={"iban": "DK50 0040 0440 1162 43", "bic": "DABADKKK"},
                                 request_only=True)],
    )
    def partial_update(self, request, number=None):
        company: Company = self.get_object()
        by = _actor(request, company, permission="accounts.change_company")
        body = CompanyDataSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        company = company_update(company=company, by=by, on=_on(), **body.validated_data)
        if company.pending_change is not None:
            return accepted(company.pending_change)  # new bank details wait for a second person
        return Response(CompanySerializer(company).data)


class AdministratorSerializer(serializers.Serializer):
    email = serializers.EmailField()
    name = serializers.CharField(read_only=True)


class AdministratorItemSerializer(serializers.Serializer):
    """A PA as the company's list shows it, with the fields every listed object has (SPEC section 16)."""

    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    name = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def get_name(self, pa) -> str:
        return pa.user.get_full_name() or pa.user.get_username()


def _administrators(company: Company) -> list[dict[str, str]]:
    return [{"email": pa.user.email, "name": pa.user.get_full_name() or pa.user.get_username()}
            for pa in company.administrators.select_related("user").order_by("user__email", "pk")]


class CompanyAdministratorActions:
    """GET/POST /companies/{number}/administrators/ and POST …/administrators/remove/ (PA sheet)."""

    @extend_schema(methods=["GET"], responses={200: AdministratorItemSerializer(many=True)},
                   summary="The company's programme administrators",
                   description="Paginated by cursor like every list (`starting_after`, `limit`), oldest PA "
                               "first; `updated_after` also finds a PA who joined the company since.")
    @extend_schema(methods=["POST"], request=AdministratorSerializer, responses={202: ACCEPTED},
                   summary="Ask for the user with this email to become a PA of the company (a new portal user "
                           "if none has it); it waits for a second person (SPEC section 17)")
    # A cursor page like every list (SPEC section 16; issue 18 item 6); the company's own filters do not apply.
    @action(detail=True, methods=["get", "post"], filter_backends=[UpdatedAfterFilter])
    def administrators(self, request, number=None):
        company: Company = self.get_object()
        if request.method == "POST":
            by = _actor(request, company, permission="accounts.add_programmeadministrator")
            body = AdministratorSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            return accepted(company_pa_add(company=company, email=body.validated_data["email"], by=by, on=_on()))
        queryset = self.filter_queryset(company.administrators.select_related("user"))
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(AdministratorItemSerializer(page, many=True).data)

    @extend_schema(request=AdministratorSerializer, responses={200: AdministratorSerializer(many=True)},
                   summary="Take a PA off the company (never the last one)")
    # The company's PAs after the change, whole: an answer, not a list to page through.
    @action(detail=True, methods=["post"], url_path="administrators/remove", pagination_class=None,
            filter_backends=[])
    def administrators_remove(self, request, number=None):
        company: Company = self.get_object()
        by = _actor(request, company, permission="accounts.delete_programmeadministrator")
        body = AdministratorSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        company_pa_remove(company=company, email=body.validated_data["email"], by=by, on=_on())
        return Response(_administrators(company))
