"""Who made a request, for the audit trail (SPEC section 1): pghistory's context for each request.

Every write a request causes is linked to one context row holding the user, the URL and method, the
client address and a request id (the caller's `X-Request-ID`, else a new one, echoed in the
response). An API call authenticates in the view (DRF), so the token is added to the context when
DRF sets `request.user`: its name, kind and company instead of a user.
"""

from __future__ import annotations

import re
import uuid

import pghistory
from django.core.handlers.wsgi import WSGIRequest
from pghistory.middleware import DjangoRequest

from audit.context import audit_enabled, token_metadata

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
# Paths whose requests write no audited table, where the context would only cost: pghistory adds two
# set_config() calls to every statement sent, and the network's authorization decisions carry a
# throughput target (issue 5). A decision is its own record (who, what, when, why).
UNAUDITED_PATHS = frozenset({"/api/v1/authorizations"})


class _AuditRequest(DjangoRequest, WSGIRequest):
    def __setattr__(self, attr, value):
        if attr == "user" and getattr(value, "token", None) is not None:
            # An ApiClient (accounts.authentication): a machine, not a user row.
            pghistory.context(user=None, **token_metadata(value.token))
            return object.__setattr__(self, attr, value)
        return super().__setattr__(attr, value)


def request_id_of(request) -> str:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    return given if _REQUEST_ID.match(given) else uuid.uuid4().hex


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_of(request)
        request.request_id = request_id
        if request.path in UNAUDITED_PATHS or not audit_enabled():
            response = self.get_response(request)
        else:
            user = getattr(request, "user", None)
            user_id = user.pk if getattr(user, "is_authenticated", False) and hasattr(user, "_meta") else None
            with pghistory.context(user=user_id, url=request.path, method=request.method,
                                   ip=request.META.get("REMOTE_ADDR"), request_id=request_id):
                if type(request) is WSGIRequest:
                    request.__class__ = _AuditRequest
                response = self.get_response(request)
        response.setdefault(REQUEST_ID_HEADER, request_id)
        return response
