"""GET/POST /api/v1/cards/{id}/recurring-stops/ and GET/DELETE .../{stop_id}/: stop a merchant's
recurring charges on a card (terms §16, SPEC section 11; issue 16 item 9).

The card is scoped like its other reads (an outsider gets 404); the holder, the company (PA or company
token) and ops with the permission register and lift stops. A lifted stop stays listed with its date.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.audit import Actor, actor_for
from accounts.models import Card
from accounts.selectors import visible_cards
from amexprog.common import clock
from amexprog.common.idempotency import IdempotentMixin
from amexprog.common.permissions import IsPortalUserOrCompanyToken
from disputes.models import RecurringStop
from disputes.recurring_stops import ADD_STOP, LIFT_STOP, recurring_stop_register, recurring_stop_revoke


class RecurringStopSerializer(serializers.ModelSerializer):
    card_id = serializers.IntegerField(read_only=True)
    active = serializers.SerializerMethodField()

    class Meta:
        model = RecurringStop
        fields = ["id", "card_id", "merchant_name", "mcc", "registered_on", "effective_from", "registered_by",
                  "revoked_on", "revoked_by", "active", "created_at", "updated_at"]
        read_only_fields = ["id", "card_id", "registered_on", "effective_from", "registered_by", "revoked_on",
                            "revoked_by", "active"]
        extra_kwargs = {"mcc": {"required": False}}

    def get_active(self, stop: RecurringStop) -> bool:
        return stop.revoked_on is None


def _card_and_actor(request, pk: int, *, permission: str | None) -> tuple[Card, Actor]:
    card = get_object_or_404(visible_cards(request.user).select_related("account__company", "account__cardmember"),
                             pk=pk)
    actor = actor_for(request.user, company=card.account.company, account=card.account, permission=permission)
    if actor is None:
        raise NotFound()
    return card, actor


class CardRecurringStopsView(IdempotentMixin, GenericAPIView):
    """GET is a cursor page like every list (SPEC section 16; issue 18 item 6), newest stop first."""

    serializer_class = RecurringStopSerializer
    queryset = RecurringStop.objects.none()  # the schema's model; get() reads the card's own stops
    permission_classes = [IsPortalUserOrCompanyToken]
    ops_permissions = {"get": ("disputes.view_recurringstop",), "post": (ADD_STOP,)}

    @extend_schema(responses={200: RecurringStopSerializer(many=True)},
                   summary="The card's stops of recurring charges, lifted ones too (terms §16)")
    def get(self, request, pk: int):
        card, _actor = _card_and_actor(request, pk, permission=None)
        page = self.paginate_queryset(self.filter_queryset(card.recurring_stops.all()))
        return self.get_paginated_response(RecurringStopSerializer(page, many=True).data)

    @extend_schema(request=RecurringStopSerializer, responses={201: RecurringStopSerializer},
                   summary="Stop a merchant's recurring charges on the card (terms §16)",
                   description="From the next bank day, recurring authorizations from the merchant decline "
                               "`recurring_stopped`, and a charge from it presented later is disputed as a "
                               "cancelled recurring charge with a temporary credit.")
    def post(self, request, pk: int):
        card, by = _card_and_actor(request, pk, permission=ADD_STOP)
        body = RecurringStopSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        stop = recurring_stop_register(card=card, merchant_name=body.validated_data["merchant_name"],
                                       mcc=body.validated_data.get("mcc", ""), by=by, on=clock.today())
        return Response(RecurringStopSerializer(stop).data, status=status.HTTP_201_CREATED)


class CardRecurringStopDetailView(APIView):
    permission_classes = [IsPortalUserOrCompanyToken]
    ops_permissions = {"get": ("disputes.view_recurringstop",), "delete": (LIFT_STOP,)}

    def _stop(self, request, pk: int, stop_id: int, permission: str | None) -> tuple[RecurringStop, Actor]:
        card, actor = _card_and_actor(request, pk, permission=permission)
        return get_object_or_404(card.recurring_stops.all(), pk=stop_id), actor

    @extend_schema(responses={200: RecurringStopSerializer}, summary="One stop of recurring charges")
    def get(self, request, pk: int, stop_id: int):
        stop, _actor = self._stop(request, pk, stop_id, None)
        return Response(RecurringStopSerializer(stop).data)

    @extend_schema(request=None, responses={200: RecurringStopSerializer},
                   summary="Lift a stop of recurring charges from today (terms §16)")
    def delete(self, request, pk: int, stop_id: int):
        stop, by = self._stop(request, pk, stop_id, LIFT_STOP)
        return Response(RecurringStopSerializer(recurring_stop_revoke(stop=stop, by=by, on=clock.today())).data)
