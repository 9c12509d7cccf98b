"""Content-Security-Policy on every response (SPEC section 17, OWASP ASVS 14.4.3; issue 15 item 12).

Django 5.2 has no CSP support of its own (django.middleware.csp arrives in 6.0), so this sets the
header named by settings.CONTENT_SECURITY_POLICY (production.py; unset elsewhere). Scripts come only
from our own static files: the portal's pages carry no inline script or event handler, and the API
docs use drf-spectacular's split view, which serves Swagger UI's start-up script as a file. Styles
may be inline (statements embed their print CSS, Swagger UI sets style attributes); images may be
data: URIs (Swagger UI's icons).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

CSP_HEADER = "Content-Security-Policy"
PRODUCTION_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                     "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
                     "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", "")
        if policy and CSP_HEADER not in response:
            response[CSP_HEADER] = policy
        return response
