"""Every answer under /api/ is JSON in the one error shape, including unknown routes (SPEC section 16;
issue 18 items 3 and 4).

Django answers an unknown path with its HTML 404 page (the technical page under DEBUG) and a path
missing its trailing slash with a 301, which clients follow as a GET: `POST /api/v1/disputes` created
nothing and answered 200 (in development, a 500). Under /api/ this middleware instead answers:

- a path that exists with (or without) the trailing slash: a `308 Permanent Redirect` there, which
  clients repeat with the same method and body, and a JSON body naming the right path;
- any other error that is not JSON yet (404 on an unknown route, 405, a 500 page): the one error
  shape with a code for its status.

It sits inside CommonMiddleware, so CommonMiddleware's own slash redirect never sees these 404s.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.urls import get_urlconf, is_valid_path
from django.utils.translation import gettext_lazy as _

from amexprog.common.api import error_body

API_PREFIX = "/api/"
USE_OTHER_PATH = _("This path has no route; the same operation is at %(path)s (repeat the request there).")
NO_ROUTE = _("No API route has this path.")
STATUS_ERRORS = {
    404: ("not_found", NO_ROUTE),
    405: ("method_not_allowed", _("This method is not allowed on this path.")),
    500: ("server_error", _("The server failed to answer; the request id identifies the failure to support.")),
}
OTHER_ERROR = ("error", _("The request failed."))


def _slash_twin(request) -> str | None:
    """The path that exists with a trailing slash added or removed, or None."""
    path = request.path_info
    twin = path[:-1] if path.endswith("/") else f"{path}/"
    if twin and not is_valid_path(path, get_urlconf()) and is_valid_path(twin, get_urlconf()):
        return request.path[:-1] if request.path.endswith("/") else f"{request.path}/"
    return None


class ApiJsonErrorsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (not request.path.startswith(API_PREFIX) or response.status_code < 400
                or response.get("Content-Type", "").startswith("application/json")):
            return response
        if response.status_code == 404:
            twin = _slash_twin(request)
            if twin is not None:
                query = request.META.get("QUERY_STRING", "")
                location = f"{twin}?{query}" if query else twin
                redirect = JsonResponse(error_body(code="use_other_path", detail=USE_OTHER_PATH % {"path": twin},
                                                   request=request), status=308)
                redirect["Location"] = location
                return redirect
        data = getattr(response, "data", None)  # a DRF answer rendered in another format (the schema's YAML)
        if isinstance(data, dict) and {"code", "detail"} <= set(data):
            body = error_body(code=data["code"], detail=data["detail"], request=request, fields=data.get("fields"))
        else:
            code, detail = STATUS_ERRORS.get(response.status_code, OTHER_ERROR)
            body = error_body(code=code, detail=detail, request=request)
        answer = JsonResponse(body, status=response.status_code)
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                answer[header] = response[header]
        return answer
