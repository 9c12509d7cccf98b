"""The API as a strict contract (SPEC section 16; issue 18 item 1).

An unknown body field or query parameter is a 400 naming it, never silently ignored: a misspelt
`montly_limit` used to create a card without a limit, `?stauts=blocked` to list every card.

Both checks are installed once, for every API view and serializer built the usual way
(`strict_input_install`, called from the common app's `ready()`), so a new endpoint is strict
without doing anything:

- Body fields: every `Serializer` refuses keys it has no writable field for (`unknown_field`, or
  `read_only` for a field it only answers with), nested serializers included. The body is whatever the
  view hands its serializer, so JSON and file uploads are checked alike; JSON is the only parser
  unless a view accepts files (settings REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]).
- Query parameters: after authentication and permissions (an outsider still gets its 401/403/404),
  the parameters of an `/api/` request are checked against those the OpenAPI schema documents for
  the operation (filters, pagination, `extend_schema` parameters): what a client can be generated
  from is exactly what the server accepts. The schema is built once per process.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.views import APIView

UNKNOWN_FIELD = _("Unknown field: this operation does not accept it.")
READ_ONLY_FIELD = _("This field is read-only and cannot be sent.")
UNKNOWN_PARAMETER = _("Unknown query parameter: this operation does not accept it.")
API_PREFIX = "/api/"

_operations: list[tuple[re.Pattern[str], int, str, frozenset[str]]] | None = None
_lock = threading.Lock()


def serializer_unknown_fields(serializer: serializers.Serializer, data: Any) -> dict[str, list[ErrorDetail]]:
    """The keys of `data` the serializer has no writable field for, each with its error (issue 18 item 1)."""
    if not isinstance(data, Mapping):
        return {}
    fields = serializer.fields
    errors: dict[str, list[ErrorDetail]] = {}
    for name in data:
        field = fields.get(name)
        if field is None:
            errors[name] = [ErrorDetail(str(UNKNOWN_FIELD), code="unknown_field")]
        elif field.read_only:
            errors[name] = [ErrorDetail(str(READ_ONLY_FIELD), code="read_only")]
    return errors


def _path_regex(template: str) -> tuple[re.Pattern[str], int]:
    """`/api/v1/cards/{id}/block/` as a regex on request paths, and how many parameters it has."""
    parts = re.split(r"(\{[^}]+\})", template)
    regex = "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts)
    return re.compile(f"^{regex}$"), sum(1 for part in parts if part.startswith("{"))


def _documented_operations() -> list[tuple[re.Pattern[str], int, str, frozenset[str]]]:
    """Every operation of the OpenAPI schema: (path regex, parameter count, method, query parameter names)."""
    global _operations
    if _operations is None:
        with _lock:
            if _operations is None:
                from drf_spectacular.drainage import GENERATOR_STATS
                from drf_spectacular.generators import SchemaGenerator

                silent, GENERATOR_STATS.silent = GENERATOR_STATS.silent, True
                try:
                    schema = SchemaGenerator().get_schema(request=None, public=True)
                finally:
                    GENERATOR_STATS.silent = silent
                operations = []
                for template, methods in schema.get("paths", {}).items():
                    regex, arity = _path_regex(template)
                    for method, operation in methods.items():
                        names = frozenset(parameter["name"] for parameter in operation.get("parameters", [])
                                          if parameter.get("in") == "query")
                        operations.append((regex, arity, method.upper(), names))
                operations.sort(key=lambda row: row[1])  # `/cards/orders/` before `/cards/{id}/`
                _operations = operations
    return _operations


def request_unknown_parameters(request) -> dict[str, list[ErrorDetail]]:
    """The query parameters the schema does not document for this request's operation (issue 18 item 1).
    An operation the schema does not know (OPTIONS, HEAD) is not checked."""
    if not request.query_params or not request.path.startswith(API_PREFIX):
        return {}
    method = request.method.upper()
    for regex, _arity, documented_method, names in _documented_operations():
        if documented_method == method and regex.match(request.path):
            return {name: [ErrorDetail(str(UNKNOWN_PARAMETER), code="unknown_parameter")]
                    for name in request.query_params if name not in names}
    return {}


def strict_input_install() -> None:
    """Make every serializer and every API view strict (issue 18 item 1). Idempotent."""
    if getattr(serializers.Serializer, "_strict_input", False):
        return
    to_internal_value = serializers.Serializer.to_internal_value
    initial = APIView.initial

    def strict_to_internal_value(self, data):
        unknown = serializer_unknown_fields(self, data)
        if unknown:
            raise ValidationError(unknown)
        return to_internal_value(self, data)

    def strict_initial(self, request, *args, **kwargs):
        initial(self, request, *args, **kwargs)  # authentication, permissions, throttles first
        unknown = request_unknown_parameters(request)
        if unknown:
            raise ValidationError(unknown)

    serializers.Serializer.to_internal_value = strict_to_internal_value
    APIView.initial = strict_initial
    serializers.Serializer._strict_input = True
