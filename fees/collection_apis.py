"""Collection costs over the REST API (terms §9c, §27d; Trust II item 4): ops only.

`POST /api/v1/collection-costs/` (multipart: `account_number`, `amount`, `agency`, `invoice_reference`,
`file`) charges one documented invoice to an account in default; `GET` lists what was charged.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from accounts.models import Account
from amexprog.common.idempotency import IdempotentMixin
from amexprog.common.permissions import IsOpsTokenOrStaff
from disputes.services import case_day
from fees.collection import collection_cost_post
from fees.models import CollectionCost


class CollectionCostSerializer(serializers.ModelSerializer):
    account_number = serializers.CharField(source="account.number", read_only=True)
    posting_id = serializers.IntegerField(read_only=True)
    amount = serializers.DecimalField(source="posting.amount.amount", max_digits=18, decimal_places=2,
                                      read_only=True)
    currency = serializers.CharField(source="account.currency", read_only=True)

    class Meta:
        model = CollectionCost
        fields = ["id", "account_number", "posting_id", "amount", "currency", "agency", "invoice_reference",
                  "original_name", "posted_on", "posted_by", "created_at", "updated_at"]
        read_only_fields = fields


class CollectionCostCreateSerializer(serializers.Serializer):
    account_number = serializers.CharField(max_length=20)
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, help_text="The invoiced cost, "
                                      "in the account's currency.")
    agency = serializers.CharField(max_length=200)
    invoice_reference = serializers.CharField(max_length=100)
    file = serializers.FileField(help_text="The invoice: PDF, PNG or JPEG.")


class CollectionCostViewSet(IdempotentMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                            viewsets.GenericViewSet):
    permission_classes = [IsOpsTokenOrStaff]
    serializer_class = CollectionCostSerializer
    parser_classes = [MultiPartParser]
    queryset = CollectionCost.objects.select_related("account", "posting").order_by("-posted_on", "-id")
    filterset_fields = ["invoice_reference"]
    ops_permissions = {"list": ("fees.view_collectioncost",), "retrieve": ("fees.view_collectioncost",),
                       "create": ("fees.post_collection_cost",)}

    @extend_schema(request={"multipart/form-data": CollectionCostCreateSerializer},
                   responses={201: CollectionCostSerializer,
                              400: OpenApiResponse(description="`account_not_in_default`, `invalid_amount`, "
                                                   "`invoice_already_posted`, `evidence_required`, "
                                                   "`invalid_attachment`."),
                              403: OpenApiResponse(description="`not_allowed`: needs fees.post_collection_cost."),
                              404: OpenApiResponse(description="No such account.")},
                   summary="Ops: charge a documented collection cost to an account in default (terms §9c, §27d)")
    def create(self, request):
        body = CollectionCostCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        account = get_object_or_404(Account, number=data["account_number"])
        cost = collection_cost_post(account=account, amount=data["amount"], agency=data["agency"],
                                    invoice_reference=data["invoice_reference"], evidence=data["file"],
                                    filename=data["file"].name, user=request.user, on=case_day())
        return Response(CollectionCostSerializer(self.get_queryset().get(pk=cost.pk)).data,
                        status=status.HTTP_201_CREATED)
