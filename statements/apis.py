"""Statements over the REST API (SPEC sections 9, 16): lists, the statement JSON, and PDF copies.

Every queryset starts from accounts.selectors through statements.rendering.selectors: a company
token sees its company's statements, a cardmember session only their own; anything else is a 404
with the same body as a statement that does not exist.
"""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Language
from accounts.selectors import visible_accounts
from amexprog.common.pagination import UpdatedAfterFilter
from amexprog.common.permissions import IsPortalUserOrCompanyToken
from statements.models import CompanyStatement, Statement
from statements.rendering import (
    company_statement_document,
    company_statement_json,
    render_company_statement_pdf,
    render_statement_pdf,
    statement_document,
    statement_json,
)
from statements.rendering.selectors import (
    statements_for_documents,
    visible_company_statements,
    visible_statements,
)
from statements.serializers import (
    CompanyStatementDetailSerializer,
    CompanyStatementListSerializer,
    StatementDetailSerializer,
    StatementListSerializer,
)

LANGUAGE_PARAMETER = OpenApiParameter(
    "language", str, OpenApiParameter.QUERY, required=False, enum=Language.values,
    description="Render in this language instead of the holder's (a company statement: instead of its "
                "market's first language).",
)
PDF_RESPONSE = {(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The statement as PDF.")}


def requested_language(request: Request) -> str | None:
    """The optional `?language=` of a document request; anything but da/en/nl/fr is a 400."""
    language = request.query_params.get("language")
    if language in (None, ""):
        return None
    if language not in Language.values:
        raise serializers.ValidationError({"language": [f"Choose one of {', '.join(Language.values)}."]})
    return language


class PDFRenderer(BaseRenderer):
    """Lets a client ask for `Accept: application/pdf`; errors still answer in JSON."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return json.dumps(data).encode()


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class StatementFilter(filters.FilterSet):
    account = filters.CharFilter(field_name="account__number", help_text="Account number.")
    company = filters.CharFilter(field_name="account__company__number", help_text="Company number.")
    statement_date_from = filters.DateFilter(field_name="statement_date", lookup_expr="gte")
    statement_date_to = filters.DateFilter(field_name="statement_date", lookup_expr="lte")

    class Meta:
        model = Statement
        fields = ["account", "company", "statement_date_from", "statement_date_to"]


@extend_schema_view(
    list=extend_schema(summary="Statements the caller may see, newest first (SPEC section 9)"),
    retrieve=extend_schema(
        summary="A statement as JSON (SPEC section 16)", responses=StatementDetailSerializer,
        parameters=[LANGUAGE_PARAMETER],
        description="Opening and closing balance, totals by kind and every line with its FX details and, for "
                    "fees and interest, a sentence explaining the amount in the holder's language.",
    ),
)
class StatementViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = StatementListSerializer
    permission_classes = [IsPortalUserOrCompanyToken]
    ops_permissions = {action: ("statements.view_statement",) for action in ("list", "retrieve", "pdf")}
    filterset_class = StatementFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return (
            visible_statements(self.request.user)
            .select_related("account__company")
            .order_by("-statement_date", "account__number")
        )

    def retrieve(self, request, *args, **kwargs):
        statement = get_object_or_404(statements_for_documents(visible_statements(request.user)), pk=kwargs["pk"])
        document = statement_json(statement_document(statement, language=requested_language(request)))
        # The list item's fields, then the document's (issue 18 item 9: the same fields as the list item).
        return Response({**self.get_serializer(statement).data, **document})

    @extend_schema(summary="A statement as PDF", parameters=[LANGUAGE_PARAMETER], responses=PDF_RESPONSE,
                   filters=False)
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, PDFRenderer])
    def pdf(self, request, pk=None):
        statement = get_object_or_404(statements_for_documents(visible_statements(request.user)), pk=pk)
        document = statement_document(statement, language=requested_language(request))
        return pdf_response(render_statement_pdf(document), document.filename)


@extend_schema(summary="An account's statements, newest first (SPEC section 9)",
               parameters=[OpenApiParameter("number", str, OpenApiParameter.PATH, description="Account number.")])
class AccountStatementListView(generics.ListAPIView):
    serializer_class = StatementListSerializer
    permission_classes = [IsPortalUserOrCompanyToken]
    ops_permissions = {"get": ("statements.view_statement",)}
    filter_backends = [UpdatedAfterFilter]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no account in the path
            return Statement.objects.none()
        account = get_object_or_404(visible_accounts(self.request.user), number=self.kwargs["number"])
        return Statement.objects.filter(account=account).select_related("account__company").order_by("-statement_date")


class CompanyStatementFilter(filters.FilterSet):
    company = filters.CharFilter(field_name="company__number", help_text="Company number.")
    statement_date_from = filters.DateFilter(field_name="statement_date", lookup_expr="gte")
    statement_date_to = filters.DateFilter(field_name="statement_date", lookup_expr="lte")

    class Meta:
        model = CompanyStatement
        fields = ["company", "statement_date_from", "statement_date_to"]


@extend_schema_view(
    list=extend_schema(summary="Company statements (central billing) the caller may see, newest first"),
    retrieve=extend_schema(summary="A company statement: the sum and each account's share (SPEC section 9)",
                           responses=CompanyStatementDetailSerializer, parameters=[LANGUAGE_PARAMETER]),
)
class CompanyStatementViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CompanyStatementListSerializer
    permission_classes = [IsPortalUserOrCompanyToken]
    ops_permissions = {action: ("statements.view_companystatement",) for action in ("list", "retrieve", "pdf")}
    filterset_class = CompanyStatementFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return (
            visible_company_statements(self.request.user)
            .select_related("company")
            .order_by("-statement_date", "company__number")
        )

    def retrieve(self, request, *args, **kwargs):
        company_statement = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        document = company_statement_document(company_statement, language=requested_language(request))
        # The list item's fields, then the document's (issue 18 item 9).
        return Response({**self.get_serializer(company_statement).data, **company_statement_json(document)})

    @extend_schema(summary="A company statement as PDF", parameters=[LANGUAGE_PARAMETER], responses=PDF_RESPONSE,
                   filters=False)
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, PDFRenderer])
    def pdf(self, request, pk=None):
        company_statement = get_object_or_404(self.get_queryset(), pk=pk)
        document = company_statement_document(company_statement, language=requested_language(request))
        return pdf_response(render_company_statement_pdf(document), document.filename)
