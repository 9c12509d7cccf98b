"""`GET /api/v1/accounts/{number}/postings/`: an account's transactions, filtered and paginated.

The account must be one the caller sees (accounts.selectors), else 404. A cardmember session
sees three months back (terms §8b, SPEC section 15); a PA or company token the whole history.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics

from accounts.selectors import visible_accounts
from amexprog.common.permissions import IsPortalUserOrCompanyToken
from ledger.models import Posting, PostingKind
from ledger.serializers import PostingSerializer
from statements.apis import LANGUAGE_PARAMETER, requested_language
from statements.rendering.data import statement_line, supported_language
from statements.rendering.selectors import account_transactions


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
    description="Every posting with its FX details (original amount, USD step, rates, rate date) and, for fees "
                "and interest, a sentence explaining the amount. Paginated with `page` and `page_size`.",
    parameters=[OpenApiParameter("number", str, OpenApiParameter.PATH, description="Account number."),
                LANGUAGE_PARAMETER],
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
        queryset = self.filter_queryset(self.get_queryset())
        language = supported_language(language or self.account.cardmember.language)
        page = self.paginate_queryset(queryset)
        lines = [statement_line(posting, language) for posting in page]
        return self.get_paginated_response(self.get_serializer(lines, many=True).data)
