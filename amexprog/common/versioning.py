"""API versions by date, as Stripe's are (SPEC section 16; issue 18 item 9).

A client names the version it was written against in the `Amexprog-Version` request header; without
one it gets the current version. Every `/api/` response says which version answered it in the same
header. An unknown version is a 400 `unsupported_version` in the one error shape. The versions, what
changed in each and the deprecation policy are in the README ("API versions"); what is deprecated is
announced on each response that uses it (amexprog.common.deprecation).
"""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _

from amexprog.common.api import error_body
from amexprog.common.deprecation import LINK, deprecation_headers

HEADER = "Amexprog-Version"
META_KEY = "HTTP_AMEXPROG_VERSION"
API_PREFIX = "/api/"
# Oldest first; the last is the current version (README "API versions" says what each changed).
VERSIONS = ("2026-12-01",)
CURRENT = VERSIONS[-1]
UNSUPPORTED_VERSION = _("Unknown API version {version}: send one of {versions}, or no Amexprog-Version header "
                        "for the current one.")
NOT_A_VERSION = _("Not a version of this API.")


def supported_versions() -> tuple[str, ...]:
    return tuple(getattr(settings, "API_VERSIONS", VERSIONS))


def request_api_version(request) -> str:
    """The version this request is answered in: its header's, else the current one."""
    request = getattr(request, "_request", request)
    return getattr(request, "api_version", None) or supported_versions()[-1]


class ApiVersionMiddleware:
    """Reads and echoes `Amexprog-Version` on every `/api/` request (module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        versions = supported_versions()
        asked = request.META.get(META_KEY, "").strip()
        if asked and asked not in versions:
            response = JsonResponse(error_body(
                code="unsupported_version", request=request,
                detail=str(UNSUPPORTED_VERSION).format(version=asked, versions=", ".join(versions)),
                fields={HEADER: [{"code": "unsupported_version", "message": str(NOT_A_VERSION)}]},
            ), status=400)
            response[HEADER] = versions[-1]
            return response
        request.api_version = asked or versions[-1]
        response = self.get_response(request)
        response[HEADER] = request.api_version
        # A deprecated version or parameter says so, and until when (amexprog.common.deprecation).
        for name, value in deprecation_headers(request, request.api_version).items():
            if name == LINK and response.has_header(LINK):
                value = f"{response[LINK]}, {value}"
            response[name] = value
        return response
