"""POST /accounts/{number}/issuer-close/ and /cards/{id}/issuer-cancel/: ops end an account, or cancel one
card, with 2 months' dated notice or at once for a breach or the end of employment (terms §31a; SPEC
section 11; issue 16 item 10). Ops need `accounts.close_account`; a PA or holder is refused by the
service (403), an outsider never sees the object (404)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts import issuer_closure
from accounts.apis_cards import _actor
from accounts.issuer_closure_models import IssuerClosure
from accounts.models import Card
from accounts.roles import CLOSE_ACCOUNT
from amexprog.common import clock


class IssuerClosureRequestSerializer(serializers.Serializer):
    grounds = serializers.ChoiceField(choices=IssuerClosure.Grounds.choices,
                                      help_text="notice: carried out on effective_on (at least 2 months ahead, "
                                                "default exactly 2); breach and employment_end: at once")
    reason = serializers.CharField(max_length=200, help_text="Told to the holder, or the paying company's PAs.")
    effective_on = serializers.DateField(required=False, allow_null=True, default=None)


class IssuerClosureSerializer(serializers.ModelSerializer):
    account_number = serializers.CharField(source="account.number", read_only=True)
    card_last4 = serializers.CharField(source="card.last4", read_only=True, allow_null=True, default=None)

    class Meta:
        model = IssuerClosure
        fields = ["id", "account_number", "card_last4", "grounds", "reason", "decided_on", "effective_on", "status",
                  "done_on"]
        read_only_fields = fields


EXAMPLES = [
    OpenApiExample("With notice", request_only=True, value={"grounds": "notice", "reason": "The programme ends"}),
    OpenApiExample("At once", request_only=True,
                   value={"grounds": "breach", "reason": "Card used for the holder's own business"}),
]


class AccountIssuerClosureActions:
    """Mixed into AccountViewSet."""

    @extend_schema(request=IssuerClosureRequestSerializer, responses={201: IssuerClosureSerializer},
                   examples=EXAMPLES,
                   summary="Ops: close the account with 2 months' notice, or at once for a breach or employment end "
                           "(terms §31a)",
                   description="With notice, a dated notice goes to whoever pays the account now and the daily run "
                               "closes it on the date; at once, it is closed now. Closing cancels the cards, refunds "
                               "the annual fee pro rata and produces the final statement (terms §32).")
    @action(detail=True, methods=["post"], url_path="issuer-close")
    def issuer_close(self, request, number=None):
        account = get_object_or_404(self.get_queryset(), number=number)
        by = _actor(request, account.company, account, permission=CLOSE_ACCOUNT)
        body = IssuerClosureRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        closure = issuer_closure.issuer_closure_give(account=account, by=by, on=clock.today(), **body.validated_data)
        return Response(IssuerClosureSerializer(closure).data, status=201)


class CardIssuerClosureActions:
    """Mixed into CardViewSet."""

    @extend_schema(request=IssuerClosureRequestSerializer, responses={201: IssuerClosureSerializer},
                   examples=EXAMPLES,
                   summary="Ops: cancel the card with 2 months' notice, or at once for a breach or employment end "
                           "(terms §31a)")
    @action(detail=True, methods=["post"], url_path="issuer-cancel")
    def issuer_cancel(self, request, pk=None):
        card = Card.objects.select_related("account", "account__company").get(pk=self.get_object().pk)
        by = _actor(request, card.account.company, card.account, permission=CLOSE_ACCOUNT)
        body = IssuerClosureRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        closure = issuer_closure.issuer_closure_give(account=card.account, card=card, by=by, on=clock.today(),
                                                     **body.validated_data)
        return Response(IssuerClosureSerializer(closure).data, status=201)
