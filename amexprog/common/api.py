"""API conventions every endpoint follows: one error shape with a stable `code`, paginated lists.

Every error body, whatever raised it (a serializer, a service's ApplicationError, DRF, an unknown
route, the idempotency check), is (SPEC section 16, issue 18 item 4)::

    {"code": "...", "detail": "...", "fields": {name: [{"code": "...", "message": "..."}]}, "request_id": "..."}

`fields` is always present (empty when no field is at fault); each field error carries a
machine-readable `code` beside its translated `message`; nested fields are named with dots and list
indexes (`lines[2].amount`). A rejected file's rows are errors of its `file` field with their `row`
and `column`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django_filters import rest_framework as filters
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from amexprog.common.errors import ApplicationError

INVALID = "The request has invalid fields."
ROW_ERROR_CODE = "invalid_row"


class VersionFilter(filters.FilterSet):
    """The filters of a list of rule versions (fee schedules, programme, dispute and points rules): a
    subclass names its model and `fields = ["market", "effective_from_from", "effective_from_to"]`."""

    effective_from_from = filters.DateFilter(field_name="effective_from", lookup_expr="gte",
                                             help_text="Versions effective on or after this day.")
    effective_from_to = filters.DateFilter(field_name="effective_from", lookup_expr="lte",
                                           help_text="Versions effective on or before this day.")


def request_id_of_request(request) -> str:
    """The id the audit middleware gave this request (echoed in `X-Request-ID`), or "" outside one."""
    request = getattr(request, "_request", request)
    return getattr(request, "request_id", "") or ""


def error_body(*, code: str, detail: str, request=None, fields: dict[str, list[dict[str, Any]]] | None = None
               ) -> dict[str, Any]:
    """The one error shape (SPEC section 16, issue 18 item 4)."""
    return {"code": code, "detail": str(detail), "fields": fields or {}, "request_id": request_id_of_request(request)}


def _flatten(detail: Any, prefix: str, into: dict[str, list[dict[str, Any]]]) -> None:
    if isinstance(detail, Mapping):
        for name, value in detail.items():
            _flatten(value, f"{prefix}.{name}" if prefix else str(name), into)
    elif isinstance(detail, list) and any(isinstance(item, (Mapping, list)) for item in detail):
        for index, item in enumerate(detail):  # a list serializer or ListField: one entry per element
            if item:
                _flatten(item, f"{prefix}[{index}]", into)
    elif isinstance(detail, list):
        into.setdefault(prefix or "non_field_errors", []).extend(
            {"code": getattr(item, "code", None) or "invalid", "message": str(item)} for item in detail)
    else:
        into.setdefault(prefix or "non_field_errors", []).append(
            {"code": getattr(detail, "code", None) or "invalid", "message": str(detail)})


def validation_fields(detail: Any) -> dict[str, list[dict[str, Any]]]:
    """A ValidationError's detail as `fields`: {name: [{"code", "message"}]}, nested names dotted."""
    fields: dict[str, list[dict[str, Any]]] = {}
    _flatten(detail, "", fields)
    return fields


def application_error_fields(exc: ApplicationError) -> dict[str, list[dict[str, Any]]]:
    """The fields an ApplicationError names in its `extra`: `field` (the one at fault), `fields` ({name:
    [texts]}) or `errors` (a rejected file's rows); other context stays out of the body."""
    extra = exc.extra or {}
    fields: dict[str, list[dict[str, Any]]] = {}
    if extra.get("field"):
        fields[str(extra["field"])] = [{"code": exc.code, "message": exc.message}]
    for name, texts in (extra.get("fields") or {}).items():
        texts = texts if isinstance(texts, list) else [texts]
        fields.setdefault(str(name), []).extend({"code": exc.code, "message": str(text)} for text in texts)
    rows = extra.get("errors")
    if rows:
        fields["file"] = [{"code": ROW_ERROR_CODE, "message": str(row.get("reason", "")), "row": row.get("row"),
                           "column": row.get("column", "")} for row in rows]
    return fields


def _code_of(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every error body has the one shape (module docstring)."""
    request = context.get("request")
    if isinstance(exc, ApplicationError):
        return Response(error_body(code=exc.code, detail=exc.message, request=request,
                                   fields=application_error_fields(exc)), status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body(code="invalid", detail=INVALID, request=request,
                                   fields=validation_fields(exc.detail))
        response.status_code = status.HTTP_400_BAD_REQUEST
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        response.data = error_body(code=_code_of(exc), detail=detail, request=request)
    return response
