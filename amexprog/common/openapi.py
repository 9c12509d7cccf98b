"""The OpenAPI schema's AutoSchema: documents what every token-authenticated operation may answer
because of the token itself (SPEC sections 16, 17; issue 15 item 12).

A token's scope is checked before any view runs (accounts.authentication), so the refusal is not in any
view's own `extend_schema`; it is added here, to each operation a scope can refuse: a 403
`insufficient_scope` for writes (read-only tokens) and for every view but the network's (network
tokens), and a 401 for a missing, unknown or revoked key.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from rest_framework.permissions import SAFE_METHODS

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"code": {"type": "string"}, "detail": {"type": "string"}},
    "required": ["code", "detail"],
}
READ_ONLY_REFUSED = "a read-only token may only use GET, HEAD and OPTIONS"
NETWORK_REFUSED = "a network token may only ask for authorizations or call whoami"
SCOPE_403 = "`insufficient_scope`: the API token's scope does not allow this call ({reasons})."
TOKEN_401 = ("`not_authenticated` or `authentication_failed`: no credentials, or an unknown or revoked "
             "API token.")


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR_SCHEMA}}}


def _add(responses: dict[str, Any], code: str, description: str) -> None:
    if code in responses:
        existing = responses[code].get("description", "")
        responses[code]["description"] = f"{existing} {description}".strip()
    else:
        responses[code] = _error_response(description)


class ScopedAutoSchema(AutoSchema):
    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if not operation or not any("tokenAuth" in requirement for requirement in operation.get("security", [])):
            return operation
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
        return operation
