"""Personal charges over the REST API (terms §12a-ii).

`POST /api/v1/charges/{id}/personal/` marks a charge personal and `DELETE` takes the mark back: the
cardmember's own session only (a PA or company token gets 403 `not_allowed`: the declaration is the
cardmember's). `GET /api/v1/companies/{number}/personal-charges/` lists what a company's
cardmembers declared personal, for its PAs and its token. Anything outside the caller's scope is a 404.

`POST /api/v1/charges/{id}/reimbursed/` marks a charge the company already reimbursed to the
cardmember and `DELETE` takes the mark back: the company only (a PA or a company token; the
cardmember and ops get 403): under joint liability the company is not liable for it (SPEC section 3,
terms §12; issue 16 item 12).
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.audit import actor_for
from accounts.selectors import visible_accounts, visible_companies
from amexprog.common import clock
from amexprog.common.cycle import business_date
from amexprog.common.idempotency import IdempotentMixin
from amexprog.common.permissions import IsPortalUserOrCompanyToken
from ledger.models import Posting
from liability.models import PersonalCharge
from liability.selectors import visible_personal_charges
from liability.services import (
    personal_charge_mark,
    personal_charge_unmark,
    reimbursed_charge_mark,
    reimbursed_charge_unmark,
)


class PersonalChargeSerializer(serializers.ModelSerializer):
    account_number = serializers.CharField(source="account.number", read_only=True)
    cardmember_name = serializers.CharField(source="account.cardmember.full_name", read_only=True)
    charge_id = serializers.IntegerField(source="posting_id", read_only=True)
    posting_date = serializers.DateField(source="posting.posting_date", read_only=True)
    description = serializers.CharField(source="posting.description", read_only=True)
    amount = serializers.DecimalField(source="posting.amount.amount", max_digits=18, decimal_places=2,
                                      read_only=True)
    currency = serializers.CharField(source="posting.amount_currency", read_only=True)

    class Meta:
        model = PersonalCharge
        fields = ["id", "charge_id", "account_number", "cardmember_name", "posting_date", "description", "amount",
                  "currency", "reason", "marked_on", "note", "created_at", "updated_at"]


class MarkSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


def _today():
    return business_date() or clock.today()


def _charge_and_actor(request: Request, pk: int):
    """The charge among the caller's accounts (else 404) and the caller's role towards it; the mark's
    services decide who may set which mark (the cardmember personal, the company reimbursed)."""
    posting = get_object_or_404(Posting.objects.select_related("account__company", "account__cardmember"),
                                pk=pk, account__in=visible_accounts(request.user))
    permission = "liability.add_personalcharge" if request.method == "POST" else "liability.delete_personalcharge"
    actor = actor_for(request.user, company=posting.account.company, account=posting.account, permission=permission)
    if actor is None:
        raise Http404
    return posting, actor


def _mark(request: Request, pk: int, service) -> Response:
    """Set a mark (personal or reimbursed) through its service, which decides who may (liability.services)."""
    posting, actor = _charge_and_actor(request, pk)
    body = MarkSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    mark = service(posting=posting, by=actor, on=_today(), note=body.validated_data.get("note", ""))
    mark = PersonalCharge.objects.select_related("account__cardmember", "posting").get(pk=mark.pk)
    return Response(PersonalChargeSerializer(mark).data, status=status.HTTP_201_CREATED)


def _unmark(request: Request, pk: int, service) -> Response:
    posting, actor = _charge_and_actor(request, pk)
    service(posting=posting, by=actor, on=_today())
    return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description="The charge (posting) id.")])
class ChargePersonalView(IdempotentMixin, APIView):
    permission_classes = [IsPortalUserOrCompanyToken]
    # Only the cardmember declares a charge personal (403 for everyone else, ops included).
    ops_permissions = {"post": ("liability.add_personalcharge",), "delete": ("liability.delete_personalcharge",)}

    @extend_schema(summary="Mark a charge as personal (joint liability, terms §12a-ii)", request=MarkSerializer,
                   responses={201: PersonalChargeSerializer, 400: OpenApiResponse(description="`not_joint_liability`, "
                              "`not_a_charge` or `already_personal`."),
                              403: OpenApiResponse(description="Only the cardmember may declare a charge personal."),
                              404: OpenApiResponse(description="No such charge, or not yours.")})
    def post(self, request: Request, pk: int) -> Response:
        return _mark(request, pk, personal_charge_mark)

    @extend_schema(summary="Take back a charge's personal mark", request=None,
                   responses={204: None, 400: OpenApiResponse(description="`not_personal`."),
                              403: OpenApiResponse(description="Only the cardmember may do this."),
                              404: OpenApiResponse(description="No such charge, or not yours.")})
    def delete(self, request: Request, pk: int) -> Response:
        return _unmark(request, pk, personal_charge_unmark)


@extend_schema(parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description="The charge (posting) id.")])
class ChargeReimbursedView(IdempotentMixin, APIView):
    """SPEC section 3 (issue 16 item 12): the company marks a charge it already reimbursed to the cardmember."""

    permission_classes = [IsPortalUserOrCompanyToken]
    # Only the company marks what it reimbursed (403 for everyone else, ops included: liability.services).
    ops_permissions = {"post": ("liability.add_personalcharge",), "delete": ("liability.delete_personalcharge",)}

    @extend_schema(summary="Mark a charge as already reimbursed by the company (joint liability, SPEC section 3)",
                   request=MarkSerializer,
                   responses={201: PersonalChargeSerializer, 400: OpenApiResponse(description="`not_joint_liability`, "
                              "`not_a_charge` or `already_marked`."),
                              403: OpenApiResponse(description="Only the company (a PA or its token) may do this."),
                              404: OpenApiResponse(description="No such charge, or not yours.")})
    def post(self, request: Request, pk: int) -> Response:
        return _mark(request, pk, reimbursed_charge_mark)

    @extend_schema(summary="Take back a charge's reimbursed mark", request=None,
                   responses={204: None, 400: OpenApiResponse(description="`not_reimbursed`."),
                              403: OpenApiResponse(description="Only the company may do this."),
                              404: OpenApiResponse(description="No such charge, or not yours.")})
    def delete(self, request: Request, pk: int) -> Response:
        return _unmark(request, pk, reimbursed_charge_unmark)


@extend_schema(summary="Charges a company's cardmembers declared personal (joint liability, terms §12a-ii)",
               parameters=[OpenApiParameter("number", str, OpenApiParameter.PATH, description="Company number.")])
class CompanyPersonalChargeListView(generics.ListAPIView):
    serializer_class = PersonalChargeSerializer
    permission_classes = [IsPortalUserOrCompanyToken]
    ops_permissions = {"get": ("liability.view_personalcharge",)}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PersonalCharge.objects.none()
        company = get_object_or_404(visible_companies(self.request.user), number=self.kwargs["number"])
        return (visible_personal_charges(self.request.user).filter(account__company=company)
                .select_related("account__cardmember", "posting").order_by("-marked_on", "-id"))
