"""`Idempotency-Key` on every API POST (SPEC section 16).

The first request with a key runs and its response is stored; a replay with the same body returns
that stored response, the same key with a different body is a 409, and a replay that arrives while
the first is still running waits for it. Keys are per caller (API token or session user), so two
clients can never see each other's responses. Server errors are not stored: the client may retry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from amexprog.common.models import IdempotencyRecord

HEADER = "HTTP_IDEMPOTENCY_KEY"
KEY_REUSED = "This Idempotency-Key was already used with a different request body."
KEY_IN_PROGRESS = "A request with this Idempotency-Key is still being processed; retry shortly."
KEY_TOO_LONG = "The Idempotency-Key header is longer than 255 characters."
WAIT_SECONDS = 30.0


def _caller_scope(request: HttpRequest) -> str | None:
    authorization = request.META.get("HTTP_AUTHORIZATION")
    if authorization:
        return "auth:" + hashlib.sha256(authorization.encode()).hexdigest()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


def _request_hash(request: HttpRequest) -> str:
    """HMAC-SHA256 with settings.REQUEST_HMAC_KEY over method, path and body: an authorization body holds
    a full card number, so an unkeyed hash would give the number away in about 10^8 guesses (SPEC
    section 17, issue 15 item 7)."""
    digest = hmac.new(settings.REQUEST_HMAC_KEY.encode(), digestmod=hashlib.sha256)
    digest.update(f"{request.method} {request.path}\n".encode())
    if request.content_type == "multipart/form-data":
        # Hash the parsed form rather than request.body, which would load a large upload into memory.
        for name in sorted(request.POST):
            for value in request.POST.getlist(name):
                digest.update(f"{name}={value}\n".encode())
        for name in sorted(request.FILES):
            for upload in request.FILES.getlist(name):
                digest.update(f"{name}:{upload.name}\n".encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"code": code, "detail": detail}, status=status)


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(bytes(record.body or b""), status=record.status_code, content_type=record.content_type)
    response["Idempotent-Replayed"] = "true"
    return response


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.META.get(HEADER)
        if request.method != "POST" or not key or not request.path.startswith("/api/"):
            return self.get_response(request)
        if len(key) > 255:
            return _error(400, "idempotency_key_too_long", KEY_TOO_LONG)
        scope = _caller_scope(request)
        if scope is None:
            return self.get_response(request)  # unauthenticated: the view answers 401 anyway

        request_hash = _request_hash(request)
        record = self._claim(scope, key, request_hash, f"POST {request.path}")
        if record is not None:
            # An empty hash is a record from before issue 15 item 7 (its unkeyed hash was erased): replayed.
            if record.request_hash and record.request_hash != request_hash:
                return _error(409, "idempotency_key_reused", KEY_REUSED)
            return self._wait_and_replay(record)

        try:
            response = self.get_response(request)
        except BaseException:
            IdempotencyRecord.objects.filter(scope=scope, key=key).delete()
            raise
        if response.status_code >= 500 or response.streaming:
            IdempotencyRecord.objects.filter(scope=scope, key=key).delete()
            return response
        if hasattr(response, "render") and callable(response.render) and not response.is_rendered:
            response.render()
        IdempotencyRecord.objects.filter(scope=scope, key=key).update(
            status_code=response.status_code,
            content_type=response.get("Content-Type", ""),
            body=response.content,
        )
        return response

    @staticmethod
    def _claim(scope: str, key: str, request_hash: str, method_path: str) -> IdempotencyRecord | None:
        """Insert the placeholder row; return the existing record when the key was seen before."""
        cutoff = timezone.now() - dt.timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)
        IdempotencyRecord.objects.filter(scope=scope, key=key, created_at__lt=cutoff).delete()
        try:
            with transaction.atomic():
                IdempotencyRecord.objects.create(
                    scope=scope, key=key, request_hash=request_hash, method_path=method_path
                )
            return None
        except IntegrityError:
            return IdempotencyRecord.objects.get(scope=scope, key=key)

    @staticmethod
    def _wait_and_replay(record: IdempotencyRecord) -> HttpResponse:
        deadline = time.monotonic() + WAIT_SECONDS
        while not record.completed:
            if time.monotonic() > deadline:
                return _error(409, "idempotency_key_in_progress", KEY_IN_PROGRESS)
            time.sleep(0.05)
            refreshed = IdempotencyRecord.objects.filter(pk=record.pk).first()
            if refreshed is None:  # the first request failed; the caller may retry
                return _error(409, "idempotency_key_in_progress", KEY_IN_PROGRESS)
            record = refreshed
        return _replay(record)


def idempotency_records_purge(*, now: dt.datetime) -> int:
    """Delete records older than IDEMPOTENCY_TTL_HOURS (SPEC sections 16, 17; issue 15 item 7): a key is
    honoured at least that long, then its stored response and request HMAC go. Returns how many."""
    cutoff = now - dt.timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
