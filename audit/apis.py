"""GET /api/v1/cardmembers/{id}/export/: a cardmember's data as JSON (SPEC section 15)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import EXPORT_PERSONAL_DATA
from accounts.selectors import visible_cardmembers
from amexprog.common.permissions import IsPortalUserOrCompanyToken
from audit.data_export import cardmember_data_export


class CardmemberDataExportView(APIView):
    """Everything held about one cardmember (access and portability): profile, account, masked cards,
    statements, postings, disputes, EuroBonus, notices, accepted terms. A company token sees only its
    company's cardmembers; any other id is a 404."""

    permission_classes = [IsPortalUserOrCompanyToken]
    ops_permissions = {"get": (EXPORT_PERSONAL_DATA,)}

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, operation_id="cardmembers_export")
    def get(self, request, pk: int):
        cardmember = get_object_or_404(visible_cardmembers(request.user), pk=pk)
        response = Response(cardmember_data_export(cardmember=cardmember))
        response["Cache-Control"] = "no-store"
        return response
