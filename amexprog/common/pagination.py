"""Cursor pagination for every API list, and the `updated_after` filter for incremental sync (SPEC
section 16; issue 18 item 6).

Page numbers over a newest-first list drift: a row added between two requests pushes every row one
place down, so page 2 repeats the last row of page 1 (and a deleted row makes one go missing). A
cursor names the last row the client has seen, so what arrives meanwhile cannot shift the walk:

    GET /api/v1/cards/?limit=100                      -> {"results": [...], "has_more": true,
                                                          "next_starting_after": 4711, "next": "..."}
    GET /api/v1/cards/?limit=100&starting_after=4711  -> the rows after card 4711, in the same order

Every list is ordered by its unique `id`: lists whose natural order is newest first, overall or within
a group (postings, authorizations, statements, notices, rule versions per market, ...), walk by `id`
descending, the others (companies, accounts, cards, cardmembers, ...) ascending. The envelope keeps
`results` and `next` from the page-number envelope clients already read; `count` (a full count on
every page) and `previous` are gone, and `page`/`page_size` are unknown parameters (a 400), so a
client still paging by number fails loudly instead of reading page 1 forever.

Installed once as REST_FRAMEWORK["DEFAULT_PAGINATION_CLASS"] and, for `updated_after`, in
REST_FRAMEWORK["DEFAULT_FILTER_BACKENDS"]: a new list gets both without doing anything.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

STARTING_AFTER = "starting_after"
LIMIT = "limit"
UPDATED_AFTER = "updated_after"
DEFAULT_LIMIT = 50
MAX_LIMIT = 100
MAX_ID = 2**63 - 1  # the largest bigint: a larger cursor is no id of ours (and would overflow the query)

INVALID_CURSOR = _("Must be the id of an object of this list (an integer).")
INVALID_LIMIT = _("Must be an integer from 1 to {max}.")
INVALID_TIMESTAMP = _("Must be a date and time in ISO 8601 with its offset, e.g. 2026-12-01T09:30:00Z.")


def _ordering_of(queryset) -> list[str]:
    if isinstance(queryset, QuerySet):
        if queryset.query.order_by:
            return [str(field) for field in queryset.query.order_by]
        return list(queryset.model._meta.ordering or [])
    return []


def list_descending(queryset) -> bool:
    """Whether a list walks newest first: its natural order (the queryset's or the model's) has a
    descending field, as `-created_on` or `market, -effective_from` (newest first per market) do (SPEC
    section 16)."""
    return any(field.startswith("-") for field in _ordering_of(queryset))


def _positive_int(request, name: str, *, default: int | None, maximum: int | None, message) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1 or (maximum is not None and value > maximum):
        raise ValidationError({name: [ErrorDetail(str(message).format(max=maximum), code="invalid")]})
    return value


class CursorPagination(BasePagination):
    """`starting_after` (an object's id) and `limit` on every list (SPEC section 16; issue 18 item 6)."""

    def get_limits(self) -> tuple[int, int]:
        default = int(getattr(settings, "API_LIST_DEFAULT_LIMIT", DEFAULT_LIMIT))
        maximum = int(getattr(settings, "API_LIST_MAX_LIMIT", MAX_LIMIT))
        return min(default, maximum), maximum

    def paginate_queryset(self, queryset, request, view=None):
        default, maximum = self.get_limits()
        self.limit = _positive_int(request, LIMIT, default=default, maximum=maximum, message=INVALID_LIMIT)
        after = _positive_int(request, STARTING_AFTER, default=None, maximum=MAX_ID, message=INVALID_CURSOR)
        self.request = request
        descending = list_descending(queryset)
        if isinstance(queryset, QuerySet):
            queryset = queryset.order_by("-pk" if descending else "pk")
            if after is not None:
                queryset = queryset.filter(**{"pk__lt" if descending else "pk__gt": after})
            rows = list(queryset[: self.limit + 1])
        else:  # a list built in Python: the same walk over its items' ids
            rows = sorted(queryset, key=lambda row: row.pk, reverse=descending)
            if after is not None:
                rows = [row for row in rows if (row.pk < after if descending else row.pk > after)]
            rows = rows[: self.limit + 1]
        self.has_more = len(rows) > self.limit
        rows = rows[: self.limit]
        self.next_starting_after = rows[-1].pk if self.has_more else None
        return rows

    def get_next_link(self) -> str | None:
        if self.next_starting_after is None:
            return None
        url = self.request.build_absolute_uri()
        url = replace_query_param(url, STARTING_AFTER, self.next_starting_after)
        return replace_query_param(url, LIMIT, self.limit) if LIMIT in self.request.query_params else url

    def get_paginated_response(self, data) -> Response:
        return Response({
            "results": data,
            "has_more": self.has_more,
            "next_starting_after": self.next_starting_after,
            "next": self.get_next_link(),
        })

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["results", "has_more", "next_starting_after", "next"],
            "properties": {
                "results": schema,
                "has_more": {"type": "boolean", "example": True,
                             "description": "Whether rows follow the last one of `results`."},
                "next_starting_after": {
                    "type": "integer", "nullable": True, "example": 4711,
                    "description": "The `starting_after` of the next page (the id of the last row); null on the "
                                   "last page.",
                },
                "next": {"type": "string", "format": "uri", "nullable": True,
                         "example": "https://amexprog.example/api/v1/cards/?starting_after=4711",
                         "description": "The next page's URL (this one with `starting_after`); null on the last."},
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict[str, Any]]:
        default, maximum = self.get_limits()
        return [
            {"name": STARTING_AFTER, "required": False, "in": "query",
             "description": "The id of the last object of the previous page (`next_starting_after`): the list "
                            "continues after it, in the same order, however many rows were added meanwhile.",
             "schema": {"type": "integer", "minimum": 1}},
            {"name": LIMIT, "required": False, "in": "query",
             "description": f"How many objects per page, 1 to {maximum} (default {default}).",
             "schema": {"type": "integer", "minimum": 1, "maximum": maximum, "default": default}},
        ]


def updated_field_of(model) -> str | None:
    """The field `updated_after` compares: the model's `updated_at`, or for an append-only table (its rows
    never change) the one it names in `SYNC_FIELD` or its `created_at`."""
    if model is None:
        return None
    names = {field.name for field in model._meta.concrete_fields}
    for name in ("updated_at", getattr(model, "SYNC_FIELD", None), "created_at"):
        if name and name in names:
            return name
    return None


def _model_of_view(view):
    queryset = getattr(view, "queryset", None)
    if queryset is not None:
        return queryset.model
    try:
        return view.get_queryset().model
    except Exception:  # noqa: BLE001 (a view that needs its URL's objects: the serializer names the model)
        serializer = getattr(view, "serializer_class", None)
        return getattr(getattr(serializer, "Meta", None), "model", None)


class UpdatedAfterFilter:
    """`updated_after=<ISO 8601>`: only the objects created or changed after that moment (SPEC section 16;
    issue 18 item 6). Only on lists (`action == "list"` or a ListAPIView)."""

    def filter_queryset(self, request, queryset, view):
        raw = request.query_params.get(UPDATED_AFTER)
        if raw is None or not isinstance(queryset, QuerySet):
            return queryset
        field = updated_field_of(queryset.model)
        try:
            moment = parse_datetime(raw)
            # In UTC: PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 (and Python) allow.
            moment = moment.astimezone(dt.UTC) if moment is not None and moment.tzinfo is not None else None
        except (ValueError, OverflowError):
            moment = None
        if moment is None:
            raise ValidationError({UPDATED_AFTER: [ErrorDetail(str(INVALID_TIMESTAMP), code="invalid")]})
        if field is None:
            return queryset
        return queryset.filter(**{f"{field}__gt": moment})

    def get_schema_operation_parameters(self, view) -> list[dict[str, Any]]:
        if updated_field_of(_model_of_view(view)) is None:
            return []
        return [{"name": UPDATED_AFTER, "required": False, "in": "query",
                 "description": "Only objects created or changed strictly after this moment (ISO 8601 with an "
                                "offset), for incremental sync: keep the largest `updated_at` you have seen and "
                                "ask again from a little before it (rows committed late carry their own time); "
                                "the same object may then come twice: keep the newer `updated_at`.",
                 "schema": {"type": "string", "format": "date-time"}}]
