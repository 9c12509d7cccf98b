"""POST /api/v1/charge-files/ — charge files from the card network (SPEC sections 5, 16).

Charges come from the network, never from a company: only ops tokens and ops staff (with the
`charges.add_chargefile` permission) may load them; a company token gets 403.
"""

from __future__ import annotations

from django.views.decorators.debug import sensitive_variables
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from amexprog.common.idempotency import IdempotentMixin
from amexprog.common.permissions import IsOpsTokenOrStaff
from charges.models import ChargeFile, PaymentFile
from charges.payments import payments_import
from charges.services import charge_file_import


class ChargeFileUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A charge file: CSV, UTF-8, header row (SPEC section 5).")


class ChargeFileSerializer(serializers.ModelSerializer):
    totals = serializers.DictField(
        help_text='Per posting kind: {"count": n, "amounts": {currency: "123.45"}}.', read_only=True)

    class Meta:
        model = ChargeFile
        fields = ["id", "content_hmac", "filename", "loaded_at", "row_count", "posting_count", "flagged_count",
                  "totals", "created_at", "updated_at"]
        read_only_fields = fields


FILE_REJECTED_BODY = inline_serializer(
    name="ChargeFileRejected",
    fields={
        "code": serializers.CharField(help_text="`file_rejected`, or `invalid` when the upload itself is missing"),
        "detail": serializers.CharField(),
        "fields": serializers.DictField(required=False, help_text="With `invalid`: the field errors."),
        "extra": inline_serializer(
            required=False,
            name="ChargeFileRejectedExtra",
            fields={
                "error_count": serializers.IntegerField(help_text="All errors; at most 1000 are listed."),
                "errors": inline_serializer(
                    name="ChargeFileRowError",
                    fields={
                        "row": serializers.IntegerField(help_text="Spreadsheet numbering: the header is row 1."),
                        "column": serializers.CharField(help_text="Empty when the whole row or file is wrong."),
                        "reason": serializers.CharField(),
                    },
                    many=True,
                ),
            },
        ),
    },
)
ERROR_BODY = inline_serializer(name="ChargeFileError", fields={"code": serializers.CharField(),
                                                               "detail": serializers.CharField()})


def _upload_schema(*, serializer, what: str, description: str):
    return extend_schema(
        request={"multipart/form-data": ChargeFileUploadSerializer},
        responses={
            201: serializer,
            400: OpenApiResponse(FILE_REJECTED_BODY, description="A bad row: nothing was posted (`file_rejected`)."),
            403: OpenApiResponse(ERROR_BODY, description=f"Only ops tokens and ops staff load {what}s."),
            409: OpenApiResponse(ERROR_BODY, description="The same content was loaded before (`file_already_loaded`)."),
        },
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
                                     description="Replays return the first response; reuse with another body is 409.")],
        summary=f"Load a {what}",
        description=description,
    )


class FileUploadViewSet(IdempotentMixin, mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    """Files loaded so far, and the upload of a new one, validated whole (ops only)."""

    permission_classes = [IsOpsTokenOrStaff]
    parser_classes = [MultiPartParser]
    filterset_fields = ["filename"]

    def load(self, upload):  # pragma: no cover — each subclass names its importer
        raise NotImplementedError

    def create(self, request, *args, **kwargs):
        upload_serializer = ChargeFileUploadSerializer(data=request.data)
        upload_serializer.is_valid(raise_exception=True)
        upload = upload_serializer.validated_data["file"]
        upload.seek(0)
        return Response(self.get_serializer(self.load(upload)).data, status=status.HTTP_201_CREATED)


class ChargeFileViewSet(FileUploadViewSet):
    """Charge files from the card network (SPEC section 5)."""

    queryset = ChargeFile.objects.order_by("-loaded_at", "-id")
    serializer_class = ChargeFileSerializer
    filterset_fields = ["content_hmac", "filename"]
    ops_permissions = {"list": ("charges.view_chargefile",), "retrieve": ("charges.view_chargefile",),
                       "create": ("charges.add_chargefile",)}

    def load(self, upload) -> ChargeFile:
        return charge_file_import(source=upload.file, filename=upload.name)

    @_upload_schema(serializer=ChargeFileSerializer, what="charge file from the card network", description=(
        "The whole file is validated before anything is posted. Any bad row posts nothing and answers 400 "
        "`file_rejected` with `extra.errors` listing row, column and reason; a card is named by its last four "
        "digits at most. Each charge posts with its FX fee and cash fee (SPEC sections 5, 6, 7)."))
    @sensitive_variables()  # rows carry full card numbers: kept out of error reports (issue 15 item 9)
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)


class PaymentFileSerializer(serializers.ModelSerializer):
    class Meta:
        model = PaymentFile
        fields = ["id", "sha256", "filename", "loaded_at", "payment_count", "return_count", "created_at", "updated_at"]
        read_only_fields = fields


class PaymentFileViewSet(FileUploadViewSet):
    """Payment files from the bank (SPEC section 9): payments to accounts or companies, and returns."""

    queryset = PaymentFile.objects.order_by("-loaded_at", "-id")
    serializer_class = PaymentFileSerializer
    filterset_fields = ["sha256", "filename"]
    ops_permissions = {"list": ("charges.view_paymentfile",), "retrieve": ("charges.view_paymentfile",),
                       "create": ("charges.add_paymentfile",)}

    def load(self, upload) -> PaymentFile:
        summary = payments_import(stream=upload.file, filename=upload.name)
        return PaymentFile.objects.get(sha256=summary.sha256)

    @_upload_schema(serializer=PaymentFileSerializer, what="payment file from the bank", description=(
        "CSV `payment_id,account_number,company_number,received_date,type,amount,currency,method,"
        "original_payment_id,cost`. Validated whole: any bad row posts nothing and answers 400 `file_rejected`. "
        "A company payment is split across its centrally billed accounts, oldest due amount first; a return "
        "reverses its payment and posts the bank's cost."))
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)
