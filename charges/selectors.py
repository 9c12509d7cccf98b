"""Read-only queries about authorizations for other apps' screens and API objects."""

from __future__ import annotations

from collections.abc import Iterable

from charges.authorization_models import Authorization, Hold


def authorizations_of_postings(*, posting_ids: Iterable[int]) -> dict[int, Authorization]:
    """The authorization each charge posting settled, by posting id (SPEC section 10: a presented charge
    settles its authorization's hold; issue 18 item 9). One query; postings without one are absent."""
    holds = (Hold.objects.filter(posting_id__in=list(posting_ids), authorization__isnull=False)
             .select_related("authorization__card", "authorization__account"))
    return {hold.posting_id: hold.authorization for hold in holds}
