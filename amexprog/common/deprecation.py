"""Deprecations announced on the wire: `Deprecation`, `Sunset` and `Link` headers (SPEC section 16; issue
18 item 9; README "API versions", deprecation policy).

A request that uses something deprecated — a client pinned with `Amexprog-Version` to a version that is
deprecated, or a query parameter that is — gets, on its response (errors included):

    Deprecation: @1798761600                       (RFC 9745: when it was deprecated, a Unix time)
    Sunset: Fri, 01 Jan 2027 00:00:00 GMT          (RFC 8594: when it stops working)
    Link: <https://…/README.md#api-versions>; rel="deprecation"; type="text/html"

so a client's logs say so long before anything breaks. What is deprecated is the `DEPRECATIONS` registry
below, in code, reviewed like any change: today's API has a single version and nothing deprecated, so it
is empty. Announce a deprecation by adding an entry (and a row in the README's changelog); remove it
after the sunset, with the behaviour it covered.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils.http import http_date

DEPRECATION = "Deprecation"
SUNSET = "Sunset"
LINK = "Link"
DEFAULT_CHANGELOG_URL = "https://github.com/amexprog/amexprog/blob/main/README.md#api-versions"


@dataclass(frozen=True)
class Deprecated:
    """One deprecated thing: an API version (`version`), or a query parameter (`parameter`) on the paths
    that start with `path_prefix` (every /api/ path when empty). `deprecated_at` is when it was announced,
    `sunset` when it stops working (at least 12 months later, the policy says)."""

    deprecated_at: dt.datetime
    sunset: dt.datetime
    version: str = ""
    parameter: str = ""
    path_prefix: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        if bool(self.version) == bool(self.parameter):
            raise ValueError("A deprecation names either a version or a query parameter.")
        if self.deprecated_at.tzinfo is None or self.sunset.tzinfo is None or self.sunset <= self.deprecated_at:
            raise ValueError("A deprecation needs aware timestamps, the sunset after the announcement.")

    def applies_to(self, request, version: str) -> bool:
        if self.version:
            return version == self.version
        return request.path.startswith(self.path_prefix or "/api/") and self.parameter in request.GET


# The registry (module docstring). Empty: 2026-12-01 is the only version and no parameter is deprecated.
DEPRECATIONS: tuple[Deprecated, ...] = ()


def changelog_url() -> str:
    return getattr(settings, "API_CHANGELOG_URL", "") or DEFAULT_CHANGELOG_URL


def deprecations_used(request, version: str) -> list[Deprecated]:
    """The registered deprecations this request uses."""
    return [entry for entry in DEPRECATIONS if entry.applies_to(request, version)]


def deprecation_headers(request, version: str) -> dict[str, str]:
    """The headers for a request that uses something deprecated (none otherwise): the earliest
    announcement and the earliest sunset when it uses several things."""
    used = deprecations_used(request, version)
    if not used:
        return {}
    announced = min(entry.deprecated_at for entry in used)
    sunset = min(entry.sunset for entry in used)
    return {
        DEPRECATION: f"@{int(announced.timestamp())}",
        SUNSET: http_date(sunset.timestamp()),
        LINK: f'<{changelog_url()}>; rel="deprecation"; type="text/html"',
    }
