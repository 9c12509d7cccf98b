"""`Idempotency-Key` on every API POST (SPEC section 16; issue 15 item 8).

The first request with a key runs and its response is stored; a replay with the same body returns
that stored response, the same key with a different body (or query string) is a 409, and a replay
that arrives while the first is still running waits for it.

The key is checked inside the view, after DRF has authenticated the caller and checked its
permissions and throttles (`IdempotentMixin.initial`): a revoked token or an outsider gets its 401/403
and never a stored response, and an unauthenticated request creates no row and has its upload
neither read nor hashed. Keys are scoped to the authenticated principal (the API token's id, or the
session user's id), so two callers can never see each other's responses. Only a request that was
carried out is stored: a refusal (any 4xx: validation, a business rule, a missing object) changed
nothing, and a server error may be retried, so neither uses the key up.
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

from amexprog.common.api import error_body
from amexprog.common.models import IdempotencyRecord

HEADER = "HTTP_IDEMPOTENCY_KEY"
KEY_REUSED = "This Idempotency-Key was already used with a different request body."
KEY_IN_PROGRESS = "A request with this Idempotency-Key is still being processed; retry shortly."
KEY_TOO_LONG = "The Idempotency-Key header is longer than 255 characters."
WAIT_SECONDS = 30.0


def _caller_scope(user) -> str | None:
    """The authenticated principal (SPEC section 16: keys are per authenticated caller)."""
    token = getattr(user, "token", None)
    if token is not None and getattr(token, "pk", None) is not None:
        return f"token:{token.pk}"
    if user is not None and user.is_authenticated and user.pk is not None:
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
    digest.update(b"\n?" + request.META.get("QUERY_STRING", "").encode())
    return digest.hexdigest()


def _error(status: int, code: str, detail: str, request: HttpRequest) -> JsonResponse:
    """The API's one error shape (issue 18 item 4)."""
    return JsonResponse(error_body(code=code, detail=detail, request=request), status=status)


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(bytes(record.body or b""), status=record.status_code, content_type=record.content_type)
    response["Idempotent-Replayed"] = "true"
    return response


class _Answer(Exception):
    """Raised in `initial()` to answer without running the handler (a replay, a 409, a bad key)."""

    def __init__(self, response: HttpResponse):
        super().__init__(response.status_code)
        self.response = response


class IdempotentMixin:
    """Put first in the bases of every API view that accepts POST (a test walks the URLs to check).

    SPEC section 16, issue 15 item 8: the key is claimed after `APIView.initial()` has authenticated
    the caller and checked permissions and throttles, scoped to the principal; a 4xx or 5xx answer
    releases it, any other answer is stored for replay.
    """

    _idempotency: tuple[str, str] | None = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication, permissions, throttles
        self._idempotency = None
        key = request.META.get(HEADER)
        if request.method != "POST" or not key or not hasattr(self, "post"):
            return  # no key, or a 405 the handler lookup answers
        if len(key) > 255:
            raise _Answer(_error(400, "idempotency_key_too_long", KEY_TOO_LONG, request))
        scope = _caller_scope(request.user)
        if scope is None:  # an unauthenticated caller a view let through: nothing to scope the key to
            return
        request_hash = _request_hash(request._request)
        _claim_or_answer(scope, key, request_hash, f"POST {request.path}"[:512], request)
        self._idempotency = (scope, key)

    def handle_exception(self, exc):
        if isinstance(exc, _Answer):
            return exc.response
        return super().handle_exception(exc)

    def dispatch(self, request, *args, **kwargs):
        self._idempotency = None
        try:
            response = super().dispatch(request, *args, **kwargs)
        except BaseException:
            self._idempotency_release()
            raise
        if self._idempotency is None:
            return response
        if response.status_code >= 400 or response.streaming:
            self._idempotency_release()  # a refusal or a failure: the key stays free for a retry
            return response
        if hasattr(response, "render") and callable(response.render) and not response.is_rendered:
            response.render()
        scope, key = self._idempotency
        IdempotencyRecord.objects.filter(scope=scope, key=key).update(
            status_code=response.status_code,
            content_type=response.get("Content-Type", ""),
            body=response.content,
        )
        return response

    def _idempotency_release(self) -> None:
        if self._idempotency is not None:
            scope, key = self._idempotency
            IdempotencyRecord.objects.filter(scope=scope, key=key).delete()
            self._idempotency = None


def _claim_or_answer(scope: str, key: str, request_hash: str, method_path: str, request: HttpRequest) -> None:
    """Claim the key for this request, or raise the answer: the first response, a 409, or still busy.

    A replay that finds the first request running waits for its response; if that request was refused
    or failed (its record is gone), the replay claims the key and runs itself.
    """
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        record = _claim(scope, key, request_hash, method_path)
        if record is None:
            return
        # An empty hash is a record from before issue 15 item 7 (its unkeyed hash was erased): replayed.
        if record.request_hash and record.request_hash != request_hash:
            raise _Answer(_error(409, "idempotency_key_reused", KEY_REUSED, request))
        while record is not None and not record.completed:
            if time.monotonic() > deadline:
                raise _Answer(_error(409, "idempotency_key_in_progress", KEY_IN_PROGRESS, request))
            time.sleep(0.05)
            record = IdempotencyRecord.objects.filter(pk=record.pk).first()
        if record is not None:
            raise _Answer(_replay(record))


def _claim(scope: str, key: str, request_hash: str, method_path: str) -> IdempotencyRecord | None:
    """Insert the placeholder row; return the existing record when the key was seen before (if that
    record vanished between the refused insert and the read, try the insert again)."""
    cutoff = timezone.now() - dt.timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)
    IdempotencyRecord.objects.filter(scope=scope, key=key, created_at__lt=cutoff).delete()
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(scope=scope, key=key, request_hash=request_hash, method_path=method_path)
        return None
    except IntegrityError:
        existing = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
        if existing is None:
            return _claim(scope, key, request_hash, method_path)
        return existing


def idempotency_records_purge(*, now: dt.datetime) -> int:
    """Delete records older than IDEMPOTENCY_TTL_HOURS (SPEC sections 16, 17; issue 15 item 7): a key is
    honoured at least that long, then its stored response and request HMAC go. Returns how many."""
    cutoff = now - dt.timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
