"""The OpenAPI schema's AutoSchema: documents what every token-authenticated operation may answer
because of the token itself (SPEC sections 16, 17; issue 15 item 12), and every other error response,
all in the one error shape (issue 18 items 4 and 5).

A token's scope is checked before any view runs (accounts.authentication), so the refusal is not in any
view's own `extend_schema`; it is added here, to each operation a scope can refuse: a 403
`insufficient_scope` for writes (read-only tokens) and for every view but the network's (network
tokens), and a 401 for a missing, unknown or revoked key.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from rest_framework.permissions import SAFE_METHODS

ERROR_REF: dict[str, Any] = {"$ref": "#/components/schemas/Error"}
INVALID_400 = ("`invalid`: a field or query parameter is wrong or unknown; `fields` names each with its "
               "code.")
NOT_FOUND_404 = "`not_found`: no such object, or not one the caller may see."
CONFLICT_409 = ("A conflict: the object's state does not allow this now (a code such as `card_not_ordered`, "
                "`already_cleared`), or the `Idempotency-Key` was used with another body (`idempotency_key_reused`) "
                "or its first request is still running (`idempotency_key_in_progress`).")
UNSUPPORTED_415 = "`unsupported_media_type`: the body is not JSON (or, for an upload, multipart)."
READ_ONLY_REFUSED = "a read-only token may only use GET, HEAD and OPTIONS"
NETWORK_REFUSED = "a network token may only ask for authorizations or call whoami"
SCOPE_403 = "`insufficient_scope`: the API token's scope does not allow this call ({reasons})."
TOKEN_401 = ("`not_authenticated` or `authentication_failed`: no credentials, or an unknown or revoked "
             "API token.")
THROTTLED_429 = ("`throttled`: over the caller's rate limit; `Retry-After` says how many seconds to wait.")
VERSION_400 = "`unsupported_version`: the `Amexprog-Version` header names no version of this API."
# Every response of every operation carries these (issue 18 item 9).
RESPONSE_HEADERS: dict[str, Any] = {
    "X-Request-ID": {"description": "The request's id: the caller's own `X-Request-ID` if it sent one, else a new "
                                    "one. Errors repeat it as `request_id`; quote it to support.",
                     "schema": {"type": "string"}},
    "Amexprog-Version": {"description": "The API version that answered (the request's `Amexprog-Version`, else "
                                        "the current one).", "schema": {"type": "string", "example": "2026-12-01"}},
    # Only when the request used something deprecated (amexprog.common.deprecation; RFC 9745, RFC 8594).
    "Deprecation": {"description": "Only when the request used a deprecated version or parameter: when it was "
                                   "deprecated, as `@<Unix time>` (RFC 9745).",
                    "schema": {"type": "string", "example": "@1798761600"}},
    "Sunset": {"description": "With `Deprecation`: when the deprecated version or parameter stops working, an "
                              "HTTP date (RFC 8594).", "schema": {"type": "string"}},
    "Link": {"description": "With `Deprecation`: the changelog, `rel=\"deprecation\"`.", "schema": {"type": "string"}},
}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again.",
                               "schema": {"type": "integer"}}}
VERSION_PARAMETER: dict[str, Any] = {
    "name": "Amexprog-Version", "in": "header", "required": False,
    "description": "The API version the client was written against (a date, e.g. `2026-12-01`); without it the "
                   "current version answers. See the README's \"API versions\" for the changelog and deprecation "
                   "policy.",
    "schema": {"type": "string", "example": "2026-12-01"},
}


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": dict(ERROR_REF)}}}


def _add(responses: dict[str, Any], code: str, description: str) -> None:
    if code in responses:
        existing = responses[code].get("description", "")
        responses[code]["description"] = f"{existing} {description}".strip()
    else:
        responses[code] = _error_response(description)


def _document_errors(operation: dict[str, Any], path: str, method: str) -> None:
    """Every operation documents its error responses, each in the one error shape (issue 18 item 5): a
    400 (any operation may meet an unknown query parameter), a 404 where the path names an object, a 415
    where there is a body, a 409 on every write; what a view documented itself keeps its description, with the shape."""
    responses = operation.setdefault("responses", {})
    _add(responses, "400", INVALID_400)
    _add(responses, "400", VERSION_400)
    if "{" in path:
        _add(responses, "404", NOT_FOUND_404)
    if "requestBody" in operation:
        _add(responses, "415", UNSUPPORTED_415)
    _add(responses, "429", THROTTLED_429)
    if method not in SAFE_METHODS:
        # Any write may meet a state that refuses it, and every POST takes an Idempotency-Key: a generated
        # client met an undocumented 409 activating a card that was already active.
        _add(responses, "409", CONFLICT_409)
    for code, response in responses.items():
        if str(code).startswith(("4", "5")):
            response["content"] = {"application/json": {"schema": dict(ERROR_REF)}}
    parameters = operation.setdefault("parameters", [])
    if not any(parameter.get("name") == VERSION_PARAMETER["name"] for parameter in parameters):
        parameters.append(dict(VERSION_PARAMETER))


def _document_headers(operation: dict[str, Any]) -> dict[str, Any]:
    """Every answer's headers (issue 18 item 9): the request id, the version, and a 429's wait."""
    for code, response in operation.get("responses", {}).items():
        response["headers"] = {**response.get("headers", {}), **RESPONSE_HEADERS,
                               **(RETRY_AFTER if str(code) == "429" else {})}
    return operation


class ScopedAutoSchema(AutoSchema):
    def get_description(self) -> str:
        """Only what `extend_schema(description=...)` says: a view's docstring is for its maintainers."""
        return ""

    def get_operation(self, path, *args, **kwargs):
        operation = super().get_operation(path, *args, **kwargs)
        if not operation:
            return operation
        _document_errors(operation, path, self.method)
        if not any("tokenAuth" in requirement for requirement in operation.get("security", [])):
            return _document_headers(operation)
        reasons = []
        if self.method not in SAFE_METHODS:
            reasons.append(READ_ONLY_REFUSED)
        if not getattr(self.view, "network_token_allowed", False):
            reasons.append(NETWORK_REFUSED)
        responses = operation.setdefault("responses", {})
        if reasons:
            _add(responses, "403", SCOPE_403.format(reasons="; ".join(reasons)))
        if {} not in operation["security"]:  # an operation open to anonymous callers never answers 401
            _add(responses, "401", TOKEN_401)
        return _document_headers(operation)
