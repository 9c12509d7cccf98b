"""Payments over the REST API (SPEC section 9; PA sheet: payment allocation, credit-balance refunds).

`GET /api/v1/accounts/{number}/payment-allocation/`: each payment and credit with the statements it
paid, and each statement's billed and unpaid amount. `POST /api/v1/accounts/{number}/credit-refund/`:
pay the account's credit balance to the company's bank account (a PA, the company's token or ops).
An account outside the caller's scope is a 404.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.audit import visible_account_with_actor
from accounts.roles import REFUND_CREDIT_BALANCE
from accounts.selectors import visible_companies
from amexprog.common.amounts import AmountField
from amexprog.common.idempotency import IdempotentMixin
from amexprog.common.permissions import IsPortalUserOrCompanyToken
from charges.credit_refunds import booking_day, credit_refund_request
from charges.payment_allocation import account_payment_allocation, company_payment_queryset, company_payments
from charges.payment_models import Payment

NUMBER = OpenApiParameter("number", str, OpenApiParameter.PATH, description="Account number.")


class ShareSerializer(serializers.Serializer):
    statement_id = serializers.IntegerField()
    statement_date = serializers.DateField()
    due_date = serializers.DateField()
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)


class CreditSerializer(serializers.Serializer):
    posted_on = serializers.DateField()
    kind = serializers.CharField(help_text="payment, dispute_credit or credit_statement.")
    description = serializers.CharField()
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    returned_on = serializers.DateField(allow_null=True, help_text="Set when the payment was returned: it pays "
                                                                   "nothing.")
    shares = ShareSerializer(many=True)
    unallocated = serializers.DecimalField(max_digits=18, decimal_places=2,
                                           help_text="Left for postings not yet billed, or as a credit balance.")


class DueSerializer(serializers.Serializer):
    statement_id = serializers.IntegerField()
    statement_date = serializers.DateField()
    due_date = serializers.DateField()
    billed = serializers.DecimalField(max_digits=18, decimal_places=2)
    unpaid = serializers.DecimalField(max_digits=18, decimal_places=2)


class AllocationSerializer(serializers.Serializer):
    account_number = serializers.CharField(source="account.number")
    currency = serializers.CharField(source="account.currency")
    as_of = serializers.DateField()
    statements = DueSerializer(many=True, source="dues")
    credits = CreditSerializer(many=True)


@extend_schema(summary="Which statement each payment paid (oldest billed first, terms §13e)", parameters=[NUMBER],
               responses={200: AllocationSerializer, 404: OpenApiResponse(description="No such account, or not "
                                                                                      "yours.")})
class AccountPaymentAllocationView(APIView):
    permission_classes = [IsPortalUserOrCompanyToken]
    ops_permissions = {"get": ("charges.view_payment",)}

    def get(self, request: Request, number: str) -> Response:
        account, _actor = visible_account_with_actor(request.user, number, permission="charges.view_payment")
        return Response(AllocationSerializer(account_payment_allocation(account=account, as_of=booking_day())).data)


@extend_schema(
    summary="Refund an account's credit balance to the company's bank account", parameters=[NUMBER], request=None,
    responses={
        201: inline_serializer("CreditRefund", {
            "account_number": serializers.CharField(), "amount": serializers.DecimalField(max_digits=18,
                                                                                          decimal_places=2),
            "currency": serializers.CharField(), "iban": serializers.CharField(),
            "posting_id": serializers.IntegerField(), "posting_date": serializers.DateField()}),
        400: OpenApiResponse(description="`no_credit_balance`, `no_bank_account` or `already_refunded`."),
        403: OpenApiResponse(description="A cardmember cannot ask for this; their PA can."),
        404: OpenApiResponse(description="No such account, or not yours."),
    },
)
class AccountCreditRefundView(IdempotentMixin, APIView):
    permission_classes = [IsPortalUserOrCompanyToken]
    ops_permissions = {"post": (REFUND_CREDIT_BALANCE,)}

    def post(self, request: Request, number: str) -> Response:
        account, actor = visible_account_with_actor(request.user, number, permission=REFUND_CREDIT_BALANCE)
        posting = credit_refund_request(account=account, by=actor, on=booking_day())
        return Response({"account_number": account.number, "amount": str(posting.amount.amount),
                         "currency": account.currency, "iban": account.company.iban, "posting_id": posting.pk,
                         "posting_date": posting.posting_date.isoformat()}, status=status.HTTP_201_CREATED)


class CompanyPaymentPartSerializer(serializers.Serializer):
    account_number = serializers.CharField()
    cardmember_name = serializers.CharField()
    amount = serializers.DecimalField(max_digits=18, decimal_places=2,
                                      help_text="What this account received (negative for a return).")


class CompanyPaymentSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="payment.pk")
    created_at = serializers.DateTimeField(source="payment.created_at")
    updated_at = serializers.DateTimeField(source="payment.updated_at")
    payment_id = serializers.CharField(source="payment.payment_id")
    type = serializers.CharField(source="payment.type")
    received_on = serializers.DateField(source="payment.received_on")
    amount = AmountField("payment.amount", currency_attr="payment.currency",
                         help_text="In the payment's currency, with its decimals.")
    currency = serializers.CharField(source="payment.currency")
    billing_amount = serializers.DecimalField(source="payment.billing_amount", max_digits=18, decimal_places=2)
    returns_payment_id = serializers.CharField(source="payment.original.payment_id", default=None, allow_null=True)
    allocation = serializers.SerializerMethodField()

    @extend_schema_field(CompanyPaymentPartSerializer(many=True))
    def get_allocation(self, row) -> list[dict]:
        return [{"account_number": number, "cardmember_name": name, "amount": str(amount)}
                for number, name, amount in row.parts]


@extend_schema(summary="A company's payments, newest first, and how each was split across its accounts "
                       "(SPEC section 9)",
               parameters=[OpenApiParameter("number", str, OpenApiParameter.PATH, description="Company number.")])
class CompanyPaymentListView(generics.ListAPIView):
    serializer_class = CompanyPaymentSerializer
    permission_classes = [IsPortalUserOrCompanyToken]
    ops_permissions = {"get": ("charges.view_payment",)}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no company in the path
            return Payment.objects.none()
        self.company = get_object_or_404(visible_companies(self.request.user), number=self.kwargs["number"])
        return company_payment_queryset(company=self.company)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        rows = company_payments(company=self.company, payments=list(page or []))
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)
