"""API conventions every endpoint follows: errors as JSON with a stable `code`, paginated lists."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django_filters import rest_framework as filters
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from amexprog.common.errors import ApplicationError


class DefaultPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class VersionFilter(filters.FilterSet):
    """The filters of a list of rule versions (fee schedules, programme, dispute and points rules): a
    subclass names its model and `fields = ["market", "effective_from_from", "effective_from_to"]`."""

    effective_from_from = filters.DateFilter(field_name="effective_from", lookup_expr="gte",
                                             help_text="Versions effective on or after this day.")
    effective_from_to = filters.DateFilter(field_name="effective_from", lookup_expr="lte",
                                           help_text="Versions effective on or before this day.")


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every error body is `{"code": ..., "detail": ..., ["fields": {...}], ["extra": {...}]}`."""
    if isinstance(exc, ApplicationError):
        body: dict[str, Any] = {"code": exc.code, "detail": exc.message}
        if exc.extra:
            body["extra"] = exc.extra
        return Response(body, status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        response.data = {"code": "invalid", "detail": "The request has invalid fields.", "fields": fields}
        response.status_code = status.HTTP_400_BAD_REQUEST
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        response.data = {"code": exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code,
                         "detail": detail}
    return response
