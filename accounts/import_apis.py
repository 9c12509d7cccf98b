"""POST /api/v1/company-files/ — onboard companies in bulk, what `manage.py import_companies` does
(SPEC sections 3, 11, 16).

Companies are created by ops only: ops tokens and signed-in ops staff; a company token, a PA or a
cardmember gets 403. The whole file is checked first; any bad row creates nothing and answers 400
`file_rejected` with the row-by-row report, like /api/v1/charge-files/.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.imports import COMPANY_COLUMNS, companies_import
from accounts.roles import ONBOARD_COMPANY
from accounts.serializers import CompanySerializer
from amexprog.common.idempotency import IdempotentMixin
from amexprog.common.permissions import IsOpsTokenOrStaff
from charges.apis import ERROR_BODY, FILE_REJECTED_BODY

IDEMPOTENCY = OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
                               description="Replays return the first response; reuse with another body is 409.")


class CompanyFileUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV, UTF-8, header row: " + ",".join(COMPANY_COLUMNS) + ".")


class CompanyFileResultSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Companies created.")
    companies = CompanySerializer(many=True)


class CompanyFileView(IdempotentMixin, APIView):
    permission_classes = [IsOpsTokenOrStaff]
    ops_permissions = {"post": (ONBOARD_COMPANY,)}
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": CompanyFileUploadSerializer},
        responses={
            201: CompanyFileResultSerializer,
            400: OpenApiResponse(FILE_REJECTED_BODY, description="A bad row: nothing was created (`file_rejected`)."),
            403: OpenApiResponse(ERROR_BODY, description="Only ops tokens and ops staff onboard companies."),
        },
        parameters=[IDEMPOTENCY],
        summary="Onboard companies with a company file (ops)",
        description=(
            "What `manage.py import_companies` does. The whole file is validated before anything is "
            "created: any bad row (a number already taken or repeated, an annual fee above DKK 650, an "
            "invalid IBAN ...) creates nothing and answers 400 `file_rejected` with `extra.errors` listing "
            "row, column and reason. Columns: " + ", ".join(f"`{c}`" for c in COMPANY_COLUMNS) + "."
        ),
    )
    def post(self, request):
        upload_serializer = CompanyFileUploadSerializer(data=request.data)
        upload_serializer.is_valid(raise_exception=True)
        upload = upload_serializer.validated_data["file"]
        upload.seek(0)
        summary = companies_import(stream=upload.file)
        body = CompanyFileResultSerializer({"count": summary.count, "companies": summary.companies}).data
        return Response(body, status=status.HTTP_201_CREATED)
