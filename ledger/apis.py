"""`GET /api/v1/accounts/{number}/postings/`: an account's transactions, filtered and paginated.

The account must be one the caller sees (accounts.selectors), else 404. A cardmember session
sees three months back (terms §8b, SPEC section 15); a PA or company token the whole history.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ErrorDetail, ValidationError

from accounts.selectors import visible_accounts
from amexprog.common.permissions import IsPortalUserOrCompanyToken
from charges.selectors import authorizations_of_postings
from ledger.models import Posting, PostingKind
from ledger.serializers import EXPANDABLE, PostingRow, PostingSerializer
from statements.apis import LANGUAGE_PARAMETER, requested_language
from statements.rendering.data import statement_line, supported_language
from statements.rendering.selectors import account_transactions

EXPAND = "expand[]"
UNKNOWN_EXPANSION = _("Only card and authorization can be expanded.")
EXPAND_PARAMETER = OpenApiParameter(
    EXPAND, str, OpenApiParameter.QUERY, many=True, enum=list(EXPANDABLE), required=False,
    description="Related objects to include whole under `expanded` (repeat the parameter): `card`, `authorization`.",
)


def requested_expansions(request) -> tuple[str, ...]:
    """The `expand[]` values of the request; anything but card and authorization is a 400 (issue 18 item 9)."""
    values = tuple(request.query_params.getlist(EXPAND))
    unknown = [value for value in values if value not in EXPANDABLE]
    if unknown:
        raise ValidationError({EXPAND: [ErrorDetail(str(UNKNOWN_EXPANSION), code="invalid_choice")]})
    return values


class PostingFilter(filters.FilterSet):
    date_from = filters.DateFilter(field_name="posting_date", lookup_expr="gte",
                                   help_text="First posting date (inclusive), YYYY-MM-DD.")
    date_to = filters.DateFilter(field_name="posting_date", lookup_expr="lte",
                                 help_text="Last posting date (inclusive), YYYY-MM-DD.")
    kind = filters.MultipleChoiceFilter(choices=PostingKind.choices,
                                        help_text="One or more posting kinds (repeat the parameter).")

    class Meta:
        model = Posting
        fields = ["date_from", "date_to", "kind"]


@extend_schema(
    summary="An account's postings, newest first",
    description="Every posting with its FX details (original amount, USD step, rates, rate date), its merchant, "
                "MCC, card and the authorization it settled, and, for fees and interest, a sentence explaining the "
                "amount. Paginated with `starting_after` and `limit`; `expand[]=card` and "
                "`expand[]=authorization` include those objects whole.",
    parameters=[OpenApiParameter("number", str, OpenApiParameter.PATH, description="Account number."),
                LANGUAGE_PARAMETER, EXPAND_PARAMETER],
)
class AccountPostingListView(generics.ListAPIView):
    serializer_class = PostingSerializer
    permission_classes = [IsPortalUserOrCompanyToken]
    ops_permissions = {"get": ("ledger.view_posting",)}
    filterset_class = PostingFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no account in the path
            return Posting.objects.none()
        self.account = get_object_or_404(visible_accounts(self.request.user).select_related("cardmember"),
                                         number=self.kwargs["number"])
        return account_transactions(user=self.request.user, account=self.account)

    def list(self, request, *args, **kwargs):
        language = requested_language(request)
        expand = requested_expansions(request)
        queryset = self.filter_queryset(self.get_queryset())
        language = supported_language(language or self.account.cardmember.language)
        page = self.paginate_queryset(queryset)
        authorizations = authorizations_of_postings(posting_ids=[posting.pk for posting in page])
        rows = [PostingRow(statement_line(posting, language), posting, authorizations.get(posting.pk))
                for posting in page]
        serializer = self.get_serializer(rows, many=True, context={**self.get_serializer_context(), "expand": expand})
        return self.get_paginated_response(serializer.data)
