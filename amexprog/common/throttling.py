"""Rate limits on the API (SPEC section 16; issue 18 item 9): a 429 in the one error shape with a
`Retry-After` header (seconds) when a caller goes over its rate.

Counted per API token (company and ops tokens share the `token` rate), per signed-in person
(`session`) and per client address for anonymous calls (`anonymous`); the card network's token is
not limited (an authorization must never be refused for speed). The rates are generous defaults in
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], which settings may change (e.g. from the environment); the
counters live in the cache (Redis when REDIS_URL is set), so every process shares them.
"""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.authentication import ApiClient


class ApiRateThrottle(SimpleRateThrottle):
    """One bucket per caller, its rate chosen by the kind of caller (module docstring)."""

    cache_format = "throttle_%(scope)s_%(ident)s"

    def allow_request(self, request, view):
        self.scope = self._scope_of(request)
        if self.scope is None:
            return True
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def __init__(self):  # the rate depends on the request: chosen in allow_request
        pass

    def get_rate(self) -> str | None:
        """The scope's rate as settings say now (not as they were when the class was imported)."""
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    @staticmethod
    def _scope_of(request) -> str | None:
        user = request.user
        if isinstance(user, ApiClient):
            return None if user.token.kind == "network" else "token"
        if user is not None and user.is_authenticated:
            return "session"
        return "anonymous"

    def get_cache_key(self, request, view):
        user = request.user
        if isinstance(user, ApiClient):
            ident = f"t{user.token.pk}"
        elif user is not None and user.is_authenticated:
            ident = f"u{user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
