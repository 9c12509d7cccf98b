"""Events and webhook endpoints over the REST API (SPEC section 16, issue 18 item 7).

`GET /api/v1/events?after=N` reads a company's events in order of their number (ids per company), a page
at a time: `next_after` is the cursor of the next page, `has_more` says whether to ask at once. A company
token reads its own company; a PA of one company theirs; a PA of several and ops name it in `company`.

`/api/v1/webhook-endpoints/` registers, lists, revokes and re-keys a company's endpoints; each endpoint's
delivery attempts are listed under it and one event can be sent again (`replay`).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.audit import Role, actor_for
from accounts.models import Company
from accounts.selectors import visible_companies
from amexprog.common import clock
from amexprog.common.errors import ApplicationError
from amexprog.common.idempotency import IdempotentMixin
from amexprog.common.permissions import IsPortalUserOrCompanyToken
from events.models import Event, EventType, WebhookAttempt, WebhookEndpoint
from events.payloads import events_hydrate
from events.services import events_sequence
from events.tasks import webhook_event_replay_task
from events.webhooks import (
    DEFAULT_OVERLAP_HOURS,
    MAX_OVERLAP_HOURS,
    webhook_endpoint_create,
    webhook_endpoint_revoke,
    webhook_endpoint_rotate_secret,
)

COMPANY_REQUIRED = _("You see the events of more than one company: name one with `company`.")
NOT_THE_COMPANYS = _("Only the company's programme administrators and its API tokens manage its webhook endpoints.")
EVENT_NOT_FOUND = _("No event {event_id} for this endpoint's company.")
MAX_LIMIT = 500
DEFAULT_LIMIT = 100


class OutboxEventSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="seq", help_text="The event's number within its company; ascending.")
    data = serializers.JSONField(help_text="The object as it is after the change.")

    class Meta:
        model = Event
        fields = ["id", "type", "created_at", "data"]


class EventPageSerializer(serializers.Serializer):
    company_number = serializers.CharField()
    data = OutboxEventSerializer(many=True)
    has_more = serializers.BooleanField()
    next_after = serializers.IntegerField(help_text="Pass as `after` for the next page.")


def _company_of(request: Request, number: str | None) -> Company | None:
    """The company whose events or endpoints the caller means: `number`, or the only one they see."""
    companies = visible_companies(request.user)
    if number:
        return get_object_or_404(companies, number=number)
    found = list(companies.order_by("pk")[:2])
    if len(found) > 1:
        raise ApplicationError(str(COMPANY_REQUIRED), "company_required", {"field": "company"})
    return found[0] if found else None


@extend_schema(
    summary="A company's events after a number, oldest first (SPEC section 16)",
    parameters=[
        OpenApiParameter("after", int, description="Events numbered above this (0 or absent: from the first)."),
        OpenApiParameter("limit", int, description=f"At most this many (1-{MAX_LIMIT}, default {DEFAULT_LIMIT})."),
        OpenApiParameter("type", str, enum=EventType.values, description="Only events of this type."),
        OpenApiParameter("company", str, description="Company number; needed by callers who see several."),
    ],
    responses={200: EventPageSerializer,
               400: OpenApiResponse(description="`invalid` (after, limit, type) or `company_required`."),
               404: OpenApiResponse(description="No such company, or not yours.")},
)
class EventListView(APIView):
    permission_classes = [IsPortalUserOrCompanyToken]
    ops_permissions = {"get": ("events.view_event",)}

    def get(self, request: Request) -> Response:
        params = inline_serializer("EventQuery", {
            "after": serializers.IntegerField(min_value=0, default=0),
            "limit": serializers.IntegerField(min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT),
            "type": serializers.ChoiceField(choices=EventType.values, required=False),
            "company": serializers.CharField(required=False, max_length=20),
        }, data=request.query_params)
        params.is_valid(raise_exception=True)
        query = params.validated_data
        company = _company_of(request, query.get("company"))
        if company is None:  # a cardmember, or a caller who sees no company: nothing to read
            return Response({"company_number": "", "data": [], "has_more": False, "next_after": query["after"]})
        events_sequence(company_id=company.pk)
        found = Event.objects.filter(company=company, seq__gt=query["after"]).order_by("seq")
        if query.get("type"):
            found = found.filter(type=query["type"])
        rows = list(found[:query["limit"] + 1])
        page = rows[:query["limit"]]
        events_hydrate(page)
        return Response({"company_number": company.number, "data": OutboxEventSerializer(page, many=True).data,
                         "has_more": len(rows) > len(page),
                         "next_after": page[-1].seq if page else query["after"]})


class WebhookEndpointSerializer(serializers.ModelSerializer):
    company_number = serializers.CharField(source="company.number", read_only=True)
    active = serializers.BooleanField(read_only=True)

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "company_number", "url", "description", "active", "created_at", "updated_at", "created_by",
                  "revoked_at",
                  "delivered_through", "failures", "next_attempt_at", "previous_secret_expires_at"]
        read_only_fields = fields


class WebhookEndpointWithSecretSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(read_only=True, help_text="Shown once: keep it to check signatures.")

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookEndpointCreateSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    company_number = serializers.CharField(max_length=20, required=False,
                                           help_text="Needed by a PA of several companies.")


class RotateSerializer(serializers.Serializer):
    overlap_hours = serializers.IntegerField(min_value=0, max_value=MAX_OVERLAP_HOURS, default=DEFAULT_OVERLAP_HOURS,
                                             help_text="How long the old secret still signs beside the new one.")


class ReplaySerializer(serializers.Serializer):
    event_id = serializers.IntegerField(min_value=1, help_text="The event's number (`id` in GET /events).")


class WebhookAttemptSerializer(serializers.ModelSerializer):
    event_id = serializers.IntegerField(source="event.seq")
    event_type = serializers.CharField(source="event.type")
    # An attempt is recorded once and never changes (SPEC 16: created_at and updated_at on every resource).
    created_at = serializers.DateTimeField(source="attempted_at", read_only=True)
    updated_at = serializers.DateTimeField(source="attempted_at", read_only=True)

    class Meta:
        model = WebhookAttempt
        fields = ["id", "event_id", "event_type", "attempted_at", "created_at", "updated_at", "status_code", "error",
                  "succeeded", "gave_up", "replay", "replayed_by"]


def _manager_label(request: Request, company: Company, *, ops: bool = True) -> str:
    """Who manages the company's endpoints: its PAs and company tokens (a holder never; ops only revoke and
    replay, never register an endpoint or see a new secret: `ops=False`)."""
    actor = actor_for(request.user, company=company, permission="events.change_webhookendpoint")
    roles = (Role.COMPANY, Role.ISSUER) if ops else (Role.COMPANY,)
    if actor is None or actor.role not in roles:
        raise ApplicationError(str(NOT_THE_COMPANYS), "not_allowed", status=403)
    return actor.label


class WebhookEndpointViewSet(IdempotentMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                             viewsets.GenericViewSet):
    permission_classes = [IsPortalUserOrCompanyToken]
    serializer_class = WebhookEndpointSerializer
    # Ops read endpoints and attempts, revoke an endpoint that misbehaves and replay with their own
    # permission; registering and re-keying are the company's: named here, refused to ops by _manager_label.
    ops_permissions = {"list": ("events.view_webhookendpoint",), "retrieve": ("events.view_webhookendpoint",),
                       "create": ("events.add_webhookendpoint",),
                       "rotate_secret": ("events.change_webhookendpoint",),
                       "attempts": ("events.view_webhookattempt",), "revoke": ("events.change_webhookendpoint",),
                       "replay": ("events.replay_webhookattempt",)}

    def get_queryset(self) -> QuerySet[WebhookEndpoint]:
        return (WebhookEndpoint.objects.filter(company__in=visible_companies(self.request.user))
                .select_related("company").order_by("pk"))

    @extend_schema(request=WebhookEndpointCreateSerializer, summary="Register a webhook endpoint (SPEC section 16)",
                   responses={201: WebhookEndpointWithSecretSerializer,
                              400: OpenApiResponse(description="`invalid`, `invalid_url`, `url_not_https`, "
                                                               "`url_not_public`, `too_many_endpoints`, "
                                                               "`company_required`."),
                              403: OpenApiResponse(description="`not_allowed`: the company's PAs and tokens only."),
                              404: OpenApiResponse(description="No such company, or not yours.")})
    def create(self, request: Request) -> Response:
        body = WebhookEndpointCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        company = _company_of(request, body.validated_data.get("company_number"))
        if company is None:
            raise ApplicationError(str(NOT_THE_COMPANYS), "not_allowed", status=403)
        endpoint = webhook_endpoint_create(company=company, url=body.validated_data["url"],
                                           description=body.validated_data["description"],
                                           by=_manager_label(request, company, ops=False), at=clock.now())
        return Response(WebhookEndpointWithSecretSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, summary="Revoke a webhook endpoint: nothing more is delivered to it",
                   responses={200: WebhookEndpointSerializer,
                              403: OpenApiResponse(description="`not_allowed`."),
                              404: OpenApiResponse(description="No such endpoint, or not yours.")})
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        endpoint = self.get_object()
        endpoint = webhook_endpoint_revoke(endpoint=endpoint, by=_manager_label(request, endpoint.company),
                                           at=clock.now())
        return Response(WebhookEndpointSerializer(endpoint).data)

    @extend_schema(request=RotateSerializer, summary="A new signing secret; the old one signs too for a while",
                   responses={200: WebhookEndpointWithSecretSerializer,
                              400: OpenApiResponse(description="`invalid`, `overlap_too_long`."),
                              403: OpenApiResponse(description="`not_allowed`."),
                              404: OpenApiResponse(description="No such endpoint, or not yours."),
                              409: OpenApiResponse(description="`endpoint_revoked`.")})
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk: str | None = None) -> Response:
        endpoint = self.get_object()
        body = RotateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        _manager_label(request, endpoint.company, ops=False)
        endpoint = webhook_endpoint_rotate_secret(endpoint=endpoint, at=clock.now(),
                                                  overlap_hours=body.validated_data["overlap_hours"])
        return Response(WebhookEndpointWithSecretSerializer(endpoint).data)

    @extend_schema(summary="The endpoint's delivery attempts, newest first",
                   responses={200: WebhookAttemptSerializer(many=True),
                              404: OpenApiResponse(description="No such endpoint, or not yours.")})
    @action(detail=True, methods=["get"])
    def attempts(self, request: Request, pk: str | None = None) -> Response:
        endpoint = self.get_object()
        page = self.paginate_queryset(endpoint.attempts.select_related("event").order_by("-attempted_at", "-pk"))
        return self.get_paginated_response(WebhookAttemptSerializer(page, many=True).data)

    @extend_schema(request=ReplaySerializer, summary="Send one event to the endpoint again (queued for a worker)",
                   responses={202: inline_serializer("WebhookReplayQueued", {
                       "endpoint_id": serializers.IntegerField(), "event_id": serializers.IntegerField(),
                       "queued": serializers.BooleanField()}),
                              403: OpenApiResponse(description="`not_allowed`."),
                              404: OpenApiResponse(description="No such endpoint or event, or not yours.")})
    @action(detail=True, methods=["post"])
    def replay(self, request: Request, pk: str | None = None) -> Response:
        endpoint = self.get_object()
        body = ReplaySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        by = _manager_label(request, endpoint.company)
        events_sequence(company_id=endpoint.company_id)
        event = Event.objects.filter(company_id=endpoint.company_id, seq=body.validated_data["event_id"]).first()
        if event is None:
            raise ApplicationError(str(EVENT_NOT_FOUND).format(event_id=body.validated_data["event_id"]),
                                   "event_not_found", {"field": "event_id"}, status=404)
        # A worker sends it (the attempt then shows under `attempts`); the web process never waits on a receiver.
        webhook_event_replay_task.delay(endpoint.pk, event.pk, by)
        return Response({"endpoint_id": endpoint.pk, "event_id": event.seq, "queued": True},
                        status=status.HTTP_202_ACCEPTED)


@extend_schema_view(get=extend_schema(exclude=True))
class EventListSlashView(EventListView):
    """The same list with a trailing slash (documented once, without it)."""
